"""``condapip doctor``: audit one environment, or every one conda knows of."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.doctor.diagnose import diagnose, survey
from condapip.doctor.findings import SEVERITIES, EnvSummary, Finding, Report
from condapip.errors import CondapipError
from condapip.support.output import Block, Table

HEADER = ["Rule", "Package", "Message", "Fix"]
ALL_HEADER = ["Prefix", "Healthy", "Errors", "Warnings", "Problem"]


@dataclass(frozen=True)
class Diagnosis:
    """One environment's findings; unhealthy (exit 1) on errors, or on warnings if strict."""

    report: Report
    strict: bool
    warnings: Sequence[str] = ()

    @property
    def exit_code(self) -> int:
        return 0 if self.report.healthy(self.strict) else 1

    def blocks(self) -> Iterator[Block]:
        # In pipes a block per finding: a message and its fix are too long to share a line.
        for title, rows in grouped(self.report):
            yield Table(title, HEADER, rows, fold=True, plain=stacked(title, rows))
        yield summary(self.report, self.strict)

    def as_json(self) -> Any:
        return self.report.as_json(self.strict)


@dataclass(frozen=True)
class Survey:
    """One row per environment conda knows of; exit 1 if any is unhealthy."""

    envs: list[EnvSummary]
    warnings: Sequence[str] = ()

    @property
    def exit_code(self) -> int:
        return 0 if all(e.healthy for e in self.envs) else 1

    def blocks(self) -> Iterator[Block]:
        yield Table(None, ALL_HEADER, all_rows(self.envs), fold=True)
        yield all_summary(self.envs)

    def as_json(self) -> Any:
        return all_json(self.envs)


def run(
    *,
    name: str | None = None,
    prefix: str | None = None,
    verify: bool = False,
    log: list[Path] | None = None,
    strict: bool = False,
    all_envs: bool = False,
) -> Diagnosis | Survey:
    """The whole verb, as typer and the fast path in ``__main__`` both call it."""
    if all_envs:
        return Survey(run_all(verify=verify, strict=strict, name=name, prefix=prefix, logs=log))
    from condapip.ledger.locate import resolve

    return Diagnosis(diagnose(resolve(name, prefix), verify=verify, logs=log or []), strict)


def run_all(
    *,
    verify: bool,
    strict: bool,
    name: str | None,
    prefix: str | None,
    logs: Sequence[Path] | None,
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


def stacked(title: str, rows: list[list[str]]) -> str:
    lines = [title]
    for rule, package, message, fix in rows:
        head = rule if package == "-" else f"{rule}: {package}"
        lines.append(f"  {head}\n    {message}\n    fix: {fix}")
    return "\n".join(lines)


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
