"""conda-after-pip: a conda transaction after pip had installed packages.

"conda, then pip, then conda" is the drift that breaks environments: conda
does not see pip's layer, so it may re-lay files under it or pull a
dependency out from under it. The history gives conda's times (local time, to
the second); a pip dist's ``INSTALLER`` mtime says when pip wrote it. A change
condapip made is not that drift: it resolved the pip layer against conda's
solution first and laid again every pip dist the change reached.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from condapip.doctor.findings import Context, Finding
from condapip.ledger.dists import Dist

RULE = "conda-after-pip"
_SHOWN = 5


def check(ctx: Context) -> list[Finding]:
    installed_at = {
        dist.key: when
        for dist in ctx.prefix.dists
        if ctx.installed_by_pip(dist) and (when := _written_at(dist)) is not None
    }
    if not installed_at:
        return []
    first = min(installed_at.values())
    findings = []
    for entry in ctx.prefix.history:
        if entry.time <= first or not (entry.added or entry.removed) or _by_condapip(entry.cmd):
            continue
        earlier = sorted(key for key, when in installed_at.items() if when < entry.time)
        changed = sorted({_package_name(d) for d in (*entry.added, *entry.removed)})
        findings.append(
            Finding(
                rule=RULE,
                severity="warning",
                package=None,
                message=f"conda changed {_some(changed)} at {entry.time} after pip had "
                f"installed {_some(earlier)} (first at {first}); conda does not re-apply "
                "pip's layer: re-layer the pip packages or rebuild",
                fix=ctx.rebuild,
            )
        )
    return findings


def _by_condapip(cmd: str) -> bool:
    """Whether history's ``# cmd:`` is condapip's (its script, or ``python -m condapip``)."""
    first = Path(cmd.split(" ", 1)[0])
    return first.name == "condapip" or first.parts[-2:] == ("condapip", "__main__.py")


def _written_at(dist: Dist) -> datetime | None:
    for path in (dist.path / "INSTALLER", dist.path):
        try:
            # history is local time to the second: compare like with like
            return datetime.fromtimestamp(int(os.stat(path).st_mtime))
        except OSError:
            continue
    return None


def _package_name(dist_str: str) -> str:
    """``channel::name-version-build`` -> ``name``."""
    return dist_str.rpartition("::")[2].rsplit("-", 2)[0]


def _some(names: list[str]) -> str:
    if len(names) <= _SHOWN:
        return ", ".join(names)
    return f"{', '.join(names[:_SHOWN])} and {len(names) - _SHOWN} more"
