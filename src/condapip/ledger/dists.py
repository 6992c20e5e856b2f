"""pip's ledger of a prefix: every distribution in site-packages, as conda's reader sees it.

dist-info and egg-info folders, single-file egg-info, ``.egg`` folders and
zipped eggs, and ``.egg-link`` files pointing at a project's egg-info. Only
METADATA headers are read: the long description can be megabytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orjson import loads as _json_loads
from packaging.utils import canonicalize_name

from condapip.errors import CondapipError
from condapip.ledger.records import CondaRecord

if TYPE_CHECKING:
    from email.message import Message
    from importlib.metadata import PathDistribution


# what conda's reader anchors on (prefix_data_loaders/pypi), and zipped eggs
_DIST_SUFFIXES = (".dist-info", ".egg-info", ".egg", ".egg-link")


@dataclass(frozen=True)
class Dist:
    """One distribution found in site-packages: ``path`` is its entry there."""

    name: str
    key: str  # the PEP 503 normalized name
    version: str
    installer: str | None
    path: Path
    requires: tuple[str, ...]
    direct_url: dict[str, Any] | None
    requested: bool  # PEP 376 REQUESTED marker: pip wrote it for a top-level request

    @property
    def source(self) -> str:
        """Where pip took it from: ``pypi``, a VCS URL with commit, or a local path."""
        du = self.direct_url
        if not du:
            return "pypi"
        url = du.get("url", "")
        vcs = du.get("vcs_info")
        if vcs:
            return f"{vcs.get('vcs', 'git')}+{url}@{vcs.get('commit_id', '')}"
        return str(url)


def find_site_packages(prefix: Path, python_record: CondaRecord | None) -> Path | None:
    if python_record is not None:
        sp = python_record.raw.get("python_site_packages_path")
        if sp:
            return prefix / str(sp)
        major_minor = ".".join(python_record.version.split(".")[:2])
        for candidate in (
            prefix / "lib" / f"python{major_minor}" / "site-packages",
            prefix / "lib" / f"python{major_minor}t" / "site-packages",
            prefix / "Lib" / "site-packages",
        ):
            if candidate.is_dir():
                return candidate
    candidates = sorted((prefix / "lib").glob("python3*/site-packages"))
    if candidates:
        return candidates[-1]
    win = prefix / "Lib" / "site-packages"
    return win if win.is_dir() else None


def read_dists(site_packages: Path) -> Iterator[Dist]:
    """Every distribution directly in ``site_packages``, in name order.

    Discovery is what ``importlib.metadata.distributions(path=[sp])`` does for
    one folder, plus the ``.egg-link`` files conda's reader follows, without
    its per-file pathlib cost; METADATA goes through the same email parser.
    """
    sp = str(site_packages)
    with os.scandir(sp) as it:
        names = sorted(e.name for e in it if e.name.lower().endswith(_DIST_SUFFIXES))
    for name in names:
        path = os.path.join(sp, name)
        lower = name.lower()
        if lower.endswith(".dist-info"):
            yield _read_dist_info(path)
        elif lower.endswith(".egg-info"):
            yield _read_egg_info(path, Path(path))
        elif lower.endswith(".egg"):
            yield _read_egg(path)
        else:
            dist = _read_egg_link(path)
            if dist is not None:
                yield dist


def _read_dist_info(path: str) -> Dist:
    text = _read_text(os.path.join(path, "METADATA"))
    if text is None:
        raise CondapipError(f"unreadable dist-info (no METADATA): {path}")
    headers = _metadata_headers(text)
    return _dist(
        path,
        headers,
        tuple(headers.get_all("requires-dist") or ()),
        _read_text(os.path.join(path, "INSTALLER")),
        _read_text(os.path.join(path, "direct_url.json")),
    )


def _read_egg_info(path: str, info: Any) -> Dist:
    """The dist whose site-packages entry is ``path`` and whose egg-info is ``info``.

    Eggs are rare and irregular (a file, a folder, a zip member; requires.txt
    sections): importlib.metadata knows all their forms.
    """
    from importlib.metadata import PathDistribution

    dist = PathDistribution(info)
    text = dist.read_text("PKG-INFO")
    if text is None and os.path.isfile(info):
        text = _read_text(str(info))
    if text is None:
        raise CondapipError(f"unreadable egg-info (no PKG-INFO): {path}")
    headers = _metadata_headers(text)
    requires = tuple(headers.get_all("requires-dist") or ()) or _egg_requires(dist)
    return _dist(path, headers, requires, dist.read_text("INSTALLER"), None)


def _read_egg(path: str) -> Dist:
    """An ``X.egg`` folder, or a zipped egg: the metadata is in ``EGG-INFO/``."""
    if os.path.isdir(path):
        return _read_egg_info(path, Path(path) / "EGG-INFO")
    import zipfile

    try:
        return _read_egg_info(path, zipfile.Path(path, "EGG-INFO/"))
    except (OSError, zipfile.BadZipFile, KeyError):
        raise CondapipError(f"unreadable zipped egg: {path}") from None


def _read_egg_link(path: str) -> Dist | None:
    """``setup.py develop``'s link: its first line is the project folder with the egg-info."""
    text = _read_text(path)
    target = Path(text.splitlines()[0].strip()) if text and text.strip() else None
    if target is None or not target.is_absolute():
        target = Path(os.path.dirname(path)) / (target or "")
    infos = sorted(target.glob("*.egg-info")) if target.is_dir() else []
    if len(infos) != 1:
        return None  # as conda's reader: a dangling link names no distribution
    return _read_egg_info(path, infos[0])


def _read_text(path: str) -> str | None:
    # Bytes then decode: a text-mode file object costs more to set up than
    # the read itself, three files per dist-info. Line ends stay as written;
    # the header parser takes all three kinds.
    try:
        with open(path, "rb") as fh:
            return fh.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _dist(
    path: str,
    headers: Message,
    requires: tuple[str, ...],
    installer: str | None,
    raw_direct_url: str | None,
) -> Dist:
    name = headers.get("name")
    version = headers.get("version")
    if not name or not version:
        raise CondapipError(f"unreadable dist-info (no Name/Version in METADATA): {path}")
    direct_url = None
    if raw_direct_url:
        try:
            direct_url = _json_loads(raw_direct_url)
        except ValueError:
            raise CondapipError(f"corrupt direct_url.json in {path}") from None
    return Dist(
        name=name,
        key=canonicalize_name(name),
        version=version,
        installer=installer.strip() if installer else None,
        path=Path(path),
        requires=requires,
        direct_url=direct_url,
        requested=os.path.exists(os.path.join(path, "REQUESTED")),
    )


def _metadata_headers(text: str) -> Message:
    # The long description after the first blank line can be megabytes;
    # the headers are all any rule needs. HeaderParser is what importlib.metadata uses.
    from email.parser import HeaderParser

    head = text.partition("\n\n")[0]
    return HeaderParser().parsestr(head)


def _egg_requires(dist: PathDistribution) -> tuple[str, ...]:
    # requires.txt sections ("[extra]" or "[:marker]") become PEP 508 markers,
    # which importlib.metadata already knows how to do.
    return tuple(dist.requires or ())
