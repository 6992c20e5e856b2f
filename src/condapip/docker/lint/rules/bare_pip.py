"""bare-pip: in an image with conda, a pip that nothing ties to one env.

Fires only where conda is in the image and the stage gives no answer for which
pip runs: no env's path, no ``conda run``/``activate``, no SHELL that
activates, no PATH entry of an env or of a known non-conda Python. ``uv pip``
is judged by uv's rules: only ``--system`` (or a ``--python`` version request)
looks on PATH, for a python rather than a pip.
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
            f"`{call.shown} {call.sub}` {_runs(call)}, and nothing in this stage says "
            "which env that is",
            _fix(call, root),
        )
        for root, step, call, target in pip_steps(ctx)
        if target.kind == "bare" and call.sub in ("install", "uninstall")
    ]


def _runs(call: PipCall) -> str:
    if call.program != "uv":
        return "runs whichever pip is first on PATH"
    request = call.uv_python
    if request is not None:
        return f"changes the first python on PATH that matches --python {request}"
    return "changes the first python on PATH (--system)"


def _fix(call: PipCall, root: str) -> str:
    if call.program == "uv":
        return f"name the env's interpreter: uv pip {call.sub} --python {root}/envs/NAME/bin/python"
    return f"call the env's own interpreter: {root}/envs/NAME/bin/python -m pip"
