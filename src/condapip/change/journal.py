"""Writing the journal of a change: before each phase, atomically; removed when done.

The format and the reader are ledger/journal.py. ``CONDAPIP_TEST_PAUSE_AT``
names a phase at which condapip stops, right after the journal says it is
in it, so that a test can ``kill -9`` it exactly there: condapip writes the
phase to the fifo ``CONDAPIP_TEST_PAUSE_FIFO`` and then waits for ever.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from condapip.ledger.journal import Journal, created_path, journal_path
from condapip.support.atomic import write_atomic
from condapip.support.redact import redact

PAUSE_AT_ENV = "CONDAPIP_TEST_PAUSE_AT"
PAUSE_FIFO_ENV = "CONDAPIP_TEST_PAUSE_FIFO"


@dataclass
class Tracker:
    """A change's journal, moved from phase to phase."""

    journal: Journal

    def phase(self, name: str) -> None:
        self.journal = phase(self.journal, name)


def begin(
    prefix: Path, verb: str, command: str, *, at: Path | None = None, snapshot: Path | None = None
) -> Journal:
    """A new journal for ``prefix``, kept in ``at`` (another prefix folder) if given.

    A ``create`` first marks the folder as its own (its device and inode): only
    then may a rollback of that journal remove it.
    """
    where = journal_path(at or prefix)
    if verb == "create":
        _mark_created(prefix)
    journal = Journal(where, prefix, verb, "start", None, redact(command))
    return phase(journal, "start", snapshot=snapshot)


def phase(journal: Journal, name: str, *, snapshot: Path | None = None) -> Journal:
    """Record that ``journal``'s change enters phase ``name``, before it does."""
    snap = str(snapshot) if snapshot is not None else journal.snapshot
    now = Journal(journal.path, journal.prefix, journal.verb, name, snap, journal.command)
    _write(now)
    _pause_if_asked(name)
    return now


def moved(journal: Journal, folder: Path) -> Journal:
    """The journal after the folder holding it was renamed to ``folder``."""
    where = journal_path(folder)
    return Journal(
        where, journal.prefix, journal.verb, journal.phase, journal.snapshot, journal.command
    )


def finish(journal: Journal) -> None:
    if journal.verb == "create":
        created_path(journal.prefix).unlink(missing_ok=True)
    remove_kept(journal.path)


def _mark_created(prefix: Path) -> None:
    marker = created_path(prefix)
    marker.parent.mkdir(parents=True, exist_ok=True)
    st = os.stat(prefix)
    data = {"prefix": os.path.realpath(prefix), "dev": st.st_dev, "ino": st.st_ino}
    write_atomic(marker, json.dumps(data, sort_keys=True) + "\n", fsync=True)


def remove_kept(path: Path) -> None:
    """Remove a file condapip keeps in a prefix (a journal, a snapshot), and its
    folder when that holds nothing else."""
    path.unlink(missing_ok=True)
    try:
        path.parent.rmdir()  # fails, as meant, while the folder holds anything else
    except OSError:
        pass


def _write(journal: Journal) -> None:
    data = {
        "prefix": str(journal.prefix),
        "verb": journal.verb,
        "phase": journal.phase,
        "snapshot": journal.snapshot,
        "command": journal.command,
        "pid": os.getpid(),
    }
    journal.path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(journal.path, json.dumps(data, indent=1, sort_keys=True) + "\n", fsync=True)


def _pause_if_asked(name: str) -> None:
    if os.environ.get(PAUSE_AT_ENV) != name or not os.environ.get(PAUSE_FIFO_ENV):
        return
    import threading

    # Opening a fifo for writing blocks until the test opens it to read: no timing.
    with open(os.environ[PAUSE_FIFO_ENV], "w") as fifo:
        fifo.write(f"{name}\n")
    threading.Event().wait()  # until the test kills this process
