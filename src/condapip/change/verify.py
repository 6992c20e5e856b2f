"""Every conda artifact is copied into condapip's scratch, hashed and checked; the copy links.

The expected hash is the lock's or the explicit file's when it names one, else
the repodata's. rattler does not hash ``file://`` packages at all, and a
channel's repodata can be left alone while its file is swapped: so condapip
copies (or downloads) every artifact into the prefix's scratch folder, hashes
that copy as it writes it, checks every path it names (change/contain.py), and
the engine links from the copy. A file swapped in the channel after the check
is never read again; nothing links if one artifact differs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from condapip.change import contain
from condapip.change.engines.base import SolvedPackage
from condapip.errors import Refused
from condapip.support.scratch import scratch

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Verified:
    """An artifact's copy in the scratch folder, with its hash checked, and what it holds."""

    path: Path
    contents: contain.Contents
    md5: str  # the copy's, for an engine that is told what to expect

    @property
    def url(self) -> str:
        return self.path.as_uri()


@contextmanager
def verified(prefix: Path, packages: Sequence[SolvedPackage]) -> Iterator[dict[str, Verified]]:
    """url -> its verified copy, for every package; raises before anything is linked.

    ``Refused`` (exit 1) for a hash that differs, ``contain.Escape`` (exit 2) for
    a path outside the prefix. The copies live until the context ends: link in it.
    """
    if not packages:
        yield {}
        return
    unhashed = [p.url for p in packages if not (p.sha256 or p.md5)]
    if unhashed:
        raise Refused(f"no sha256 or md5 to verify {unhashed[0]} against: not installed")
    made = not prefix.exists()
    try:
        with scratch(prefix, "verify") as folder:
            out = {}
            for pkg in packages:
                copy = folder / pkg.url.rsplit("/", 1)[-1]
                md5 = _fetch(pkg, copy)
                contents = contain.read_contents(copy, copy.name)
                contain.check(prefix, copy.name, contents)
                out[pkg.url] = Verified(copy, contents, md5)
            yield out
    except BaseException:
        if made:
            _unmake(prefix)
        raise


def _fetch(pkg: SolvedPackage, copy: Path) -> str:
    """``pkg``'s artifact written to ``copy`` and hashed as written: the bytes checked
    are the bytes kept. Returns their md5."""
    if urlsplit(pkg.url).scheme == "file":
        try:
            with local_path(pkg.url).open("rb") as src, copy.open("wb") as dst:
                digests = _hashing(src, dst)
        except OSError as exc:
            raise Refused(f"cannot read {pkg.url} to verify it: {exc.strerror}") from None
    else:
        _download(pkg.url, copy)
        with copy.open("rb") as src:
            digests = _hashing(src, None)
    _compare(pkg, *digests)
    return digests[1]


def _hashing(src: BinaryIO, dst: BinaryIO | None) -> tuple[str, str]:
    sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    while chunk := src.read(_CHUNK):
        sha256.update(chunk)
        md5.update(chunk)
        if dst is not None:
            dst.write(chunk)
    return sha256.hexdigest(), md5.hexdigest()


def _compare(pkg: SolvedPackage, sha256: str, md5: str) -> None:
    for kind, expected, actual in (("sha256", pkg.sha256, sha256), ("md5", pkg.md5, md5)):
        if expected and expected.lower() != actual:
            raise Refused(
                f"{kind} mismatch for {pkg.url}: expected {expected}, got {actual}; "
                "nothing was linked"
            )


def local_path(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


def _download(url: str, dest: Path) -> None:
    import asyncio

    from rattler import Client
    from rattler.package_streaming import download_to_path

    try:
        asyncio.run(download_to_path(Client(), url, dest))
    except Exception as exc:  # rattler raises its own types for fetch errors
        raise Refused(f"cannot download {url} to verify it: {str(exc)[:300]}") from None


def _unmake(prefix: Path) -> None:
    """A refused change leaves no trace of a prefix that did not exist before it."""
    for folder in (prefix / "conda-meta", prefix):
        try:
            folder.rmdir()
        except OSError:
            return
