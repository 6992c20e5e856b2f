"""root-user: an image's container runs as root.

Every stage a build can output counts: the last, and each named stage no other
stage uses (``docker build --target NAME``); builders only copied from may be
root. The user is the last USER, else the base image's user from ``images``
(so a jupyter docker-stacks or micromamba base is non-root), else root: Docker
runs a container as root unless the image says otherwise.
"""

from __future__ import annotations

from condapip.docker.lint.findings import Context, Finding, Severity
from condapip.docker.lint.images import base_image
from condapip.docker.lint.stages import Stage

RULE = "root-user"
SEVERITY: Severity = "warning"


def check(ctx: Context) -> list[Finding]:
    return [_finding(stage, stage is ctx.final) for stage in ctx.images if _is_root(stage)]


def _is_root(stage: Stage) -> bool:
    user = stage.user
    return user is not None and user.split(":", 1)[0] in ("root", "0")


def _finding(stage: Stage, final: bool) -> Finding:
    if stage.starts:
        line, what = stage.starts[-1], "the container"
    elif stage.users:
        line, what = stage.users[-1][0], "the image"
    else:
        line, what = stage.last_line, "the image"
    if not final:
        what += f" of stage {stage.name} (`docker build --target {stage.name}`)"
    return Finding(
        RULE,
        SEVERITY,
        line,
        f"{what} runs as root ({_why(stage)})",
        "add `USER NAME` (a non-root user) as the stage's last USER",
    )


def _why(stage: Stage) -> str:
    if stage.users:
        return "its last USER is root"
    first = stage.ancestors()[0] if stage.parent is not None else stage
    if base_image(first.image).flavor == "unknown":
        return (
            f"no USER, and Docker runs as root unless the image says otherwise; "
            f"{first.image} is not in this lint's table of images"
        )
    return f"no USER, and {first.image} runs as root"
