"""interrupted-change: a condapip change that never finished (its journal is still there).

After a ``kill -9`` or a power cut in the middle of ``install``, ``create``,
``rebuild`` or ``rollback``, the prefix is half-changed however healthy its
files look; condapip refuses to change it further until it is recovered.
"""

from __future__ import annotations

from condapip.doctor.findings import Context, Finding
from condapip.ledger.journal import pending

RULE = "interrupted-change"


def check(ctx: Context) -> list[Finding]:
    prefix = ctx.prefix.path
    log = pending(prefix)
    if log is None:
        return []
    # A rebuild resumes itself; anything else goes back to its snapshot.
    verb = "rebuild" if log.verb == "rebuild" else "rollback"
    return [
        Finding(
            rule=RULE,
            severity="error",
            package=None,
            message=f"a condapip {log.verb} of {prefix} ({log.command}) was interrupted "
            f"in its {log.phase} phase: the environment is half-changed",
            fix=f"condapip {verb} -p {prefix}",
        )
    ]
