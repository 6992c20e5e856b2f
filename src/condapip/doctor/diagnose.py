"""The doctor: read a prefix once, run every rule over it, collect findings.

Rules live in ``condapip.doctor.rules``, one small function each. They share one
read of the prefix through a ``Context``, never re-read the ledgers, and load
heavy libraries (rattler) only when they have work for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from condapip.doctor.findings import SEVERITIES, Context, EnvSummary, Report
from condapip.doctor.rules import RULES
from condapip.errors import CondapipError
from condapip.ledger.prefix import read_prefix


def diagnose(path: str | Path, *, verify: bool = False, logs: Sequence[str | Path] = ()) -> Report:
    """Every rule's findings for the prefix at ``path``; CondapipError on bad input."""

    log_paths = tuple(_check_log(Path(p)) for p in logs)
    ctx = Context(prefix=read_prefix(path), verify=verify, logs=log_paths)
    findings = [finding for rule in RULES for finding in rule(ctx)]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: order[f.severity])
    return Report(prefix=ctx.prefix.path, findings=tuple(findings))


def survey(
    prefixes: Iterable[Path], *, verify: bool = False, strict: bool = False
) -> list[EnvSummary]:
    """``diagnose`` each prefix in turn; an unreadable one is a row, not a crash."""
    rows = []
    for path in prefixes:
        try:
            report = diagnose(path, verify=verify)
        except CondapipError as exc:
            rows.append(EnvSummary(path, errors=1, warnings=0, healthy=False, error=str(exc)))
            continue
        rows.append(
            EnvSummary(
                path,
                errors=report.count("error"),
                warnings=report.count("warning"),
                healthy=report.healthy(strict),
            )
        )
    return rows


def _check_log(path: Path) -> Path:
    if not path.is_file():
        raise CondapipError(f"log file not found: {path}")
    return path
