"""bare-pip: in an image with conda, a pip that nothing ties to one env.

Fires only where conda is in the image and the stage gives no answer for which
pip runs: no env's path, no ``conda run``/``activate``, no SHELL that
activates, no PATH entry of an env or of a known non-conda Python.
"""

from __future__ import annotations

from condapip.docker.lint.calls import PipCall
from condapip.docker.lint.findings import Context, Finding, Severity, pip_steps

RULE = "bare-pip"
SEVERITY: Severity = "warning"


def check(ctx: Context) -> list[Finding]:
    return [
        Finding(
            RULE,
            SEVERITY,
            step.cmd.line,
            f"`{_shown(call)} {call.sub}` runs whichever pip is first on PATH, and "
            "nothing in this stage says which env that is",
            f"call the env's own interpreter: {root}/envs/NAME/bin/python -m pip",
        )
        for root, step, call, target in pip_steps(ctx)
        if target.kind == "bare" and call.sub in ("install", "uninstall")
    ]


def _shown(call: PipCall) -> str:
    if call.program == "uv":
        return "uv pip"
    return call.program if "pip" in call.program else f"{call.program} -m pip"
