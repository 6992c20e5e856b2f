"""Reading a wheel for conda packaging, and keeping every path it names contained.

A wheel is untrusted input: its member names, its ``.data/<scheme>/`` targets
and its console-script names all become file paths in the staging folder. Each
is normalised here and must stay inside that folder; a symlink member is
refused outright. Everything is checked before anything is written.
"""

from __future__ import annotations

import configparser
import posixpath
import stat
import zipfile
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

from packaging.utils import parse_wheel_filename

from condapip.errors import CondapipError


@dataclass(frozen=True)
class Member:
    info: zipfile.ZipInfo
    target: str  # normalised, relative to the staging folder
    executable: bool


@dataclass(frozen=True)
class WheelContents:
    dist_info: str
    metadata: Message
    members: tuple[Member, ...]
    console_scripts: tuple[tuple[str, str], ...]


def read_wheel(whl: Path, sp_prefix: str, bin_prefix: str) -> WheelContents:
    """Every staged path of ``whl``, checked; raises before the caller writes anything."""
    try:
        parse_wheel_filename(whl.name)
    except ValueError as exc:
        raise CondapipError(f"not a wheel file name: {whl.name} ({exc})") from None
    try:
        with zipfile.ZipFile(whl) as zf:
            return _contents(zf, whl, sp_prefix, bin_prefix)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CondapipError(f"not a readable wheel: {whl} ({exc})") from None


def _contents(zf: zipfile.ZipFile, whl: Path, sp: str, bin_prefix: str) -> WheelContents:
    dist_info = _dist_info_dir(zf, whl)
    raw = zf.read(f"{dist_info}/METADATA").decode("utf-8", "replace")
    metadata = HeaderParser().parsestr(raw.partition("\n\n")[0])
    members = []
    for info in zf.infolist():
        if info.is_dir():
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            raise CondapipError(f"{whl.name}: symlink member refused: {info.filename}")
        target = _member_target(info.filename, sp, bin_prefix, dist_info, whl)
        if target is None:
            continue
        mode = (info.external_attr >> 16) & 0o777
        executable = bool(mode & 0o111) or target.startswith(bin_prefix + "/")
        members.append(Member(info, target, executable))
    _no_clash([m.target for m in members], whl)
    scripts = _console_scripts(zf, dist_info)
    for name, _ in scripts:
        contained(f"{bin_prefix}/{name}", whl, what="script name")
        if "/" in name or "\\" in name or name in ("", ".", ".."):
            raise CondapipError(f"{whl.name}: console script name is not a file name: {name!r}")
    return WheelContents(dist_info, metadata, tuple(members), tuple(scripts))


def contained(path: str, whl: Path, *, what: str = "member") -> str:
    """``path`` normalised; one that is absolute or climbs out of its root is refused."""
    norm = posixpath.normpath(path.replace("\\", "/"))
    if (
        not path
        or norm.startswith("/")
        or norm == ".."
        or norm.startswith("../")
        or norm == "."
        or ":" in norm.split("/", 1)[0]  # a Windows drive
    ):
        raise CondapipError(f"{whl.name}: wheel {what} escapes the package: {path!r}")
    return norm


def _no_clash(targets: list[str], whl: Path) -> None:
    """Refuse members that would land on each other or on the package's own ``info/``.

    ``X.data/data/info/...`` is the conda package's metadata folder; a path that
    is one member's file and another's folder cannot both be written.
    """
    seen: set[str] = set()
    for target in targets:
        if target == "info" or target.startswith("info/"):
            raise CondapipError(
                f"{whl.name}: wheel member would overwrite the conda package's info/: {target!r}"
            )
        if target in seen:
            raise CondapipError(f"{whl.name}: two wheel members land on {target!r}")
        seen.add(target)
    for target in sorted(seen):
        parent = posixpath.dirname(target)
        while parent:
            if parent in seen:
                raise CondapipError(
                    f"{whl.name}: wheel member {parent!r} is both a file and a folder"
                )
            parent = posixpath.dirname(parent)


def _dist_info_dir(zf: zipfile.ZipFile, whl: Path) -> str:
    dirs = {
        n.split("/", 1)[0]
        for n in zf.namelist()
        if n.split("/", 1)[0].endswith(".dist-info") and n.endswith("/METADATA")
    }
    if len(dirs) != 1:
        raise CondapipError(f"wheel has no single .dist-info: {whl}")
    return dirs.pop()


def _member_target(member: str, sp: str, bin_prefix: str, dist_info: str, whl: Path) -> str | None:
    # The member itself, then where its scheme puts it: both must stay inside.
    # The scheme's part is split off the raw name: ``data//abs`` means ``/abs``.
    name = contained(member, whl)
    top, _, rest = member.partition("/")
    if top.endswith(".data") and rest:
        scheme, _, inner = rest.partition("/")
        inner = contained(inner, whl) if inner else ""
        roots = {
            "purelib": sp,
            "platlib": sp,
            "scripts": bin_prefix,
            "data": "",
            "headers": "include",
        }
        if scheme not in roots or not inner:
            return None
        return contained(posixpath.join(roots[scheme], inner), whl)
    if top == dist_info and rest == "INSTALLER":
        return None
    return contained(f"{sp}/{name}", whl)


def _console_scripts(zf: zipfile.ZipFile, dist_info: str) -> list[tuple[str, str]]:
    try:
        text = zf.read(f"{dist_info}/entry_points.txt").decode()
    except KeyError:
        return []
    cp = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        cp.read_string(text)
    except configparser.Error as exc:
        raise CondapipError(f"malformed entry_points.txt in {dist_info}: {exc}") from None
    if not cp.has_section("console_scripts"):
        return []
    return sorted((k.strip(), v.strip()) for k, v in cp.items("console_scripts"))
