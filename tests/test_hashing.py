"""doctor --verify's hashing: the same digests whether a file goes to a thread or not."""

from __future__ import annotations

import hashlib

from condapip.support.hashing import sha256_files


def test_small_and_large_files_hash_as_hashlib_does(tmp_path):
    sizes = [0, 10, 4096, (1 << 20) + 7, 3 << 20, 5]
    paths = []
    for i, size in enumerate(sizes):
        path = tmp_path / f"f{i}"
        path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
        paths.append(str(path))
    expected = {p: hashlib.sha256(open(p, "rb").read()).hexdigest() for p in paths}
    assert sha256_files(paths, sizes) == expected
    assert sha256_files(paths) == expected


def test_unreadable_file_hashes_to_none(tmp_path):
    missing = str(tmp_path / "gone")
    big = tmp_path / "big"
    big.write_bytes(b"\0" * (2 << 20))
    other = tmp_path / "big2"
    other.write_bytes(b"\1" * (2 << 20))
    out = sha256_files([missing, str(big), str(other)], [2 << 20, 2 << 20, 2 << 20])
    assert out[missing] is None
    assert out[str(big)] == hashlib.sha256(b"\0" * (2 << 20)).hexdigest()
