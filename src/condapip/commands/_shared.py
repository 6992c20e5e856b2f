"""Helpers more than one verb needs; a verb never imports another verb."""

from __future__ import annotations

from pathlib import Path

from condapip.change import transaction
from condapip.errors import Refused
from condapip.ledger.prefix import Prefix


def refuse_base(prefix: Prefix) -> None:
    from condapip.ledger.locate import is_base

    if is_base(prefix.path, prefix.records):
        raise Refused(
            f"{prefix.path} is conda's base environment: condapip never changes base "
            "(polluting it can break conda itself); create an environment for this work"
        )


def refuse_interrupted(prefix: Path) -> None:
    """An unfinished journal or snapshot: the prefix is half-changed, change nothing more."""
    from condapip.ledger import journal

    log = journal.pending(prefix)
    snap = transaction.interrupted(prefix)
    if log is not None:
        what = log.command
    elif snap is not None:
        what = snap.command
    else:
        return
    fix = "rebuild" if log is not None and log.verb == "rebuild" else "rollback"
    raise Refused(
        f"an earlier change ({what}) to {prefix} was interrupted: "
        f"run condapip {fix} -p {prefix} (or condapip rebuild -p {prefix}) first"
    )


def refuse_existing(path: Path) -> None:
    refuse_interrupted(path)  # a rebuild's old copy set aside, for one
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise Refused(f"{path} already exists and is not empty: pick a new prefix, or rebuild it")


def command_line(argv: list[str] | None) -> str:
    """The command as the user typed it, for snapshots and journals."""
    import shlex
    import sys

    return shlex.join(["condapip", *(argv if argv is not None else sys.argv[1:])])
