"""interrupted-change: a change that never finished, by condapip or by pip.

After a ``kill -9`` or a power cut in the middle of ``install``, ``create``,
``rebuild`` or ``rollback``, the prefix is half-changed however healthy its
files look (its journal is still there); condapip refuses to change it
further until it is recovered. A pip cut short leaves its own traces (``~``
stashes, dist-infos it had not finished, package folders no dist owns), and a
crash can truncate a snapshot. A journal condapip did not write for this
prefix is reported as such and never followed.
"""

from __future__ import annotations

import shlex

from condapip.doctor.findings import Context, Finding
from condapip.ledger.dists import Leftover
from condapip.ledger.journal import foreign, pending, snapshot_files

RULE = "interrupted-change"


def check(ctx: Context) -> list[Finding]:
    prefix = ctx.prefix.path
    left = ctx.prefix.half_written
    traces = _traces(left) if left else ""
    findings = [_stray(ctx, f.path, f.why) for f in foreign(prefix)]
    snaps = snapshot_files(prefix)
    broken = [s for s in snaps if s.corrupt is not None]
    log = pending(prefix)
    if log is not None:
        # A rebuild resumes itself; anything else goes back to its snapshot.
        verb = "rebuild" if log.verb == "rebuild" else "rollback"
        message = (
            f"a condapip {log.verb} of {prefix} ({log.command}) was interrupted "
            f"in its {log.phase} phase: the environment is half-changed{traces}"
        )
        findings.append(_finding(ctx, message, verb))
    elif left:
        last = snaps[-1] if snaps else None
        pending_snapshot = last is not None and last.corrupt is None and not last.complete
        message = f"a change to {prefix} was cut short: {traces.removeprefix('; ')}"
        findings.append(_finding(ctx, message, "rollback" if pending_snapshot else "rebuild"))
    if broken:
        names = ", ".join(f"{s.path.name} ({s.corrupt})" for s in broken[:2])
        message = f"condapip snapshot(s) of {prefix} cannot be read: {names}"
        findings.append(_finding(ctx, message, "rebuild"))
    return findings


def _traces(left: tuple[Leftover, ...]) -> str:
    shown = "; ".join(f"{x.path.name} ({x.why})" for x in left[:3])
    more = f"; and {len(left) - 3} more" if len(left) > 3 else ""
    return f"; an interrupted pip left {shown}{more}"


def _finding(ctx: Context, message: str, verb: str) -> Finding:
    return Finding(
        rule=RULE,
        severity="error",
        package=None,
        message=message,
        fix=f"condapip {verb} -p {ctx.quoted_prefix}",
    )


def _stray(ctx: Context, path: object, why: str) -> Finding:
    return Finding(
        rule=RULE,
        severity="warning",
        package=None,
        message=f"{path} is not a journal condapip wrote for {ctx.prefix.path} ({why}): "
        "condapip ignores it and never acts on it",
        fix=f"rm -- {shlex.quote(str(path))}",
    )
