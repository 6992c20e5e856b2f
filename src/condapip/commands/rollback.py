"""``condapip rollback``: back to the snapshot taken before the last condapip change."""

from __future__ import annotations

from pathlib import Path

from condapip.change import journal, state, transaction
from condapip.change.engines import conda_engine, pip_engine
from condapip.change.plan import Row
from condapip.change.result import Changed, Plan
from condapip.commands._shared import refuse_base
from condapip.errors import Refused
from condapip.ledger.journal import Journal, pending
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

    prefix_path = transaction.real(resolve(name, prefix))
    conda = conda_engine(engine)
    pip = pip_engine(pip_engine_name)
    with transaction.locked(prefix_path):
        log = pending(prefix_path)
        if log is not None and log.verb == "rebuild":
            raise Refused(
                f"a rebuild of {prefix_path} was interrupted: "
                f"run condapip rebuild -p {prefix_path} to finish it"
            )
        if log is not None and log.verb == "create":
            return _undo_create(prefix_path, dry_run, confirm)
        found = read_prefix(prefix_path)
        refuse_base(found)
        if log is not None and log.snapshot is None:
            return _never_started(found.path, log, dry_run)
        snap = transaction.latest(found.path)
        if snap is None:
            raise Refused(f"{found.path} has no condapip snapshot to roll back to")
        shown = Plan(f"Roll {found.path} back", changes(state.capture(found), snap.state))
        if dry_run:
            return Changed(shown, None)
        confirm(shown, "Proceed?")
        # A rollback killed midway is resumed by the next: the snapshot stays until done.
        change = journal.Tracker(journal.begin(found.path, "rollback", f"rollback: {snap.command}"))
        change.phase("restore")
        with step(f"restoring the snapshot taken before: {snap.command}", spinner=False):
            transaction.restore(found.path, snap, conda, pip)
        transaction.discard(snap)
        journal.finish(change.journal)
    return Changed(shown, f"rolled back to the snapshot of {snap.taken} ({snap.command})")


def _never_started(prefix: Path, log: Journal, dry_run: bool) -> Changed:
    """Killed before its snapshot was taken, the change had changed nothing yet."""
    shown = Plan(f"Roll {prefix} back", [])
    if not dry_run:
        journal.finish(log)
    return Changed(shown, f"nothing to undo: {log.command} was stopped before it changed anything")


def _undo_create(prefix: Path, dry_run: bool, confirm: Confirm) -> Changed:
    """A create cut short: before it, there was no environment, so none is left."""
    import shutil

    shown = Plan(f"Roll {prefix} back", [Row(prefix.name, "conda", "remove the half-made", "")])
    if dry_run:
        return Changed(shown, None)
    confirm(shown, "Proceed?")
    shutil.rmtree(prefix)
    return Changed(shown, f"removed the half-made {prefix}")


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
