"""Read a conda prefix through both ledgers: conda-meta records and pip dist-infos.

Nothing here writes. The reader is the floor every verb stands on, so it stays
cheap: records (``ledger.records``) and dists (``ledger.dists``) are read once,
and one dict pass links a record to its dist-info.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from packaging.utils import canonicalize_name

from condapip.errors import CondapipError
from condapip.ledger.dists import Dist, Leftover, find_site_packages, scan
from condapip.ledger.records import CondaRecord, read_records

if TYPE_CHECKING:
    from condapip.ledger.history import HistoryEntry

Owner = Literal["conda", "pip", "pip-over-conda", "unknown"]


@dataclass(frozen=True)
class Package:
    """One row of ``condapip list``: a conda record, a pip dist, or both."""

    name: str
    version: str
    build: str
    channel: str
    owner: Owner
    installer: str | None
    record: CondaRecord | None
    dist: Dist | None


@dataclass(frozen=True)
class Prefix:
    """A conda prefix as both ledgers see it."""

    path: Path
    records: dict[str, CondaRecord]  # by conda package name
    dists: tuple[Dist, ...]
    site_packages: Path | None
    python_version: str | None  # "X.Y"
    leftovers: tuple[Leftover, ...] = ()  # pip's stashes and dist-infos with no METADATA
    stashed: tuple[Dist, ...] = ()  # the versions pip's stashes hold
    folders: tuple[str, ...] = ()  # top-level package folders of site-packages

    @cached_property
    def half_written(self) -> tuple[Leftover, ...]:
        """What an interrupted pip left: its stashes, dist-infos it had not finished,
        and package folders no distribution owns (files pip wrote before their dist-info)."""
        out = list(self.leftovers)
        out += [
            Leftover(d.path, "a dist-info pip had not finished (no INSTALLER, no RECORD of pip's)")
            for d in self.dists
            if d.half_written and self.owners[d.path][0] == "unknown"
        ]
        if self.site_packages is not None:
            out += [
                Leftover(self.site_packages / f, "a package folder no distribution owns")
                for f in self.unowned
            ]
        return tuple(out)

    @cached_property
    def unowned(self) -> tuple[str, ...]:
        """Top-level package folders that no record and no dist's RECORD lists."""
        return _unowned(self)

    @cached_property
    def history(self) -> tuple[HistoryEntry, ...]:
        from condapip.ledger.history import read_history

        return read_history(self.path / "conda-meta" / "history")

    @cached_property
    def dists_by_key(self) -> dict[str, list[Dist]]:
        out: dict[str, list[Dist]] = {}
        for d in self.dists:
            out.setdefault(d.key, []).append(d)
        return out

    @cached_property
    def owners(self) -> dict[Path, tuple[Owner, CondaRecord | None]]:
        """Owner of each dist-info on disk, keyed by its path."""
        return _link_owners(self)

    @cached_property
    def python_records(self) -> dict[str, CondaRecord]:
        """Conda records that ship a Python distribution, by normalized dist name."""
        return {_dist_dir_key(d): rec for d, rec in self._record_dist_dirs.items()}

    @cached_property
    def _record_dist_dirs(self) -> dict[str, CondaRecord]:
        """Each dist-info/egg-info folder a record lists (prefix-relative), to its record."""
        return {d: rec for rec in self.records.values() for d in _record_dist_dirs(rec)}

    def packages(self) -> list[Package]:
        """Both ledgers merged, sorted by name as ``conda list`` sorts."""
        rows: list[Package] = []
        owned_records: set[str] = set()
        for dist in self.dists:
            owner, rec = self.owners[dist.path]
            if rec is not None and owner == "conda":
                owned_records.add(rec.name)
                rows.append(_record_row(rec, "conda", dist))
            else:
                if rec is not None:
                    owned_records.add(rec.name)
                rows.append(
                    Package(
                        name=dist.key,
                        version=dist.version,
                        build=rec.build if rec is not None and owner == "pip-over-conda" else "",
                        channel=dist.source,
                        owner=owner,
                        installer=dist.installer,
                        record=rec,
                        dist=dist,
                    )
                )
        for rec in self.records.values():
            if rec.name not in owned_records:
                rows.append(_record_row(rec, "conda", None))
        rows.sort(key=lambda p: (p.name.lower(), p.owner))
        return rows

    @property
    def pip_dists(self) -> list[Dist]:
        """Dists that pip put there: owner ``pip`` or ``pip-over-conda``."""
        return [d for d in self.dists if self.owners[d.path][0] in ("pip", "pip-over-conda")]


def _record_row(rec: CondaRecord, owner: Owner, dist: Dist | None) -> Package:
    return Package(
        name=rec.name,
        version=rec.version,
        build=rec.build,
        channel=rec.channel_name,
        owner=owner,
        installer="conda",
        record=rec,
        dist=dist,
    )


def read_prefix(path: str | os.PathLike[str]) -> Prefix:
    """Read both ledgers of ``path``; raise CondapipError on bad input."""
    prefix = Path(path).absolute()
    if not prefix.exists():
        from condapip.ledger.journal import pending

        if pending(prefix) is not None:  # a rebuild killed after setting the prefix aside
            raise CondapipError(
                f"a condapip rebuild of {prefix} was interrupted (interrupted-change): "
                f"run condapip rebuild -p {prefix}",
                exit_code=1,
            )
        raise CondapipError(f"prefix does not exist: {prefix}")
    meta = prefix / "conda-meta"
    if not meta.is_dir():
        raise CondapipError(f"not a conda prefix (no conda-meta/): {prefix}")
    # The reader makes tens of thousands of small dicts and no cycles; the
    # cyclic collector would rescan them over and over for nothing.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        records = read_records(meta)
        py_rec = records.get("python")
        site_packages = find_site_packages(prefix, py_rec)
        found = scan(site_packages) if site_packages else None
    finally:
        if gc_was_enabled:
            gc.enable()
    return Prefix(
        path=prefix,
        records=records,
        dists=found.dists if found else (),
        site_packages=site_packages,
        python_version=_python_version(prefix, py_rec, site_packages),
        leftovers=found.leftovers if found else (),
        stashed=found.stashed if found else (),
        folders=found.folders if found else (),
    )


def _python_version(prefix: Path, py_rec: CondaRecord | None, sp: Path | None) -> str | None:
    if py_rec is not None:
        return ".".join(py_rec.version.split(".")[:2])
    cfg = prefix / "pyvenv.cfg"
    if cfg.is_file():
        for line in cfg.read_text(errors="replace").splitlines():
            key, _, value = line.partition("=")
            if key.strip() in ("version", "version_info"):
                return ".".join(value.strip().split(".")[:2])
    if sp is not None and sp.parent.name.startswith("python"):
        return sp.parent.name[len("python") :].rstrip("t")
    return None


# The site-packages entry a record's file belongs to, by the marker in its path.
_DIST_MARKERS = ((".dist-info/", ".dist-info"), (".egg-info", ".egg-info"), (".egg/", ".egg"))


def _record_dist_dirs(rec: CondaRecord) -> Iterator[str]:
    # Most records ship no Python at all; one substring test over the joined
    # list (in C) spares a Python-level loop over their files.
    joined = "\n".join(rec.files)
    if not any(marker in joined for marker, _ in _DIST_MARKERS):
        return
    seen: set[str] = set()
    for f in rec.files:
        d = next((f.partition(m)[0] + s for m, s in _DIST_MARKERS if m in f), None)
        if d is None or d in seen or "site-packages/" not in d:
            continue
        seen.add(d)
        yield d


def _dist_dir_key(dist_dir: str) -> str:
    stem = dist_dir.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return canonicalize_name(stem.split("-", 1)[0])


def _link_owners(prefix: Prefix) -> dict[Path, tuple[Owner, CondaRecord | None]]:
    by_dir = prefix._record_dist_dirs
    base = str(prefix.path) + os.sep
    out: dict[Path, tuple[Owner, CondaRecord | None]] = {}
    for dist in prefix.dists:
        path = str(dist.path)
        rel = path[len(base) :].replace(os.sep, "/") if path.startswith(base) else None
        rec = by_dir.get(rel) if rel else None
        if rec is not None:
            same = _same_version(dist.version, rec.version) and dist.installer != "pip"
            out[dist.path] = ("conda" if same else "pip-over-conda", rec)
            continue
        # Fallback by name: pip removed the record's dist-info and wrote its own,
        # or the conda and PyPI names differ only in normalization.
        rec = prefix.python_records.get(dist.key) or _record_by_name(prefix, dist.key)
        if rec is not None and _record_ships_python(rec):
            out[dist.path] = ("pip-over-conda", rec)
        elif dist.installer is None:
            out[dist.path] = ("unknown", None)
        else:
            out[dist.path] = ("pip", None)
    return out


def _record_by_name(prefix: Prefix, key: str) -> CondaRecord | None:
    return prefix.records.get(key) or prefix.records.get(key.replace("-", "_"))


def _record_ships_python(rec: CondaRecord) -> bool:
    return any(marker in f for f in rec.files for marker, _ in _DIST_MARKERS)


def _same_version(a: str, b: str) -> bool:
    if a == b:
        return True
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return False


def _unowned(prefix: Prefix) -> tuple[str, ...]:
    # Cheap first: a folder named after a dist or record is taken as theirs; only
    # the rest are looked up in the records' file lists and the dists' RECORDs.
    sp = prefix.site_packages
    named = {_import_name(d.key) for d in prefix.dists if not d.half_written}
    named |= {_import_name(n) for n in prefix.records}
    left = [f for f in prefix.folders if f.lower() not in named and f != "__pycache__"]
    if sp is None or not left:
        return ()
    left = [f for f in left if _holds_python(sp / f)]
    if not left:
        return ()
    owned = _owned_tops(prefix, sp)
    return tuple(f for f in left if f not in owned)


def _import_name(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def _holds_python(folder: Path) -> bool:
    try:
        with os.scandir(folder) as it:
            return any(e.name.endswith(".py") for e in it)
    except OSError:
        return False


def _owned_tops(prefix: Prefix, sp: Path) -> set[str]:
    """The first path component under site-packages of every file a ledger lists."""
    base = sp.relative_to(prefix.path).as_posix() + "/" if sp.is_relative_to(prefix.path) else ""
    tops: set[str] = set()
    for rec in prefix.records.values():
        tops.update(f[len(base) :].split("/", 1)[0] for f in rec.files if f.startswith(base))
    for dist in prefix.dists:
        if dist.half_written:
            continue
        for listing in ("RECORD", "top_level.txt"):
            try:
                text = (dist.path / listing).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            tops.update(line.split(",", 1)[0].split("/", 1)[0] for line in text.splitlines())
    return tops


def interpreter(prefix: Path) -> Path:
    """The prefix's own Python, which every pip call must go through."""
    if sys.platform == "win32":
        return prefix / "python.exe"
    return prefix / "bin" / "python"
