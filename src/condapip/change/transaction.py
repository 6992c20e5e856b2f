"""Every change is a transaction: a lock on the prefix, a snapshot first, restore on failure.

The snapshot (``conda-meta/condapip/snapshot-*.json``) holds the conda records' exact
URLs and hashes, the pip layer as exact pins, the user's requests and conda's
history. It is written before the first change and marked complete after the
last; a snapshot still pending means a condapip was killed midway, and
``rebuild`` or ``rollback`` takes the environment back to it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from condapip.change import journal, signals
from condapip.change.engines.base import CondaEngine, PipEngine
from condapip.change.state import EnvState, apply, capture
from condapip.errors import CondapipError, Refused
from condapip.ledger.prefix import Prefix, read_prefix
from condapip.support.atomic import write_atomic
from condapip.support.redact import redact, store

SNAPSHOT_DIR = ("conda-meta", "condapip")
KEEP = 20  # older snapshots are pruned: rollback goes back this many changes
LOCK_TIMEOUT = 600.0
LOCK_TIMEOUT_ENV = "CONDAPIP_LOCK_TIMEOUT"


def real(prefix: Path) -> Path:
    """The prefix's real path: a symlink to a prefix is the same prefix, one lock, one place."""
    return Path(os.path.realpath(prefix))


def lock_path(prefix: Path) -> Path:
    # Beside the prefix, not in it: create makes the prefix, rebuild renames
    # it, and a refused change must leave it byte-identical.
    prefix = real(prefix)
    return prefix.parent / f".{prefix.name}.condapip.lock"


@contextmanager
def locked(prefix: Path) -> Iterator[None]:
    """Hold the real prefix's lock; a second condapip waits, then gives up cleanly.

    Nothing in the prefix changes here: the temporary folders a killed condapip
    left are swept by the change itself (``guard``, ``rollback``, ``rebuild``),
    once the user has said yes.
    """
    from filelock import FileLock, Timeout

    prefix = real(prefix)
    wait = _lock_timeout()
    prefix.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path(prefix)))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(
            f"condapip: waiting for another condapip that is changing {prefix} (up to {wait:g}s)",
            file=sys.stderr,
            flush=True,
        )
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise Refused(
                f"another condapip is still changing {prefix}; gave up after {wait:g}s"
            ) from None
    try:
        yield
        if (prefix / "conda-meta").is_dir():
            # as conda does after every change, so conda env list and conda doctor see it
            from condapip.ledger.registry import register

            register(prefix)
    finally:
        lock.release()


def _lock_timeout() -> float:
    raw = os.environ.get(LOCK_TIMEOUT_ENV)
    if not raw:
        return LOCK_TIMEOUT
    try:
        return max(0.0, float(raw))
    except ValueError:
        raise CondapipError(f"{LOCK_TIMEOUT_ENV} is not a number of seconds: {raw!r}") from None


@dataclass(frozen=True)
class Snapshot:
    path: Path
    taken: str
    command: str
    state: EnvState
    history: str  # conda-meta/history as it was
    complete: bool
    # conda-meta/history's entries ("time cmd") when the change was done: one that
    # came later, not condapip's, is another tool's change a rollback must not undo
    history_after: tuple[str, ...] | None = None
    # top-level package folders no ledger owned when it was taken: kept by a restore
    unowned: tuple[str, ...] | None = None


def snapshot_dir(prefix: Path) -> Path:
    return prefix.joinpath(*SNAPSHOT_DIR)


def snapshots(prefix: Path) -> list[Snapshot]:
    """Every readable snapshot of ``prefix``, oldest first."""
    return [s for s in _all(prefix) if isinstance(s, Snapshot)]


def corrupt(prefix: Path) -> list[tuple[Path, str]]:
    """Snapshots that cannot be read (truncated by a crash, or edited), and why."""
    return [s for s in _all(prefix) if not isinstance(s, Snapshot)]


def _all(prefix: Path) -> list[Snapshot | tuple[Path, str]]:
    from condapip.ledger.journal import snapshot_files

    return [
        _read(f.path) if f.corrupt is None else (f.path, f.corrupt) for f in snapshot_files(prefix)
    ]


def latest(prefix: Path) -> Snapshot | None:
    """The newest snapshot; a corrupt one is refused (exit 1) with the way out."""
    found = _all(prefix)
    if not found:
        return None
    last = found[-1]
    if not isinstance(last, Snapshot):
        path, why = last
        raise Refused(
            f"the last snapshot of {prefix} is corrupt ({path.name}: {why}); condapip cannot "
            f"go back to it: run condapip rebuild -p {prefix} to rebuild it from its records"
        )
    return last


def snapshot_at(path: Path) -> Snapshot:
    """The snapshot a journal names; a corrupt one is refused with the way out."""
    found = _read(path)
    if not isinstance(found, Snapshot):
        prefix = path.parents[2]
        raise Refused(
            f"the snapshot {path.name} is corrupt ({found[1]}); condapip cannot go back to it: "
            f"run condapip rebuild -p {prefix} to rebuild it from its records"
        )
    return found


def interrupted(prefix: Path) -> Snapshot | None:
    """The snapshot of a change that never finished, if the last one did not."""
    last = latest(prefix)
    return last if last is not None and not last.complete else None


def readable_interrupted(prefix: Path) -> Snapshot | None:
    """``interrupted``, with a corrupt last snapshot taken as none (rebuild's view)."""
    found = _all(prefix)
    last = found[-1] if found else None
    return last if isinstance(last, Snapshot) and not last.complete else None


def take(prefix: Prefix, command: str) -> Snapshot:
    folder = snapshot_dir(prefix.path)
    folder.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    snap = Snapshot(
        path=folder / f"snapshot-{stamp}-{time.time_ns() % 10**9:09d}.json",
        taken=stamp,
        command=redact(command),
        state=capture(prefix),
        history=_history(prefix.path),
        complete=False,
        unowned=prefix.unowned,
    )
    _write(snap)
    for old in sorted(folder.glob("snapshot-*.json"))[:-KEEP]:
        old.unlink(missing_ok=True)
    return snap


def mark_complete(snap: Snapshot, prefix: Path) -> Snapshot:
    done = replace(snap, complete=True, history_after=_entries(prefix))
    _write(done)
    return done


def moved_on(prefix: Path, snap: Snapshot) -> str | None:
    """The command of a change another tool made after ``snap``'s change was done."""
    if snap.history_after is None:
        return None  # an unfinished change's snapshot, or one older than this check
    from condapip.ledger.history import read_history

    known = set(snap.history_after)
    for entry in read_history(prefix / "conda-meta" / "history"):
        ours = entry.cmd.split(" ", 1)[0].rsplit("/", 1)[-1] == "condapip"
        if f"{entry.time} {entry.cmd}" not in known and not ours:
            return entry.cmd or "a change with no command"
    return None


def _entries(prefix: Path) -> tuple[str, ...]:
    from condapip.ledger.history import read_history

    return tuple(f"{e.time} {e.cmd}" for e in read_history(prefix / "conda-meta" / "history"))


def discard(snap: Snapshot) -> None:
    journal.remove_kept(snap.path)


def restore(prefix: Path, snap: Snapshot, conda: CondaEngine, pip: PipEngine) -> None:
    """Put ``prefix`` back as ``snap`` saw it; what already matches is left alone.

    What a pip cut short left (its stashes, half-written dist-infos and their
    files, package folders no ledger owns that were not there before) goes
    first: pip would take a half-written dist for installed.
    """
    from condapip.change.leftovers import clear

    clear(read_prefix(prefix), keep=snap.unowned)
    apply(prefix, snap.state, conda, pip, exact=True)
    if _history(prefix) != snap.history:
        write_atomic(prefix / "conda-meta" / "history", snap.history)


def restored(prefix: Path, snap: Snapshot) -> bool:
    """The prefix holds what ``snap`` saw, and nothing a pip cut short left."""
    now = read_prefix(prefix)
    return capture(now) == snap.state and not now.half_written


@dataclass
class Change(journal.Tracker):
    """A guarded change in progress: its journal, phase by phase, and its snapshot."""

    snapshot: Snapshot | None = None


@contextmanager
def guard(prefix: Prefix, command: str, conda: CondaEngine, pip: PipEngine) -> Iterator[Change]:
    """Journal, snapshot, run the change; on any failure restore the snapshot and report.

    SIGINT, SIGTERM and SIGHUP are failures too (``signals``): see ``_stopped``.
    A change that changed nothing keeps no snapshot: one rollback undoes one real change.
    """
    from condapip.support.scratch import sweep

    with signals.raising():
        sweep(prefix.path)
        log = journal.begin(prefix.path, "install", command)
        change = Change(log)
        try:
            snap = change.snapshot = take(prefix, command)
            change.journal = journal.phase(log, "change", snapshot=snap.path)
            yield change
        except signals.Interrupted as sig:
            _stopped(prefix.path, change, sig, conda, pip)
        except BaseException as exc:
            _failed(prefix.path, change, exc, conda, pip)
            raise
        change.phase("record")
        if capture(read_prefix(prefix.path)) == snap.state:
            discard(snap)
        else:
            mark_complete(snap, prefix.path)
        journal.finish(change.journal)


def _failed(
    prefix: Path, change: Change, exc: BaseException, conda: CondaEngine, pip: PipEngine
) -> None:
    snap = change.snapshot
    if snap is None:  # failed before the snapshot: nothing was changed
        journal.finish(change.journal)
        return
    try:
        restore(prefix, snap, conda, pip)
    except BaseException as second:
        raise CondapipError(
            f"{_text(exc)}; restoring the snapshot failed too ({_text(second)}): "
            f"run condapip rollback -p {prefix}",
            exit_code=1,
        ) from None
    discard(snap)
    journal.finish(change.journal)
    if isinstance(exc, CondapipError):
        raise CondapipError(
            f"{exc} (the environment was left as it was)", exit_code=exc.exit_code
        ) from None


def _stopped(
    prefix: Path, change: Change, sig: signals.Interrupted, conda: CondaEngine, pip: PipEngine
) -> None:
    """A signal mid-change: put the prefix back when that is safe, else keep the journal.

    Not safe while the conda layer is being linked (the built-in engine links in
    this process, and a link cut short is for ``rollback``, which re-reads
    everything). Anywhere else the children are gone by now (a child is killed
    with the call it serves) and the snapshot is restored, under the same
    signals: a second one stops the restore. Only a restore that checks out
    removes the journal; either way one line says where things stand.
    """
    phase, snap = change.journal.phase, change.snapshot
    if snap is not None and phase != "conda" and _put_back(prefix, snap, conda, pip):
        discard(snap)
        journal.finish(change.journal)
        raise CondapipError(
            f"interrupted by {sig.name}: {prefix} was put back as it was before the change; "
            "nothing to do (run the command again to retry it)",
            exit_code=sig.code,
        ) from None
    state_now = "is half-changed" if snap is not None else "was not changed yet"
    raise CondapipError(
        f"interrupted by {sig.name} in the {phase} phase: {prefix} {state_now}; "
        f"run condapip rollback -p {prefix}",
        exit_code=sig.code,
    ) from None


def _put_back(prefix: Path, snap: Snapshot, conda: CondaEngine, pip: PipEngine) -> bool:
    try:
        restore(prefix, snap, conda, pip)
        return restored(prefix, snap)
    except (Exception, signals.Interrupted):
        return False


def _text(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _history(prefix: Path) -> str:
    try:
        return (prefix / "conda-meta" / "history").read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def _write(snap: Snapshot) -> None:
    data = {
        "taken": snap.taken,
        "command": snap.command,
        "complete": snap.complete,
        "history": snap.history,
        **snap.state.as_json(),
    }
    if snap.history_after is not None:
        data["history_after"] = list(snap.history_after)
    if snap.unowned is not None:
        data["unowned"] = list(snap.unowned)
    # as conda stores URLs, whatever a prefix's older records or history still held
    write_atomic(snap.path, store(json.dumps(data, indent=1, sort_keys=True)), fsync=True)


def _read(path: Path) -> Snapshot | tuple[Path, str]:
    try:
        data = json.loads(path.read_text())
        after, unowned = data.get("history_after"), data.get("unowned")
        return Snapshot(
            path=path,
            taken=str(data["taken"]),
            command=str(data["command"]),
            state=EnvState.from_json(data, str(path)),
            history=str(data["history"]),
            complete=bool(data["complete"]),
            history_after=tuple(str(e) for e in after) if after is not None else None,
            unowned=tuple(str(f) for f in unowned) if unowned is not None else None,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, CondapipError) as exc:
        return (path, _text(exc).replace(f"corrupt snapshot {path}: ", ""))
