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
    out: list[Finding] = []
    for stage in ctx.stages:
        copies = [(c.source, c.target) for c in stage.copies]
        for run in stage.runs:
            read = ReadFile(ctx.build_dir, copies, run.workdir)
            for step in run.steps:
                call = step.call
                if not isinstance(call, PipCall) or call.sub != "install":
                    continue
                loose = list(dict.fromkeys(requirements(call.args, step.values, read)))
                if loose:
                    out.append(_finding(step.cmd.line, loose))
    return out


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
