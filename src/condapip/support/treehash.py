"""One digest for a whole folder: proof that a refused change changed nothing."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def tree_hash(root: Path) -> str:
    """sha256 over every path, file content, link target and mode below ``root``.

    Bytecode is left out: Python writes ``__pycache__`` wherever it imports (a
    refused pip run imports pip), and no change of the environment's makes it.
    """
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        linked_dirs = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        for name in sorted([*filenames, *linked_dirs]):
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            h.update(rel.encode() + b"\0")
            if path.is_symlink():
                h.update(b"L" + os.readlink(path).encode())
            else:
                st = path.stat()
                h.update(f"F{st.st_mode:o}".encode())
                h.update(hashlib.sha256(path.read_bytes()).digest())
        h.update(b"D" + Path(dirpath).relative_to(root).as_posix().encode())
    return h.hexdigest()
