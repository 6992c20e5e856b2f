"""sha256 of many files at once, for ``doctor --verify``.

hashlib releases the GIL only while it hashes a buffer, so threads pay off
for large files (shared libraries, model weights) and lose on small ones: a
few-kilobyte ``.py`` file costs more in Python-level open/read/hexdigest, all
under the GIL, than in hashing. Measured on the benchmark's prefixes (2-core
machine), a thread pool over 24,000 small files took ~300 ms against ~250 ms
in one thread. So small files are hashed in the calling thread while the
large ones, if any, go to a pool at the same time. Each file is read once, in
large chunks into one reused buffer.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from typing import TypeVar

_CHUNK = 1 << 20
_LARGE = 1 << 20  # bytes: from here on a file is worth a thread

P = TypeVar("P", str, "os.PathLike[str]")


def sha256_files(paths: Sequence[P], sizes: Sequence[int] | None = None) -> dict[P, str | None]:
    """Hex sha256 of each file; None for a file that cannot be read.

    ``sizes`` (from a stat the caller made anyway) sorts large files from
    small; without it every file counts as small.
    """
    if not paths:
        return {}
    large = [p for p, s in zip(paths, sizes, strict=True) if s >= _LARGE] if sizes else []
    workers = min(len(large), os.cpu_count() or 1)
    if workers <= 1:
        return _hash_batch(paths)
    from concurrent.futures import ThreadPoolExecutor

    big = set(large)
    small = [p for p in paths if p not in big]
    # One task per worker, not per file: fewer hand-offs between threads.
    batches = [large[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_hash_batch, batch) for batch in batches]
        out = _hash_batch(small)
        for future in futures:
            out.update(future.result())
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
