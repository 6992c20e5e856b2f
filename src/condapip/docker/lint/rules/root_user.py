"""root-user: the image's container runs as root.

Only the last stage counts (builder stages may be root), and only a user this
lint knows: the last USER, else the base image's user from ``images`` (so a
jupyter docker-stacks or micromamba base is non-root), else nothing is said.
"""

from __future__ import annotations

from condapip.docker.lint.findings import Context, Finding, Severity

RULE = "root-user"
SEVERITY: Severity = "warning"


def check(ctx: Context) -> list[Finding]:
    stage = ctx.final
    user = stage.user
    if user is None or user.split(":", 1)[0] not in ("root", "0"):
        return []
    if stage.starts:
        line, where = stage.starts[-1], "the container"
    elif stage.users:
        line, where = stage.users[-1][0], "the image"
    else:
        line, where = stage.last_line, "the image"
    return [
        Finding(
            RULE,
            SEVERITY,
            line,
            f"{where} runs as root (the last USER of the final stage is root)",
            "add `USER NAME` (a non-root user) as the final stage's last USER",
        )
    ]
