"""unpinned-pip: a pip requirement without one exact version (or a commit).

Requirements built from variables count by what the variables leave fixed,
and ``-r`` files are read when the Dockerfile COPYs them from the build context.
"""

from __future__ import annotations

from condapip.docker.lint.calls import PipCall
from condapip.docker.lint.findings import Context, Finding, Severity
from condapip.docker.lint.pins import ReadFile, requirements

RULE = "unpinned-pip"
SEVERITY: Severity = "warning"


def check(ctx: Context) -> list[Finding]:
    # by line: one finding per RUN names every install's loose requirements (lint keeps one
    # finding per rule and line, so a finding per install would hide all but one)
    loose: dict[int, list[str]] = {}
    for stage in ctx.stages:
        copies = [(c.source, c.target) for c in stage.copies]
        for run in stage.runs:
            read = ReadFile(ctx.build_dir, copies, run.workdir)
            for step in run.steps:
                call = step.call
                if isinstance(call, PipCall) and call.sub == "install":
                    found = requirements(call.args, step.values, read)
                    loose.setdefault(step.cmd.line, []).extend(found)
    return [_finding(line, list(dict.fromkeys(r))) for line, r in loose.items() if r]


def _finding(line: int, loose: list[str]) -> Finding:
    names = ", ".join(repr(r) for r in loose)
    what = "requirement" if len(loose) == 1 else "requirements"
    return Finding(
        RULE,
        SEVERITY,
        line,
        f"pip {what} {names} not pinned: each build may install different code",
        "pin each to name==version (or a VCS URL at a commit); `condapip lock` finds the versions",
    )
