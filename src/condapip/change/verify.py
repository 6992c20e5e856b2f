"""Every conda artifact is hashed before it is linked, against the hash it must have.

The expected hash is the lock's or the explicit file's when it names one, else
the repodata's. rattler does not hash ``file://`` packages at all, and a
channel's repodata can be left alone while its file is swapped: so condapip
reads every artifact itself, and links nothing if one differs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from condapip.change.engines.base import SolvedPackage
from condapip.errors import Refused
from condapip.support.scratch import scratch

_CHUNK = 1 << 20


def verify(prefix: Path, packages: Sequence[SolvedPackage]) -> None:
    """Raise ``Refused`` (nothing linked yet) unless every artifact has its hash."""
    if not packages:
        return
    unhashed = [p.url for p in packages if not (p.sha256 or p.md5)]
    if unhashed:
        raise Refused(f"no sha256 or md5 to verify {unhashed[0]} against: not installed")
    remote = [p for p in packages if urlsplit(p.url).scheme != "file"]
    for pkg in packages:
        if pkg not in remote:
            check(pkg, local_path(pkg.url))
    if remote:
        with scratch(prefix, "verify") as folder:
            for pkg in remote:
                check(pkg, _download(pkg.url, folder))


def check(pkg: SolvedPackage, path: Path) -> None:
    sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                sha256.update(chunk)
                md5.update(chunk)
    except OSError as exc:
        raise Refused(f"cannot read {pkg.url} to verify it: {exc.strerror}") from None
    for kind, expected, actual in (
        ("sha256", pkg.sha256, sha256.hexdigest()),
        ("md5", pkg.md5, md5.hexdigest()),
    ):
        if expected and expected.lower() != actual:
            raise Refused(
                f"{kind} mismatch for {pkg.url}: expected {expected}, got {actual}; "
                "nothing was linked"
            )


def local_path(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


def _download(url: str, folder: Path) -> Path:
    import asyncio

    from rattler import Client
    from rattler.package_streaming import download_to_path

    dest = folder / url.rsplit("/", 1)[-1]
    try:
        asyncio.run(download_to_path(Client(), url, dest))
    except Exception as exc:  # rattler raises its own types for fetch errors
        raise Refused(f"cannot download {url} to verify it: {str(exc)[:300]}") from None
    return dest
