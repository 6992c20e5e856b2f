"""sha256 of many files at once, for ``doctor --verify``.

hashlib releases the GIL while it hashes, so threads hash files in parallel.
Each file is read once, in large chunks into one reused buffer.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

_CHUNK = 1 << 20

P = TypeVar("P", str, "os.PathLike[str]")


def sha256_files(paths: Sequence[P]) -> dict[P, str | None]:
    """Hex sha256 of each file; None for a file that cannot be read."""
    if not paths:
        return {}
    workers = min(len(paths), os.cpu_count() or 1)
    if workers == 1:
        return _hash_batch(paths)
    # One task per worker, not per file: many conda files are tiny, and a task
    # per file would cost more in scheduling than in hashing.
    batches = [paths[i::workers] for i in range(workers)]
    out: dict[P, str | None] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(_hash_batch, batches):
            out.update(part)
    return out


def _hash_batch(paths: Sequence[P]) -> dict[P, str | None]:
    buf = bytearray(_CHUNK)
    view = memoryview(buf)
    return {path: _sha256(path, buf, view) for path in paths}


def _sha256(path: str | os.PathLike[str], buf: bytearray, view: memoryview) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb", buffering=0) as fh:
            while n := fh.readinto(buf):
                digest.update(view[:n])
    except OSError:
        return None
    return digest.hexdigest()
