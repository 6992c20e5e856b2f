"""``condapip rollback``: back to the snapshot taken before the last condapip change."""

from __future__ import annotations

from condapip.change import state, transaction
from condapip.change.engines import conda_engine, pip_engine
from condapip.change.plan import Row
from condapip.change.result import Changed, Plan
from condapip.commands._shared import refuse_base
from condapip.errors import Refused
from condapip.ledger.prefix import read_prefix
from condapip.support.output import Confirm
from condapip.support.progress import step


def run(
    *,
    name: str | None,
    prefix: str | None,
    engine: str = "rattler",
    pip_engine_name: str | None = None,
    dry_run: bool,
    confirm: Confirm,
) -> Changed:
    from condapip.ledger.locate import resolve

    prefix_path = resolve(name, prefix)
    conda = conda_engine(engine)
    pip = pip_engine(pip_engine_name)
    with transaction.locked(prefix_path):
        found = read_prefix(prefix_path)
        refuse_base(found)
        snap = transaction.latest(found.path)
        if snap is None:
            raise Refused(f"{found.path} has no condapip snapshot to roll back to")
        shown = Plan(f"Roll {found.path} back", changes(state.capture(found), snap.state))
        if dry_run:
            return Changed(shown, None)
        confirm(shown, "Proceed?")
        with step(f"restoring the snapshot taken before: {snap.command}", spinner=False):
            transaction.restore(found.path, snap, conda, pip)
        transaction.discard(snap)
    return Changed(shown, f"rolled back to the snapshot of {snap.taken} ({snap.command})")


def changes(now: state.EnvState, then: state.EnvState) -> list[Row]:
    """What the rollback removes and puts back, layer by layer."""
    rows = []
    have = {p.url: p for p in now.conda}
    want = {p.url: p for p in then.conda}
    rows += [
        Row(p.name, "conda", f"remove {p.dist_str}", u) for u, p in have.items() if u not in want
    ]
    rows += [
        Row(p.name, "conda", f"restore {p.dist_str}", u) for u, p in want.items() if u not in have
    ]
    pins_now = {p.requirement: p for p in now.pip}
    pins_then = {p.requirement: p for p in then.pip}
    rows += [
        Row(p.name, "pip", f"remove {r}", r) for r, p in pins_now.items() if r not in pins_then
    ]
    rows += [
        Row(p.name, "pip", f"restore {r}", r) for r, p in pins_then.items() if r not in pins_now
    ]
    return rows
