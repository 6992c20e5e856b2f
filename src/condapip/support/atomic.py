"""The one way condapip writes a file: atomically, with the mode a user expects.

A temporary file with a unique name in the target's folder, then one rename:
a reader (or a ``kill -9``) sees the old file or the new one, never half.
mkstemp makes files 0600 whatever the umask; the result gets the existing
file's mode, or the umask's default for a new file, as ``open(..., "w")`` would.
With ``fsync`` (journals, snapshots, markers: what recovery trusts after a power
cut), the data reaches the disk before the rename, and the rename before return.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: Path | str, data: str | bytes, *, fsync: bool = False) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8, ``\\n`` line ends)."""
    target = Path(path).absolute()
    mode = _mode_for(target)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if fsync:
        _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    # The rename lives in the folder's entry table: without this, a power cut can
    # bring back the old file (or none) after write_atomic returned.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # a platform that cannot open folders (Windows) orders renames itself
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on a folder; the file itself is on disk
    finally:
        os.close(fd)


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return new_file_mode()


def new_file_mode() -> int:
    """The mode ``open(..., "w")`` gives a new file: 0666 less the umask, as conda's."""
    umask = os.umask(0)
    os.umask(umask)  # reading the umask means setting it: set it straight back
    return 0o666 & ~umask
