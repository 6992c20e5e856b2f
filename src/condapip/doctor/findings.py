"""What a doctor rule sees (``Context``) and says (``Finding``), and the report of a run."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from condapip.ledger.dists import Dist
from condapip.ledger.prefix import Prefix, interpreter

Severity = Literal["error", "warning"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning")


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a prefix, and the command that fixes it."""

    rule: str
    severity: Severity
    package: str | None  # None for a finding about the whole environment
    message: str
    fix: str

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "package": self.package,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Context:
    """What a rule may look at: the prefix, read once, and the user's options."""

    prefix: Prefix
    verify: bool = False
    logs: tuple[Path, ...] = ()

    @cached_property
    def marker_env(self) -> dict[str, str]:
        """The PEP 508 environment of the prefix's own interpreter."""
        from condapip.ledger.platform import prefix_marker_environment

        return prefix_marker_environment(self.prefix)

    @cached_property
    def world(self) -> dict[Path, str]:
        """Which installer each dist-info is really from: ``conda`` or ``pip``."""
        out: dict[Path, str] = {}
        for dist in self.prefix.dists:
            owner, _ = self.prefix.owners[dist.path]
            if owner == "unknown":
                out[dist.path] = dist.installer or "unknown"
            else:
                out[dist.path] = "conda" if owner == "conda" else "pip"
        return out

    def installed_by_pip(self, dist: Dist) -> bool:
        # An orphaned dist-info that says INSTALLER conda was not pip's doing.
        return self.world[dist.path] == "pip" and dist.installer != "conda"

    @property
    def quoted_prefix(self) -> str:
        return shlex.quote(str(self.prefix.path))

    @property
    def rebuild(self) -> str:
        return f"condapip rebuild -p {self.quoted_prefix}"

    def pip(self, *args: str) -> str:
        """A pip command line through the prefix's own interpreter, quoted for a shell."""
        python = shlex.quote(str(interpreter(self.prefix.path)))
        return " ".join([python, "-m", "pip", *(shlex.quote(a) for a in args)])


@dataclass(frozen=True)
class Report:
    prefix: Path
    findings: tuple[Finding, ...]

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def healthy(self, strict: bool = False) -> bool:
        """No errors; with ``strict``, no warnings either."""
        return not any(f.severity == "error" or strict for f in self.findings)

    def as_json(self, strict: bool = False) -> dict[str, Any]:
        return {
            "prefix": str(self.prefix),
            "healthy": self.healthy(strict),
            "findings": [f.as_json() for f in self.findings],
        }


@dataclass(frozen=True)
class EnvSummary:
    """One row of ``doctor --all``: an audited env, or the reason it could not be read."""

    prefix: Path
    errors: int
    warnings: int
    healthy: bool
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "prefix": str(self.prefix),
            "healthy": self.healthy,
            "errors": self.errors,
            "warnings": self.warnings,
            "error": self.error,
        }
