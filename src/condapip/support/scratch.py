"""Temporary folders of a change, under the prefix's own ``conda-meta/condapip/tmp``.

Not in /tmp: a ``kill -9`` leaves nothing behind there that no one cleans.
Under the prefix, the next condapip that changes it sweeps what is left
(``sweep``), and ``rebuild`` takes it away with the old prefix.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCRATCH = ("conda-meta", "condapip", "tmp")


def scratch_root(prefix: Path) -> Path:
    return prefix.joinpath(*SCRATCH)


@contextmanager
def scratch(prefix: Path, tag: str) -> Iterator[Path]:
    """A fresh folder for this change's temporary files, removed when it ends."""
    root = scratch_root(prefix)
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{tag}-", dir=root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        _drop_empty(root)


def sweep(prefix: Path) -> None:
    """Remove what a killed condapip left; only call with the prefix's lock held."""
    root = scratch_root(prefix)
    if root.is_dir():
        shutil.rmtree(root, ignore_errors=True)


def _drop_empty(root: Path) -> None:
    # conda-meta/condapip/tmp and conda-meta/condapip, if nothing else lives there,
    # so that a prefix without condapip's records looks as before.
    for folder in (root, root.parent):
        try:
            folder.rmdir()
        except OSError:
            return
