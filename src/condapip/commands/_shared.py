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
    snap = transaction.interrupted(prefix)
    if snap is not None:
        raise Refused(
            f"an earlier change ({snap.command}) to {prefix} was interrupted: "
            f"run condapip rollback -p {prefix} or condapip rebuild -p {prefix} first"
        )


def refuse_existing(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise Refused(f"{path} already exists and is not empty: pick a new prefix, or rebuild it")


def write_atomic(path: Path, text: str) -> None:
    """Write beside the target, then rename: a reader never sees half a file."""
    import os
    import tempfile

    path = path.absolute()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
