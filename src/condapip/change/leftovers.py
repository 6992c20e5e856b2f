"""Clearing what an interrupted pip left, before a prefix is put back as a snapshot saw it.

pip renames the version it replaces to ``~name`` stashes and removes them only
when the new version is in; it writes a dist-info's INSTALLER and its own
RECORD last. A ``kill -9`` in between leaves stashes, a half-written dist-info
(whose wheel RECORD lists the files already extracted) and package folders no
dist owns yet. pip itself would take a half-written dist-info for installed,
so these go before a restore installs the snapshot's versions again.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from condapip.ledger.prefix import Prefix


def clear(prefix: Prefix, *, keep: Iterable[str] | None) -> None:
    """Remove pip's leftovers; unowned folders only when ``keep`` (the unowned
    folders that were there before the change) says they are new."""
    sp = prefix.site_packages
    if sp is None:
        return
    unowned = set(prefix.unowned)
    for left in prefix.half_written:
        if left.path.parent != sp:
            continue  # never anything outside site-packages
        if left.path.name in unowned:
            if keep is None or left.path.name in set(keep):
                continue  # it may be the user's own folder: only pip's new ones go
        elif left.path.name.lower().endswith(".dist-info"):
            _remove_recorded(sp, left.path)
        _remove(left.path)


def _remove_recorded(sp: Path, dist_info: Path) -> None:
    """The files a half-written dist-info's (wheel) RECORD lists, inside site-packages."""
    try:
        text = (dist_info / "RECORD").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    root, info = os.path.realpath(sp), os.path.realpath(dist_info)
    folders: set[str] = set()
    for line in text.splitlines():
        rel = line.split(",", 1)[0].strip()
        path = os.path.realpath(os.path.join(root, rel)) if rel else root
        if not path.startswith(root + os.sep) or path.startswith(info + os.sep):
            continue
        try:
            os.unlink(path)
        except OSError:
            continue
        folders.add(os.path.dirname(path))
    # deepest first: a package folder goes once its files did
    for folder in sorted(folders, key=len, reverse=True):
        while folder.startswith(root + os.sep):
            shutil.rmtree(os.path.join(folder, "__pycache__"), ignore_errors=True)
            try:
                os.rmdir(folder)
            except OSError:
                break
            folder = os.path.dirname(folder)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
