"""Read a conda prefix through both ledgers: conda-meta records and pip dist-infos.

Nothing here writes. The reader is the floor every verb stands on, so it stays
cheap: JSON through orjson, METADATA headers only, one dict pass to link a
record to its dist-info, and ``paths_data`` parsed only when a rule asks.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from packaging.utils import canonicalize_name

from condapip.errors import CondapipError

if TYPE_CHECKING:
    from email.message import Message
    from importlib.metadata import PathDistribution

    from condapip.ledger.history import HistoryEntry

try:
    from orjson import loads as _json_loads
except ImportError:  # pragma: no cover - orjson is a dependency, this is belt and braces
    _json_loads = json.loads

Owner = Literal["conda", "pip", "pip-over-conda", "unknown"]

_DIST_SUFFIXES = (".dist-info", ".egg-info")


@dataclass(frozen=True)
class PathData:
    """One file a conda record placed, as its ``paths_data`` describes it."""

    path: str
    sha256: str | None
    size: int | None
    path_type: str


@dataclass(frozen=True)
class CondaRecord:
    """One ``conda-meta/*.json`` record."""

    name: str
    version: str
    build: str
    build_number: int
    channel: str
    subdir: str
    url: str
    md5: str | None
    sha256: str | None
    depends: tuple[str, ...]
    constrains: tuple[str, ...]
    files: tuple[str, ...]
    requested_spec: str | None
    meta_file: Path
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def dist_str(self) -> str:
        return f"{self.name}-{self.version}-{self.build}"

    @property
    def paths_data(self) -> tuple[PathData, ...]:
        entries = (self.raw.get("paths_data") or {}).get("paths") or []
        where = self.noarch_python_roots(entries)
        return tuple(
            PathData(
                path=relocated(e["_path"], where),
                sha256=e.get("sha256"),
                size=e.get("size_in_bytes"),
                path_type=e.get("path_type", "hardlink"),
            )
            for e in entries
        )

    def noarch_python_roots(self, entries: list[dict[str, Any]]) -> dict[str, str]:
        """conda itself keeps a noarch: python package's ``paths_data`` as in the
        package (``site-packages/...``, ``python-scripts/...``) while ``files``
        holds where they landed; rattler writes both as landed. The roots come
        from ``files``, so each entry names the file on disk either way."""
        if self.raw.get("noarch") != "python" and self.raw.get("package_type") != "noarch_python":
            return {}
        files = set(self.files)
        for e in entries:
            path = str(e.get("_path", ""))
            if path.startswith("site-packages/") and path not in files:
                landed = next((f for f in self.files if f.endswith("/" + path)), None)
                if landed is not None:
                    scripts = "Scripts/" if landed.startswith("Lib/") else "bin/"
                    return {
                        "site-packages/": landed[: -len(path)] + "site-packages/",
                        "python-scripts/": scripts,
                    }
        return {}

    @property
    def channel_name(self) -> str:
        return channel_name(self.channel)


def relocated(path: str, roots: dict[str, str]) -> str:
    for source, target in roots.items():
        if path.startswith(source):
            return target + path[len(source) :]
    return path


@dataclass(frozen=True)
class Dist:
    """One ``*.dist-info`` or ``*.egg-info`` found in site-packages."""

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
        return url


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


def dist_line(channel: str, subdir: str, name: str, version: str, build: str) -> str:
    """A package as conda 26 writes it in history: ``channel/subdir::name-version-build``.

    ``conda list --revisions`` shows the part before ``::`` as the package's
    source, so the subdir is kept (once) as conda keeps it.
    """
    source = channel_name(channel)
    if subdir and source:
        source = f"{source}/{subdir}"
    return f"{source}::{name}-{version}-{build}" if source else f"{name}-{version}-{build}"


def channel_name(url: str) -> str:
    """``https://conda.anaconda.org/conda-forge/linux-64`` -> ``conda-forge``.

    Names are kept for the standard hosts; anything else (a mirror, a local
    ``file://`` channel) stays a URL without its subdir.
    """
    if not url:
        return ""
    base = url.rstrip("/")
    last = base.rsplit("/", 1)[-1]
    if last in _SUBDIRS:
        base = base.rsplit("/", 1)[0]
    for alias in ("https://conda.anaconda.org/", "http://conda.anaconda.org/"):
        if base.startswith(alias):
            return base[len(alias) :]
    if base.startswith("https://repo.anaconda.com/pkgs/"):
        return "defaults"
    return base


_SUBDIRS = frozenset(
    {
        "noarch",
        "linux-64",
        "linux-aarch64",
        "linux-ppc64le",
        "linux-s390x",
        "linux-32",
        "osx-64",
        "osx-arm64",
        "win-64",
        "win-32",
        "win-arm64",
        "emscripten-wasm32",
        "wasi-wasm32",
    }
)


def read_prefix(path: str | os.PathLike[str]) -> Prefix:
    """Read both ledgers of ``path``; raise CondapipError on bad input."""
    prefix = Path(path).absolute()
    if not prefix.exists():
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
        dists = tuple(read_dists(site_packages)) if site_packages else ()
    finally:
        if gc_was_enabled:
            gc.enable()
    return Prefix(
        path=prefix,
        records=records,
        dists=dists,
        site_packages=site_packages,
        python_version=_python_version(prefix, py_rec, site_packages),
    )


def read_records(meta: Path) -> dict[str, CondaRecord]:
    with os.scandir(meta) as it:
        paths = [e.path for e in it if e.name.endswith(".json") and e.is_file()]
    records: dict[str, CondaRecord] = {}
    for path in paths:
        rec = _read_record(path)
        records[rec.name] = rec
    return records


def _read_record(path: str) -> CondaRecord:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise CondapipError(f"cannot read conda-meta record {path}: {exc.strerror}") from None
    try:
        raw = _json_loads(data)
        return CondaRecord(
            name=raw["name"],
            version=str(raw["version"]),
            build=raw.get("build", ""),
            build_number=int(raw.get("build_number", 0)),
            channel=raw.get("channel", "") or "",
            subdir=raw.get("subdir", "") or "",
            url=raw.get("url", "") or "",
            md5=raw.get("md5"),
            sha256=raw.get("sha256"),
            depends=tuple(raw.get("depends") or ()),
            constrains=tuple(raw.get("constrains") or ()),
            files=tuple(raw.get("files") or ()),
            requested_spec=raw.get("requested_spec"),
            meta_file=Path(path),
            raw=raw,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CondapipError(f"corrupt conda-meta record {path}: {_short(exc)}") from None


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, KeyError):
        return f"missing field {text}"
    return text


def find_site_packages(prefix: Path, python_record: CondaRecord | None) -> Path | None:
    if python_record is not None:
        sp = python_record.raw.get("python_site_packages_path")
        if sp:
            return prefix / sp
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


def read_dists(site_packages: Path) -> Iterator[Dist]:
    """Every dist-info and egg-info directly in ``site_packages``, in name order.

    Discovery is what ``importlib.metadata.distributions(path=[sp])`` does for
    one folder (names ending ``.dist-info``/``.egg-info``), without its
    per-file pathlib cost; METADATA goes through the same email parser.
    """
    sp = str(site_packages)
    with os.scandir(sp) as it:
        names = sorted(e.name for e in it if e.name.lower().endswith(_DIST_SUFFIXES))
    for name in names:
        path = os.path.join(sp, name)
        if name.lower().endswith(".dist-info"):
            yield _read_dist_info(path)
        else:
            yield _read_egg_info(path)


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


def _read_egg_info(path: str) -> Dist:
    # Eggs are rare and irregular (a file or a folder, requires.txt sections):
    # importlib.metadata knows all their forms.
    from importlib.metadata import PathDistribution

    dist = PathDistribution(Path(path))
    text = dist.read_text("PKG-INFO")
    if text is None and os.path.isfile(path):
        text = _read_text(path)
    if text is None:
        raise CondapipError(f"unreadable dist-info (no METADATA): {path}")
    headers = _metadata_headers(text)
    requires = tuple(headers.get_all("requires-dist") or ()) or _egg_requires(dist)
    return _dist(path, headers, requires, dist.read_text("INSTALLER"), None)


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


def _record_dist_dirs(rec: CondaRecord) -> Iterator[str]:
    # Most records ship no Python at all; one substring test over the joined
    # list (in C) spares a Python-level loop over their files.
    joined = "\n".join(rec.files)
    if ".dist-info/" not in joined and ".egg-info" not in joined:
        return
    seen: set[str] = set()
    for f in rec.files:
        head, sep, tail = f.partition(".dist-info/")
        if not sep:
            head, sep, tail = f.partition(".egg-info")
            if not sep:
                continue
            d = head + ".egg-info"
        else:
            d = head + ".dist-info"
        if d in seen or "site-packages/" not in d:
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
    return any(".dist-info/" in f or ".egg-info" in f for f in rec.files)


def _same_version(a: str, b: str) -> bool:
    if a == b:
        return True
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return False


def interpreter(prefix: Path) -> Path:
    """The prefix's own Python, which every pip call must go through."""
    if sys.platform == "win32":
        return prefix / "python.exe"
    return prefix / "bin" / "python"
