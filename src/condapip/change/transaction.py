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

from condapip.change import journal
from condapip.change.engines.base import CondaEngine, PipEngine
from condapip.change.state import EnvState, apply, capture
from condapip.errors import CondapipError, Refused
from condapip.ledger.prefix import Prefix, read_prefix
from condapip.support.atomic import write_atomic
from condapip.support.redact import redact

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

    Holding it, the temporary folders a killed condapip left are swept.
    """
    from filelock import FileLock, Timeout

    from condapip.support.scratch import sweep

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
        sweep(prefix)
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


def snapshot_dir(prefix: Path) -> Path:
    return prefix.joinpath(*SNAPSHOT_DIR)


def snapshots(prefix: Path) -> list[Snapshot]:
    """Every snapshot of ``prefix``, oldest first."""
    folder = snapshot_dir(prefix)
    if not folder.is_dir():
        return []
    return [_read(p) for p in sorted(folder.glob("snapshot-*.json"))]


def latest(prefix: Path) -> Snapshot | None:
    found = snapshots(prefix)
    return found[-1] if found else None


def interrupted(prefix: Path) -> Snapshot | None:
    """The snapshot of a change that never finished, if the last one did not."""
    last = latest(prefix)
    return last if last is not None and not last.complete else None


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
    )
    _write(snap)
    for old in snapshots(prefix.path)[:-KEEP]:
        old.path.unlink(missing_ok=True)
    return snap


def mark_complete(snap: Snapshot) -> Snapshot:
    done = replace(snap, complete=True)
    _write(done)
    return done


def discard(snap: Snapshot) -> None:
    journal.remove_kept(snap.path)


def restore(prefix: Path, snap: Snapshot, conda: CondaEngine, pip: PipEngine) -> None:
    """Put ``prefix`` back as ``snap`` saw it; what already matches is left alone."""
    apply(prefix, snap.state, conda, pip, exact=True)
    history = prefix / "conda-meta" / "history"
    if _history(prefix) != snap.history:
        history.write_text(snap.history, encoding="utf-8")


@dataclass
class Change(journal.Tracker):
    """A guarded change in progress: its journal, phase by phase, and its snapshot."""

    snapshot: Snapshot | None = None


@contextmanager
def guard(prefix: Prefix, command: str, conda: CondaEngine, pip: PipEngine) -> Iterator[Change]:
    """Journal, snapshot, run the change; on any failure restore the snapshot and report.

    A change that changed nothing keeps no snapshot: one rollback undoes one real change.
    """
    log = journal.begin(prefix.path, "install", command)
    snap = take(prefix, command)
    change = Change(journal.phase(log, "change", snapshot=snap.path), snap)
    try:
        yield change
    except BaseException as exc:
        try:
            restore(prefix.path, snap, conda, pip)
        except BaseException as second:
            raise CondapipError(
                f"{_text(exc)}; restoring the snapshot failed too ({_text(second)}): "
                f"run condapip rebuild -p {prefix.path}",
                exit_code=1,
            ) from None
        discard(snap)
        journal.finish(change.journal)
        if isinstance(exc, CondapipError):
            raise CondapipError(
                f"{exc} (the environment was left as it was)", exit_code=exc.exit_code
            ) from None
        raise
    change.phase("record")
    if capture(read_prefix(prefix.path)) == snap.state:
        discard(snap)
    else:
        mark_complete(snap)
    journal.finish(change.journal)


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
    write_atomic(snap.path, json.dumps(data, indent=1, sort_keys=True))


def _read(path: Path) -> Snapshot:
    try:
        data = json.loads(path.read_text())
        return Snapshot(
            path=path,
            taken=str(data["taken"]),
            command=str(data["command"]),
            state=EnvState.from_json(data, str(path)),
            history=str(data["history"]),
            complete=bool(data["complete"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CondapipError(f"corrupt snapshot {path}: {exc}") from None
