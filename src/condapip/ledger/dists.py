"""pip's ledger of a prefix: every distribution in site-packages, as conda's reader sees it.

dist-info and egg-info folders, single-file egg-info, ``.egg`` folders and
zipped eggs, and ``.egg-link`` files pointing at a project's egg-info. Only
METADATA headers are read: the long description can be megabytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
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
    # pip writes INSTALLER, then its own RECORD, after every file: a dist-info with
    # neither is one whose install was cut short (see ``_half_written``)
    half_written: bool = False

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


@dataclass(frozen=True)
class Leftover:
    """Something an interrupted pip left in site-packages, never a distribution."""

    path: Path
    why: str  # what makes it a leftover, for the doctor's message


@dataclass(frozen=True)
class Scan:
    """One pass over site-packages: its dists, pip's leftovers, its package folders."""

    dists: tuple[Dist, ...]
    leftovers: tuple[Leftover, ...]
    stashed: tuple[Dist, ...]  # what pip's ``~`` stashes hold: the version being replaced
    folders: tuple[str, ...]  # top-level folders named like an import package


def scan(site_packages: Path) -> Scan:
    """Every distribution directly in ``site_packages``, in name order, and what a
    pip cut short left there: its ``~`` stashes (pip renames the version it
    replaces to ``~umpy``-style names until the new one is in) and dist-infos
    it had not finished writing.

    Discovery is what ``importlib.metadata.distributions(path=[sp])`` does for
    one folder, plus the ``.egg-link`` files conda's reader follows, without
    its per-file pathlib cost; METADATA goes through the same email parser.
    """
    sp = str(site_packages)
    with os.scandir(sp) as it:
        entries = sorted((e.name, e.is_dir()) for e in it)
    dists: list[Dist] = []
    leftovers: list[Leftover] = []
    stashed: list[Dist] = []
    folders: list[str] = []
    for name, is_dir in entries:
        path = os.path.join(sp, name)
        if name.startswith("~"):
            leftovers.append(Leftover(Path(path), "a stash pip had not removed"))
            if is_dir and name.lower().endswith(".dist-info"):
                stashed.extend(_readable(path, []))
        elif name.lower().endswith(_DIST_SUFFIXES):
            dists.extend(_readable(path, leftovers))
        elif is_dir and name.isidentifier():
            folders.append(name)
    return Scan(tuple(dists), tuple(leftovers), tuple(stashed), tuple(folders))


def _readable(path: str, leftovers: list[Leftover]) -> list[Dist]:
    """The dist at ``path``; a dist-info pip was killed while writing is a leftover."""
    lower = path.lower()
    if lower.endswith(".dist-info"):
        try:
            return [_read_dist_info(path)]
        except _Unreadable as exc:
            leftovers.append(Leftover(Path(path), str(exc)))
            return []
    if lower.endswith(".egg-info"):
        return [_read_egg_info(path, Path(path))]
    if lower.endswith(".egg"):
        return [_read_egg(path)]
    dist = _read_egg_link(path)
    return [dist] if dist is not None else []


class _Unreadable(Exception):
    """A dist-info without the headers every installer writes first."""


def _read_dist_info(path: str) -> Dist:
    text = _read_text(os.path.join(path, "METADATA"))
    if text is None:
        raise _Unreadable("a dist-info without METADATA")
    headers = _metadata_headers(text)
    if not headers.get("name") or not headers.get("version"):
        raise _Unreadable("a dist-info whose METADATA has no Name or Version")
    installer = _read_text(os.path.join(path, "INSTALLER"))
    dist = _dist(
        path,
        headers,
        tuple(headers.get_all("requires-dist") or ()),
        installer,
        _read_text(os.path.join(path, "direct_url.json")),
    )
    return replace(dist, half_written=True) if installer is None and _half_written(path) else dist


def _half_written(path: str) -> bool:
    # pip lists INSTALLER in the RECORD it writes last; the wheel's own RECORD
    # (extracted with the files) never does. A dist-info stripped of INSTALLER
    # after a finished install still has pip's RECORD, and is only "unknown".
    record = _read_text(os.path.join(path, "RECORD"))
    return record is None or "/INSTALLER," not in record


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
