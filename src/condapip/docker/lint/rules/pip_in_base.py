"""pip-in-base: pip changes the base env of a conda that runs from it.

Fires only where the base env runs conda itself (miniconda, miniforge,
anaconda, jupyter docker-stacks): a pip package there can break ``conda``.
micromamba's base env does not run micromamba, so it is an env like any other.
"""

from __future__ import annotations

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
            f"`pip {call.sub}` changes conda's base env ({root}), which runs conda "
            "itself: a pip package there can break the conda command",
            f"create an env and install through its interpreter: "
            f"{root}/envs/NAME/bin/python -m pip",
        )
        for root, step, call, target in pip_steps(ctx)
        if target.kind == "base"
        and target.runs_conda
        and (installs_into_env(call) or call.sub == "uninstall")
    ]
