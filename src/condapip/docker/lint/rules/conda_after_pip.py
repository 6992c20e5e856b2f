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
        inherited |= {k for s, path in stage.copied for k in _pip_envs(s) if _holds(s, path, k)}
        seen = set(inherited)
        for _, step in steps(stage):
            key = step.target.key if step.target is not None else None
            if isinstance(step.call, PipCall) and installs_into_env(step.call) and key:
                seen.add(key)
            elif isinstance(step.call, CondaCall) and _changes(step.call) and key in seen:
                out.append(_finding(step.call, step.cmd.line, key in inherited))
    return out


def _changes(call: CondaCall) -> bool:
    return call.sub in _CHANGES and not call.dry


def _pip_envs(stage: Stage) -> set[str]:
    return {
        step.target.key
        for _, step in steps(stage)
        if isinstance(step.call, PipCall) and installs_into_env(step.call)
        and step.target is not None and step.target.key
    }  # fmt: skip


def _holds(stage: Stage, path: str, key: str) -> bool:
    """Whether copying ``path`` from ``stage`` brings the env ``key`` along."""
    root = stage.where.root
    if key == "base":
        return path == root
    name = key.removeprefix("env:")
    return path in (root, f"{root}/envs", f"{root}/envs/{name}", name)


def _finding(call: CondaCall, line: int, inherited: bool) -> Finding:
    where = "the env"
    if inherited:
        where = "the env in an earlier stage, which this stage is built FROM or copies"
    return Finding(
        RULE,
        SEVERITY,
        line,
        f"`{call.tool} {call.sub}` changes an env after pip installed into {where}: "
        "conda does not see pip's files and may overwrite or orphan them",
        "install every conda package first, then pip, and no conda command after it",
    )
