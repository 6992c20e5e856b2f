"""conda-after-pip: a conda change to an env that pip has already installed into.

conda does not see pip's files: a later ``conda install``/``update``/``remove``
in the same env may overwrite or orphan them. A stage built ``FROM`` an earlier
stage inherits that stage's pip layer, so the rule follows ``FROM stage``.
"""

from __future__ import annotations

from condapip.docker.lint.calls import CondaCall, PipCall
from condapip.docker.lint.findings import Context, Finding, Severity, installs_into_env, steps
from condapip.docker.lint.stages import Stage

RULE = "conda-after-pip"
SEVERITY: Severity = "error"
_CHANGES = frozenset({"install", "update", "upgrade", "remove", "uninstall", "env update"})


def check(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for stage in ctx.stages:
        inherited = {k for s in stage.ancestors() for k in _pip_envs(s)}
        seen = set(inherited)
        for _, step in steps(stage):
            key = step.target.key if step.target is not None else None
            if isinstance(step.call, PipCall) and installs_into_env(step.call) and key:
                seen.add(key)
            elif isinstance(step.call, CondaCall) and step.call.sub in _CHANGES and key in seen:
                from_stage = key in inherited and stage.parent is not None
                out.append(_finding(step.call, step.cmd.line, stage, from_stage))
    return out


def _pip_envs(stage: Stage) -> set[str]:
    return {
        step.target.key
        for _, step in steps(stage)
        if isinstance(step.call, PipCall) and installs_into_env(step.call)
        and step.target is not None and step.target.key
    }  # fmt: skip


def _finding(call: CondaCall, line: int, stage: Stage, inherited: bool) -> Finding:
    where = "the env"
    if inherited and stage.parent is not None:
        where = f"the env (in stage {stage.parent.name!r}, which this stage is built FROM)"
    return Finding(
        RULE,
        SEVERITY,
        line,
        f"`{call.tool} {call.sub}` changes an env after pip installed into {where}: "
        "conda does not see pip's files and may overwrite or orphan them",
        "install every conda package first, then pip, and no conda command after it",
    )
