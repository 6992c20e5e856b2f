"""Every path a conda package names stays inside the prefix: checked before anything links.

rattler links whatever ``info/paths.json`` says (``../`` and absolute paths
included; an absolute one panics it), and conda trusts it as much. So the
package's own ``info/`` is read from the verified archive (only its info
member, for a ``.conda``) and every path it names must be relative,
normalised and inside the prefix: ``paths.json``, ``files``, ``has_prefix``,
``no_link``, ``no_softlink`` and ``link.json``'s entry points. A package that
declares softlinks has their targets read from its payload: each must resolve
inside the prefix, through the package's other links too, and no path may
pass through one. conda-build refuses such links when it builds a package, so
an honest package never has one.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shlex
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from condapip.errors import CondapipError

# The info/ files that name paths in the prefix (one a line), and those rattler
# or conda read from an extracted package to decide what to link.
_LISTS = ("info/files", "info/no_link", "info/no_softlink")
_READ_AT_LINK = ("info/paths.json", "info/files", "info/has_prefix", "info/link.json",
                 "info/no_link", "info/no_softlink", "info/index.json")  # fmt: skip
_MAX_LINK_HOPS = 40  # as the kernel's MAXSYMLINKS
# Unicode's control characters (category Cc) are exactly these two ranges
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Contents:
    """What a package's archive says it holds, read from the archive itself."""

    info: dict[str, bytes]
    entries: tuple[dict[str, Any], ...]  # paths.json's "paths"
    # read from the payload only when paths.json declares a softlink
    links: dict[str, str] = field(default_factory=dict)  # symlink member -> its target
    hardlinks: dict[str, str] = field(default_factory=dict)  # tar hard link -> its member


class Escape(CondapipError):
    """A package names a path outside the prefix (exit 2, nothing linked)."""

    def __init__(self, label: str, path: str, why: str) -> None:
        super().__init__(f"{label}: refused, its path {path!r} {why}; nothing was linked")


def read_contents(archive: Path, label: str) -> Contents:
    """The info/ files of ``archive``, and its softlinks' targets if it declares any."""
    try:
        # a .tar.bz2 has no separate info member: its whole stream is read
        info = {
            _name(m.name): _data(tar, m)
            for tar, m in _members(archive, "info")
            if m.isfile() and _name(m.name).startswith("info/")
        }
        entries = _entries(info.get("info/paths.json"))
        links: dict[str, str] = {}
        hardlinks: dict[str, str] = {}
        if any(e.get("path_type") == "softlink" for e in entries):
            for _, m in _members(archive, "pkg"):
                if m.issym():
                    links[_name(m.name)] = m.linkname
                elif m.islnk():
                    hardlinks[_name(m.name)] = _name(m.linkname)
    # tarfile, zipfile, zstd and json errors have no common base but Exception
    except Exception as exc:
        raise CondapipError(f"{label}: not a readable conda package ({exc})") from None
    return Contents(info, tuple(entries), links, hardlinks)


def check(prefix: Path, label: str, contents: Contents) -> None:
    """Raise ``Escape`` unless every path ``contents`` names stays inside ``prefix``."""
    paths = list(_named_paths(label, contents))
    paths += [*contents.links, *contents.hardlinks, *contents.hardlinks.values()]
    for path in paths:
        _relative(label, path)
    links = contents.links
    for path, target in links.items():
        if _resolve(posixpath.dirname(path), target, links, 0) is None:
            raise Escape(label, path, f"is a link to {target!r}, outside the prefix")
    for path in paths if links else ():
        parent = posixpath.dirname(path)
        while parent:
            if parent in links:
                raise Escape(label, path, f"lies under the link {parent!r}")
            parent = posixpath.dirname(parent)
    _no_outside_folder(prefix, label, paths)


def matches(extracted: Path, contents: Contents) -> bool:
    """Whether an extracted package (rattler's cache) holds exactly what the archive does."""
    for name in _READ_AT_LINK:
        if name not in contents.info and (extracted / name).exists():
            return False
    root = str(extracted)
    for name, data in contents.info.items():
        if _read_regular(os.path.join(root, name)) != data:
            return False
    return all(_entry_matches(root, entry, contents.links) for entry in contents.entries)


def _entry_matches(root: str, entry: dict[str, Any], links: dict[str, str]) -> bool:
    # os.path, not pathlib: this runs for every file of every package an install links
    path = os.path.join(root, entry["_path"])
    kind = entry.get("path_type", "hardlink")
    if kind == "softlink":
        return os.path.islink(path) and os.readlink(path) == links.get(entry["_path"])
    if kind == "directory":
        return os.path.isdir(path) and not os.path.islink(path)
    data = _read_regular(path, entry.get("size_in_bytes"))
    if data is None:
        return False
    if entry.get("sha256"):
        return hashlib.sha256(data).hexdigest() == str(entry["sha256"]).lower()
    return entry.get("size_in_bytes") in (None, len(data))


def _read_regular(path: str, size: object = None) -> bytes | None:
    """The bytes of a regular file; None for anything else, or one not ``size`` long.

    A link is not followed (O_NOFOLLOW) and a fifo is not waited on (O_NONBLOCK).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or size not in (None, st.st_size):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def _members(archive: Path, component: str) -> Iterator[Any]:
    from conda_package_streaming.package_streaming import (  # type: ignore[import-untyped]
        stream_conda_component,
    )

    return stream_conda_component(str(archive), component=component)  # type: ignore[no-any-return]


def _name(member: str) -> str:
    # some tools write members as ``./info/...``: extractors drop the ``./``
    return member[2:] if member.startswith("./") else member


def _data(tar: Any, member: Any) -> bytes:
    fh = tar.extractfile(member)
    return b"" if fh is None else bytes(fh.read())


def _entries(raw: bytes | None) -> list[dict[str, Any]]:
    if raw is None:
        return []
    data = json.loads(raw)
    entries = data.get("paths") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("_path"), str) for e in entries
    ):
        raise ValueError("info/paths.json has no list of paths")
    return entries


def _named_paths(label: str, contents: Contents) -> Iterator[str]:
    yield from (e["_path"] for e in contents.entries)
    for name in _LISTS:
        yield from _lines(contents.info.get(name))
    for line in _lines(contents.info.get("info/has_prefix")):
        # conda's own reading: ``placeholder mode path`` or ``path``, maybe quoted
        try:
            parts = [p.strip("\"'") for p in shlex.split(line, posix=False)]
        except ValueError:  # an unclosed quote
            parts = line.split()
        yield parts[-1] if parts else line
    yield from _entry_point_paths(label, contents.info.get("info/link.json"))


def _lines(raw: bytes | None) -> list[str]:
    if raw is None:
        return []
    return [line for line in raw.decode("utf-8", "replace").splitlines() if line.strip()]


def _entry_point_paths(label: str, raw: bytes | None) -> Iterator[str]:
    """``bin/NAME`` for each of a noarch python package's entry points."""
    try:
        noarch = json.loads(raw).get("noarch") or {} if raw is not None else {}
        points = noarch.get("entry_points") or []
    except (ValueError, AttributeError):
        raise CondapipError(f"{label}: info/link.json is not valid") from None
    for point in points:
        name = str(point).partition("=")[0].strip()
        if not name or any(c in name for c in "/\\") or name in (".", ".."):
            raise Escape(label, name, "is an entry point that is not a file name")
        yield f"bin/{name}"


def _relative(label: str, path: str) -> None:
    if not path or _CONTROL.search(path):
        raise Escape(label, path, "is empty or holds a control character")
    if path.startswith(("/", "\\")) or ":" in path.split("/", 1)[0]:
        raise Escape(label, path, "is absolute")
    parts = path.replace("\\", "/").split("/")
    if ".." in parts:
        raise Escape(label, path, "climbs out of the prefix")
    if "" in parts or "." in parts:
        raise Escape(label, path, "is not normalised")


def _resolve(folder: str, target: str, links: dict[str, str], hops: int) -> list[str] | None:
    """``target`` read from ``folder``, through the package's own links: the path
    it reaches inside the prefix as parts, or None if it leaves the prefix."""
    if hops > _MAX_LINK_HOPS or target.startswith(("/", "\\")):
        return None
    parts = [p for p in folder.split("/") if p]
    for part in target.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
            continue
        parts.append(part)
        key = "/".join(parts)
        if key in links:
            parts.pop()
            resolved = _resolve("/".join(parts), links[key], links, hops + 1)
            if resolved is None:
                return None
            parts = resolved
    return parts


def _no_outside_folder(prefix: Path, label: str, paths: list[str]) -> None:
    """No path lands in a folder of the prefix that a symlink takes outside it."""
    root = prefix.resolve()
    inside: dict[str, bool] = {"": True}

    def stays(folder: str) -> bool:
        # A folder leaves the prefix only through a symlink among its components, so
        # only those are resolved (each folder's full path once was: 1,900 for pip).
        if folder not in inside:
            here = prefix / folder
            inside[folder] = stays(posixpath.dirname(folder)) and (
                not here.is_symlink() or here.resolve().is_relative_to(root)
            )
        return inside[folder]

    for path in paths:
        if not stays(posixpath.dirname(path)):
            raise Escape(label, path, "lies in a folder that links outside the prefix")
