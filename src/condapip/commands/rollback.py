"""``condapip rollback``: back to the snapshot taken before the last condapip change.

A rollback is a change too: once the user said yes, it writes its own journal
naming the snapshot it restores, before it touches anything, and removes the
snapshot only once the prefix holds it. A rollback cut short (kill -9, a
signal) is finished by the next one, towards the same snapshot; so is a change
cut short (its journal names its snapshot). A journal condapip did not write
for this prefix is reported in one line and ignored.
"""

from __future__ import annotations

from pathlib import Path

from condapip.change import journal, signals, state, transaction
from condapip.change.engines import conda_engine, pip_engine
from condapip.change.engines.base import CondaEngine, PipEngine
from condapip.change.plan import Row
from condapip.change.result import Changed, Plan, versions_to
from condapip.commands._shared import refuse_base
from condapip.errors import CondapipError, Refused
from condapip.ledger.journal import Journal, foreign, pending
from condapip.ledger.prefix import Prefix, read_prefix
from condapip.support.output import Confirm, warn
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
        for stray in foreign(prefix_path):
            warn(
                f"ignored {stray.path}: not a journal condapip wrote for this prefix ({stray.why})"
            )
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
            return _never_started(found.path, log, dry_run, confirm)
        snap = _target(found.path, log)
        if snap is None:
            if log is not None:  # a rollback cut short after its restore was done
                return _finished(found.path, log, dry_run, confirm)
            raise Refused(f"{found.path} has no condapip snapshot to roll back to")
        other = transaction.moved_on(found.path, snap)
        if other is not None:
            raise Refused(
                f"{found.path} was changed by another tool after condapip's last change "
                f"({other}): a rollback to the snapshot before {snap.command} would undo "
                "that too, so condapip stops here; nothing was changed"
            )
        shown = Plan(
            f"Roll {found.path} back",
            changes(found, snap.state),
            versions=versions_to(found, snap.state),
        )
        if dry_run:
            return Changed(shown, None)
        confirm(shown, "Proceed?")
        _restore(found.path, snap, conda, pip)
    return Changed(shown, f"rolled back to the snapshot of {snap.taken} ({snap.command})")


def _target(prefix: Path, log: Journal | None) -> transaction.Snapshot | None:
    """The snapshot an unfinished change or rollback names, else the latest one."""
    if log is None or log.snapshot is None:
        return transaction.latest(prefix)
    path = Path(log.snapshot)
    if not path.exists():
        if log.verb == "rollback":
            return None  # its restore was done, only the journal's removal was cut short
        raise Refused(
            f"the snapshot of the interrupted {log.command} ({path.name}) is gone: "
            f"run condapip rebuild -p {prefix} to rebuild it from its records"
        )
    return transaction.snapshot_at(path)


def _restore(prefix: Path, snap: transaction.Snapshot, conda: CondaEngine, pip: PipEngine) -> None:
    """Journal first (naming the snapshot), restore, drop the snapshot, then the journal."""
    from condapip.support.scratch import sweep

    with signals.raising():
        sweep(prefix)
        change = journal.Tracker(
            journal.begin(prefix, "rollback", f"rollback: {snap.command}", snapshot=snap.path)
        )
        try:
            change.phase("restore")
            with step(f"restoring the snapshot taken before: {snap.command}", spinner=False):
                transaction.restore(prefix, snap, conda, pip)
        except signals.Interrupted as sig:
            raise CondapipError(
                f"interrupted by {sig.name}: the rollback of {prefix} is half-done; "
                f"run condapip rollback -p {prefix} to finish it",
                exit_code=sig.code,
            ) from None
        transaction.discard(snap)
        journal.finish(change.journal)


def _never_started(prefix: Path, log: Journal, dry_run: bool, confirm: Confirm) -> Changed:
    """Killed before its snapshot was taken, the change had changed nothing yet."""
    shown = Plan(f"Roll {prefix} back", [])
    if dry_run:
        return Changed(shown, None)
    confirm(shown, "Proceed?")
    journal.finish(log)
    return Changed(shown, f"nothing to undo: {log.command} was stopped before it changed anything")


def _finished(prefix: Path, log: Journal, dry_run: bool, confirm: Confirm) -> Changed:
    shown = Plan(f"Roll {prefix} back", [])
    if dry_run:
        return Changed(shown, None)
    confirm(shown, "Proceed?")
    journal.finish(log)
    return Changed(shown, f"nothing to undo: the interrupted {log.command} had finished")


def _undo_create(prefix: Path, dry_run: bool, confirm: Confirm) -> Changed:
    """A create cut short: before it, there was no environment, so none is left.

    Renamed aside first, then removed: a kill midway leaves no half prefix at its path.
    """
    import shutil
    import tempfile

    shown = Plan(f"Roll {prefix} back", [Row(prefix.name, "conda", "remove the half-made", "")])
    if dry_run:
        return Changed(shown, None)
    confirm(shown, "Proceed?")
    trash = Path(tempfile.mkdtemp(prefix=f".{prefix.name}.condapip-trash-", dir=prefix.parent))
    prefix.rename(trash / prefix.name)
    shutil.rmtree(trash)
    return Changed(shown, f"removed the half-made {prefix}")


def changes(found: Prefix, then: state.EnvState) -> list[Row]:
    """What the rollback removes and puts back, layer by layer."""
    now = state.capture(found)
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
    rows += [
        Row(left.path.name, "pip", f"remove what an interrupted pip left: {left.why}", "")
        for left in found.half_written
    ]
    return rows
