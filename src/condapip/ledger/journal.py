"""condapip's journal of a change in progress: ``conda-meta/condapip/journal.json``.

Written before every phase of ``install``, ``create``, ``rebuild`` and
``rollback`` and removed when the change is done, so a journal that is still
there means a condapip died midway. ``rebuild`` keeps its journal in the old
prefix it set aside (``PREFIX.condapip-old``), which is the truth until the
new one passed its check. This module only reads; change/journal.py writes.

A journal is acted on only when it is condapip's, for this prefix: it names
this prefix's real path, its snapshot (if any) lies in this prefix's
``conda-meta/condapip``, and a ``create`` journal sits beside the marker
``create`` wrote first, which names the prefix folder's device and inode (a
file a wheel dropped, or a prefix copied or moved, cannot match them). Any
other journal is ``foreign``: reported, never followed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

JOURNAL = ("conda-meta", "condapip", "journal.json")
CREATED = ("conda-meta", "condapip", "created.json")
OLD_SUFFIX = ".condapip-old"
VERBS = frozenset({"install", "create", "rebuild", "rollback"})


@dataclass(frozen=True)
class Journal:
    path: Path  # where it was found
    prefix: Path  # the prefix the change is about
    verb: str
    phase: str
    snapshot: str | None  # the snapshot file taken before the change, if any
    command: str


@dataclass(frozen=True)
class Foreign:
    """A journal file condapip will not follow, and why."""

    path: Path
    why: str


def journal_path(prefix: Path) -> Path:
    return prefix.joinpath(*JOURNAL)


def created_path(prefix: Path) -> Path:
    return prefix.joinpath(*CREATED)


def old_path(prefix: Path) -> Path:
    """Where ``rebuild`` sets the old prefix aside while it builds the new one."""
    return prefix.with_name(prefix.name + OLD_SUFFIX)


def read(path: Path) -> Journal | Foreign | None:
    """The journal at ``path`` as written, or why it is not one; None when there is none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        return Foreign(path, f"unreadable ({exc})")
    try:
        data = json.loads(text)
    except ValueError:
        return Foreign(path, "not JSON")
    fields = ("prefix", "verb", "phase", "command")
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in fields):
        return Foreign(path, "not a condapip journal (fields missing)")
    snapshot = data.get("snapshot")
    if snapshot is not None and not isinstance(snapshot, str):
        return Foreign(path, "not a condapip journal (snapshot is not a path)")
    if data["verb"] not in VERBS:
        return Foreign(path, f"not a condapip journal (verb {data['verb']!r})")
    return Journal(
        path=path,
        prefix=Path(data["prefix"]),
        verb=data["verb"],
        phase=data["phase"],
        snapshot=snapshot or None,
        command=data["command"],
    )


def distrust(prefix: Path, journal: Journal) -> str | None:
    """Why ``journal`` is not condapip's journal of ``prefix``; None when it is."""
    real = os.path.realpath(prefix)
    if not journal.prefix.is_absolute() or os.path.realpath(journal.prefix) != real:
        return f"it names another prefix ({journal.prefix})"
    if journal.snapshot is not None:
        snap = Path(journal.snapshot)
        home = os.path.join(real, *JOURNAL[:-1])
        inside = snap.is_absolute() and os.path.realpath(snap.parent) == home
        if not inside or not (snap.name.startswith("snapshot-") and snap.suffix == ".json"):
            return f"its snapshot {snap} is not one of {prefix}'s"
    if journal.verb == "create" and not created_here(prefix):
        return "no marker says condapip's create started this prefix"
    return None


def created_here(prefix: Path) -> bool:
    """The marker ``create`` writes before anything else names this very folder."""
    try:
        data = json.loads(created_path(prefix).read_text(encoding="utf-8"))
        st = os.stat(prefix)
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and (
        data.get("prefix") == os.path.realpath(prefix)
        and data.get("dev") == st.st_dev
        and data.get("ino") == st.st_ino
    )


def _found(prefix: Path) -> list[Journal | Foreign]:
    """The prefix's own journal, then a set-aside rebuild's."""
    out = []
    own = read(journal_path(prefix))
    if own is not None:
        out.append(own)
    aside = read(journal_path(old_path(prefix)))
    if isinstance(aside, Journal) and aside.verb != "rebuild":
        aside = Foreign(aside.path, "only a rebuild keeps its journal in the old copy")
    if aside is not None:
        out.append(aside)
    return out


def set_aside(prefix: Path) -> Journal | None:
    """The journal of a rebuild of ``prefix`` kept in its old copy, if condapip's."""
    found = read(journal_path(old_path(prefix)))
    if isinstance(found, Journal) and found.verb == "rebuild" and not distrust(prefix, found):
        return found
    return None


def pending(prefix: Path) -> Journal | None:
    """The unfinished change of ``prefix``: a journal condapip wrote for it, else None."""
    for found in _found(prefix):
        if isinstance(found, Journal) and distrust(prefix, found) is None:
            return found
    return None


def foreign(prefix: Path) -> list[Foreign]:
    """Every journal file at ``prefix``'s journal places that condapip will not follow."""
    out = []
    for found in _found(prefix):
        if isinstance(found, Journal):
            why = distrust(prefix, found)
            if why is None:
                continue
            found = Foreign(found.path, why)
        out.append(found)
    return out


# --- snapshots, as far as a reader needs them (change/transaction.py writes and reads them whole)

SNAPSHOT_KEYS = {
    "taken": str,
    "command": str,
    "complete": bool,
    "history": str,
    "conda": list,
    "conda_specs": list,
    "pip": list,
    "pip_requests": dict,
}


@dataclass(frozen=True)
class SnapshotFile:
    path: Path
    complete: bool
    corrupt: str | None  # why it cannot be read (a crash truncated it, or an edit)


def snapshot_files(prefix: Path) -> list[SnapshotFile]:
    """Every snapshot file of ``prefix``, oldest first."""
    folder = prefix.joinpath(*JOURNAL[:-1])
    if not folder.is_dir():
        return []
    return [_snapshot_file(p) for p in sorted(folder.glob("snapshot-*.json"))]


def _snapshot_file(path: Path) -> SnapshotFile:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return SnapshotFile(path, False, f"not readable JSON: {exc}")
    if not isinstance(data, dict):
        return SnapshotFile(path, False, "not a JSON object")
    for key, kind in SNAPSHOT_KEYS.items():
        if not isinstance(data.get(key), kind):
            return SnapshotFile(path, False, f"{key!r} missing or not a {kind.__name__}")
    return SnapshotFile(path, bool(data["complete"]), None)
