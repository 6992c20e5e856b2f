"""condapip's journal of a change in progress: ``conda-meta/condapip/journal.json``.

Written before every phase of ``install``, ``create``, ``rebuild`` and
``rollback`` and removed when the change is done, so a journal that is still
there means a condapip died midway. ``rebuild`` keeps its journal in the old
prefix it set aside (``PREFIX.condapip-old``), which is the truth until the
new one passed its check. This module only reads; change/journal.py writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

JOURNAL = ("conda-meta", "condapip", "journal.json")
OLD_SUFFIX = ".condapip-old"


@dataclass(frozen=True)
class Journal:
    path: Path  # where it was found
    prefix: Path  # the prefix the change is about
    verb: str
    phase: str
    snapshot: str | None  # the snapshot file taken before the change, if any
    command: str


def journal_path(prefix: Path) -> Path:
    return prefix.joinpath(*JOURNAL)


def old_path(prefix: Path) -> Path:
    """Where ``rebuild`` sets the old prefix aside while it builds the new one."""
    return prefix.with_name(prefix.name + OLD_SUFFIX)


def read(path: Path) -> Journal | None:
    """The journal at ``path``; an unreadable one still says a change was cut short."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        text = ""
    try:
        data = json.loads(text)
        return Journal(
            path=path,
            prefix=Path(str(data["prefix"])),
            verb=str(data["verb"]),
            phase=str(data["phase"]),
            snapshot=str(data["snapshot"]) if data.get("snapshot") else None,
            command=str(data.get("command") or data["verb"]),
        )
    except (ValueError, KeyError, TypeError):
        prefix = path.parents[2]
        return Journal(path, prefix, "unknown", "unknown", None, "an unknown change")


def pending(prefix: Path) -> Journal | None:
    """The unfinished change of ``prefix``: its own journal, else a set-aside rebuild's."""
    own = read(journal_path(prefix))
    if own is not None:
        return own
    aside = read(journal_path(old_path(prefix)))
    if aside is not None and aside.verb == "rebuild":
        return aside
    return None
