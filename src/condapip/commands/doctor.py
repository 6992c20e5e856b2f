"""``condapip doctor``: audit one environment, or every one conda knows of."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from condapip.doctor.diagnose import diagnose, survey
from condapip.doctor.findings import SEVERITIES, EnvSummary, Finding, Report
from condapip.errors import CondapipError

HEADER = ["Rule", "Package", "Message", "Fix"]
ALL_HEADER = ["Prefix", "Healthy", "Errors", "Warnings", "Problem"]


def main(
    *,
    name: str | None = None,
    prefix: str | None = None,
    json: bool = False,
    verify: bool = False,
    log: list[Path] | None = None,
    strict: bool = False,
    all_envs: bool = False,
) -> int:
    """The whole verb, as typer and the fast path in ``__main__`` both call it."""
    if all_envs:
        envs = run_all(verify=verify, strict=strict, name=name, prefix=prefix, logs=log or [])
        if json:
            from condapip.support.output import emit_json

            emit_json(all_json(envs))
        else:
            from condapip.support.output import table

            table(None, ALL_HEADER, all_rows(envs), fold=True)
            print(all_summary(envs))
        return 0 if all(e.healthy for e in envs) else 1
    from condapip.ledger.locate import resolve

    report = run(resolve(name, prefix), verify=verify, logs=log or [])
    if json:
        from condapip.support.output import emit_json

        emit_json(report.as_json(strict))
    else:
        show(report)
        print(summary(report, strict))
    return 0 if report.healthy(strict) else 1


def run(prefix: Path, *, verify: bool, logs: Sequence[Path]) -> Report:
    return diagnose(prefix, verify=verify, logs=logs)


def run_all(
    *, verify: bool, strict: bool, name: str | None, prefix: str | None, logs: Sequence[Path]
) -> list[EnvSummary]:
    if name or prefix:
        raise CondapipError("--all audits every environment: do not pass -n or -p with it")
    if logs:
        raise CondapipError("--log belongs to one environment: do not pass it with --all")
    from condapip.ledger.locate import all_envs

    return survey(all_envs(), verify=verify, strict=strict)


def grouped(report: Report) -> list[tuple[str, list[list[str]]]]:
    """Table rows per severity, errors first; empty groups left out."""
    out = []
    for severity in SEVERITIES:
        rows = [_row(f) for f in report.findings if f.severity == severity]
        if rows:
            out.append((f"{severity}s ({len(rows)})", rows))
    return out


def show(report: Report) -> None:
    """A table per severity on a terminal; in pipes a block per finding, as
    a message and its fix are too long to share a line."""
    import sys

    if sys.stdout.isatty():
        from condapip.support.output import table

        for title, rows in grouped(report):
            table(title, HEADER, rows, fold=True)
        return
    for title, rows in grouped(report):
        print(title)
        for rule, package, message, fix in rows:
            head = rule if package == "-" else f"{rule}: {package}"
            print(f"  {head}\n    {message}\n    fix: {fix}")


def _row(f: Finding) -> list[str]:
    return [f.rule, f.package or "-", f.message, f.fix]


def summary(report: Report, strict: bool) -> str:
    errors, warnings = report.count("error"), report.count("warning")
    if not report.findings:
        return f"healthy: no findings in {report.prefix}"
    verdict = "healthy" if report.healthy(strict) else "unhealthy"
    return (
        f"{verdict}: {_plural(errors, 'error')}, {_plural(warnings, 'warning')} in {report.prefix}"
    )


def all_rows(rows: Sequence[EnvSummary]) -> list[list[str]]:
    return [
        [str(r.prefix), "yes" if r.healthy else "no", str(r.errors), str(r.warnings), r.error or ""]
        for r in rows
    ]


def all_json(rows: Sequence[EnvSummary]) -> dict[str, Any]:
    return {"healthy": all(r.healthy for r in rows), "envs": [r.as_json() for r in rows]}


def all_summary(rows: Sequence[EnvSummary]) -> str:
    bad = sum(1 for r in rows if not r.healthy)
    return f"{_plural(len(rows), 'environment')}, {bad} unhealthy"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
