"""pip-in-base: pip changes the base env of a conda that runs from it.

Fires only where the base env runs conda itself (miniconda, miniforge,
anaconda, jupyter docker-stacks): a pip package there can break ``conda``.
micromamba's base env does not run micromamba, so it is an env like any other.
"""

from __future__ import annotations

from condapip.docker.lint.calls import PipCall
from condapip.docker.lint.findings import (
    Context,
    Finding,
    Severity,
    installs_into_env,
    pip_steps,
)

RULE = "pip-in-base"
SEVERITY: Severity = "error"


def check(ctx: Context) -> list[Finding]:
    return [
        Finding(
            RULE,
            SEVERITY,
            step.cmd.line,
            f"`{call.shown} {call.sub}` changes conda's base env ({root}), which runs conda "
            "itself: a pip package there can break the conda command",
            _fix(call, root),
        )
        for root, step, call, target in pip_steps(ctx)
        if target.kind == "base"
        and target.runs_conda
        and (installs_into_env(call) or call.sub == "uninstall")
    ]


def _fix(call: PipCall, root: str) -> str:
    if call.program == "uv":
        return (
            f"create an env and name its interpreter: "
            f"uv pip {call.sub} --python {root}/envs/NAME/bin/python"
        )
    return f"create an env and install through its interpreter: {root}/envs/NAME/bin/python -m pip"
