"""install-log-warning: warnings in conda, mamba or pip output that mean trouble.

Each of these says the environment is already unstable, although the command
that printed it exited 0. ``doctor --log FILE`` reads saved output.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from condapip.doctor.findings import Context, Finding
from condapip.errors import CondapipError

RULE = "install-log-warning"

# (pattern, what it means, the fix: rebuild, clean or update-conda), matched
# case-insensitively one line at a time.
_KNOWN: tuple[tuple[str, str, str], ...] = (
    (r"pinned specs? (?:were|was) ignored", "conda ignored the environment's pins", "rebuild"),
    (
        r"constrained to only using the old \.tar\.bz2 file format",
        "conda is too old for .conda packages",
        "update-conda",
    ),
    (
        r"dependency resolver does not currently take into account all the packages",
        "pip installed over requirements it did not check",
        "rebuild",
    ),
    (
        r"requires .+, but you have .+ which is incompatible",
        "pip left a requirement unmet",
        "rebuild",
    ),
    (r"ClobberWarning|ClobberError", "two packages wrote the same file", "rebuild"),
    (r"SafetyError", "a package's files did not match its record", "clean"),
    (
        r"environment is inconsistent",
        "conda found the environment inconsistent",
        "rebuild",
    ),
    (
        r"Ignoring invalid distribution",
        "an interrupted pip left a half-removed dist",
        "rebuild",
    ),
    (r"Found conflicts!", "conda's solver found conflicts", "rebuild"),
)
KNOWN_WARNINGS = tuple((re.compile(p, re.IGNORECASE), what, fix) for p, what, fix in _KNOWN)


def check(ctx: Context) -> list[Finding]:
    findings = []
    for log in ctx.logs:
        for lineno, line in _lines(log):
            for pattern, what, action in KNOWN_WARNINGS:
                if pattern.search(line):
                    findings.append(
                        Finding(
                            rule=RULE,
                            severity="warning",
                            package=None,
                            message=f"{log}:{lineno}: {what}: {line.strip()}",
                            fix=_fix(ctx, action),
                        )
                    )
                    break
    return findings


def _lines(log: Path) -> Iterator[tuple[int, str]]:
    try:
        with log.open(encoding="utf-8", errors="replace") as fh:
            yield from enumerate(fh, start=1)
    except OSError as exc:
        raise CondapipError(f"cannot read log file {log}: {exc.strerror}") from None


def _fix(ctx: Context, action: str) -> str:
    if action == "clean":
        return f"conda clean --packages --yes && {ctx.rebuild}"
    if action == "update-conda":
        return f"conda update -n base conda && {ctx.rebuild}"
    return ctx.rebuild
