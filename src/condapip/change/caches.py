"""Package and wheel caches: where they live, what in them is still used, removal.

An extracted conda package is still used when an environment's files are
hardlinks of its files (``st_nlink`` above 1), or when an environment's
``conda-meta`` record names it as its source (a softlink or copy install, or an
env on another filesystem). Everything else in a cache can be fetched again:
tarballs, unlinked extracted packages, repodata, and pip's and uv's caches.
Nothing under an environment is ever removed.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from condapip.support import proc

Kind = Literal["tarball", "extracted", "index", "http", "wheels"]
BucketTest = Callable[[str], bool]

_TARBALLS = (".conda", ".tar.bz2")
# What `pip cache purge` removes; anything else under the cache dir is left,
# so a cache dir pointed at a shared folder loses nothing but pip's files.
_PIP_BUCKETS = ("http", "http-v2", "wheels")
# uv's cache buckets are versioned folders: wheels-v5, archive-v0, simple-v16...
_UV_BUCKET = re.compile(r"^[a-z][a-z0-9-]*-v\d+$")
TRASH = ".condapip-trash-"


@dataclass(frozen=True)
class Entry:
    """One thing in a cache that can go: a file or a folder."""

    path: Path
    kind: Kind
    size: int


@dataclass(frozen=True)
class Cache:
    """One cache folder, its size and what of it can be removed."""

    tool: str
    path: Path
    size: int
    removable: tuple[Entry, ...]
    kept: tuple[Path, ...]

    @property
    def freeable(self) -> int:
        return sum(e.size for e in self.removable)


def find_caches(prefix: Path | None = None, own: Sequence[Path] = ()) -> list[Cache]:
    """Every cache that exists on this machine, each once, with its verdicts.

    ``own``: condapip's own download folders (the demo's wheels), wholly removable.
    """
    envs = _envs(prefix)
    used = linked_sources(envs)
    caches: list[Cache] = []
    seen: set[Path] = set()

    def add(cache: Cache | None) -> None:
        if cache is not None and cache.path.resolve() not in seen:
            seen.add(cache.path.resolve())
            caches.append(cache)

    rattler = rattler_cache_dir()
    if rattler.is_dir():
        seen.add((rattler / "pkgs").resolve())  # never scanned twice as a conda pkgs dir
        add(_rattler_cache(rattler, used))
    for pkgs in conda_pkgs_dirs():
        add(_conda_pkgs(pkgs, used))
    add(_bucket_cache("pip", pip_cache_dir(prefix), lambda n: n in _PIP_BUCKETS))
    add(_bucket_cache("uv", uv_cache_dir(), lambda n: bool(_UV_BUCKET.match(n))))
    for folder in own:
        add(_bucket_cache("condapip", folder, lambda n: not n.startswith(".")))
    return [_outside(cache, envs) for cache in caches]


def _outside(cache: Cache, envs: list[Path]) -> Cache:
    """Drop any entry that is, holds or sits inside an environment (a misconfigured cache dir)."""
    roots = [_norm(e) for e in envs]
    safe = tuple(
        e
        for e in cache.removable
        if not any(
            _norm(e.path).is_relative_to(r) or r.is_relative_to(_norm(e.path)) for r in roots
        )
    )
    return Cache(cache.tool, cache.path, cache.size, safe, cache.kept)


def remove(cache: Cache) -> list[str]:
    """Delete what ``cache`` marks removable; return one message per failure.

    A folder is renamed to a ``.condapip-trash-*`` sibling first, in one step,
    then deleted: a kill midway leaves a trash folder (swept by the next clean),
    never a half package that a tool would take for a whole one.
    """
    errors: list[str] = []
    for entry in cache.removable:
        try:
            if entry.path.is_dir() and not entry.path.is_symlink():
                _discard(entry.path)
                if entry.kind == "extracted":
                    # rattler keeps a lock file beside each extracted package
                    entry.path.with_name(entry.path.name + ".lock").unlink(missing_ok=True)
            else:
                entry.path.unlink(missing_ok=True)
        except OSError as exc:
            errors.append(f"cannot remove {entry.path}: {exc.strerror or exc}")
    return errors


def _discard(folder: Path) -> None:
    if folder.name.startswith(TRASH):
        shutil.rmtree(folder)  # already trash: a clean cut short left it
        return
    import tempfile

    trash = Path(tempfile.mkdtemp(prefix=TRASH, dir=folder.parent))
    folder.rename(trash / folder.name)
    shutil.rmtree(trash)


def _trash(folder: Path) -> list[Entry]:
    """Trash folders a clean cut short left in ``folder``: removable, whatever they hold."""
    return [
        Entry(child, "extracted", size_of(child))
        for child in sorted(folder.glob(TRASH + "*"))
        if child.is_dir() and not child.is_symlink()
    ]


def size_of(path: Path) -> int:
    """Bytes under ``path``, each inode counted once, symlinks not followed."""
    return _size(path, set())


# --- where the caches are -------------------------------------------------


def conda_pkgs_dirs() -> list[Path]:
    """conda's package caches: $CONDA_PKGS_DIRS, the condarc, ~/.conda/pkgs, ROOT/pkgs."""
    from condapip.ledger import condarc
    from condapip.ledger.condarc import root_prefix

    dirs = [Path(p).expanduser() for p in os.environ.get("CONDA_PKGS_DIRS", "").split(",") if p]
    dirs += condarc.pkgs_dirs()
    dirs.append(Path.home() / ".conda" / "pkgs")
    root = root_prefix()
    if root is not None:
        dirs.append(root / "pkgs")
    return list(dict.fromkeys(dirs))


def rattler_cache_dir() -> Path:
    """rattler's own rule: $RATTLER_CACHE_DIR, else the platform cache dir + rattler/cache."""
    if os.environ.get("RATTLER_CACHE_DIR"):
        return Path(os.environ["RATTLER_CACHE_DIR"])
    return _platform_cache_dir() / "rattler" / "cache"


def pip_cache_dir(prefix: Path | None) -> Path | None:
    """The env's pip says where its cache is; without an env, pip's default place."""
    if prefix is not None:
        from condapip.ledger.prefix import interpreter

        python = interpreter(prefix)
        if python.exists():
            done = proc.run([python, "-m", "pip", "cache", "dir"], timeout=proc.QUICK)
            if done.returncode == 0 and done.stdout.strip():
                return Path(done.stdout.strip().splitlines()[-1])
    if os.environ.get("PIP_NO_CACHE_DIR", "").lower() in ("1", "true", "yes", "on"):
        return None
    if os.environ.get("PIP_CACHE_DIR"):
        return Path(os.environ["PIP_CACHE_DIR"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("pip", appauthor=False))


def uv_cache_dir() -> Path:
    if os.environ.get("UV_CACHE_DIR"):
        return Path(os.environ["UV_CACHE_DIR"]).expanduser()
    uv = shutil.which("uv")
    if uv is not None:
        done = proc.run([uv, "cache", "dir"], timeout=proc.QUICK)
        if done.returncode == 0 and done.stdout.strip():
            return Path(done.stdout.strip())
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "uv" / "cache"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "uv"


def _platform_cache_dir() -> Path:
    # rattler uses the Rust `dirs` crate: XDG on Linux, ~/Library/Caches on macOS
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home()))
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


# --- which extracted packages an environment still uses --------------------


def _envs(prefix: Path | None) -> list[Path]:
    from condapip.ledger.locate import all_envs

    envs = all_envs()
    if prefix is not None and prefix not in envs:
        envs.append(prefix)
    return envs


def linked_sources(envs: Iterable[Path]) -> set[Path]:
    """Package folders some environment uses, read from every env's conda-meta records.

    A record names its source (``extracted_package_dir``, ``link.source``), and
    each file it lists that is a symlink (conda's ``always_softlink``) points
    into the package it came from; hardlinks are counted by ``is_linked``.
    """
    import orjson

    used: set[Path] = set()
    for env in envs:
        for meta in (env / "conda-meta").glob("*.json"):
            try:
                record = orjson.loads(meta.read_bytes())
            except (OSError, orjson.JSONDecodeError):
                continue  # a corrupt record says nothing; hardlink counts still guard
            if not isinstance(record, dict):
                continue
            link = record.get("link")
            link = link if isinstance(link, dict) else {}
            for source in (record.get("extracted_package_dir"), link.get("source")):
                if isinstance(source, str) and source:
                    used.add(_norm(Path(source)))
            used.update(_softlinked(env, record.get("files")))
    return used


def _softlinked(env: Path, files: object) -> set[Path]:
    """The folders holding the targets of a record's files that are symlinks."""
    out: set[Path] = set()
    if not isinstance(files, list):
        return out
    for rel in files:
        path = env / str(rel)
        if not path.is_symlink():
            continue
        # the package folder is one of the target's ancestors: keep them all
        out.update(_norm(path).parents)
    return out


def is_linked(package: Path) -> bool:
    """True when any payload file has another hardlink: an env's copy of it."""
    for path in _files(package, skip_top=frozenset({"info"})):
        try:
            if path.lstat().st_nlink > 1:
                return True
        except OSError:
            continue
    return False


def _files(root: Path, skip_top: frozenset[str] = frozenset()) -> Iterator[Path]:
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for entry in entries:
        if entry.name in skip_top:
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _files(Path(entry.path))
        elif entry.is_file(follow_symlinks=False):
            yield Path(entry.path)


def _norm(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


# --- one cache each ----------------------------------------------------------


def _conda_pkgs(pkgs: Path, used: set[Path]) -> Cache | None:
    if not pkgs.is_dir():
        return None
    removable, kept = _packages(pkgs, used)
    index = pkgs / "cache"
    if index.is_dir():
        removable.append(Entry(index, "index", size_of(index)))
    return Cache("conda", pkgs, size_of(pkgs), tuple(removable), tuple(kept))


def _rattler_cache(root: Path, used: set[Path]) -> Cache:
    removable: list[Entry] = []
    kept: list[Path] = []
    if (root / "pkgs").is_dir():
        removable, kept = _packages(root / "pkgs", used)
    removable += _trash(root)
    index = root / "repodata"
    if index.is_dir():
        removable.append(Entry(index, "index", size_of(index)))
    return Cache("rattler", root, size_of(root), tuple(removable), tuple(kept))


def _packages(pkgs: Path, used: set[Path]) -> tuple[list[Entry], list[Path]]:
    removable: list[Entry] = _trash(pkgs)
    kept: list[Path] = []
    for child in sorted(pkgs.iterdir()):
        if child.is_symlink() or child.name.startswith(TRASH):
            continue
        if child.is_file() and child.name.endswith(_TARBALLS):
            removable.append(Entry(child, "tarball", child.stat().st_size))
        elif child.is_dir() and (child / "info" / "index.json").is_file():
            if _norm(child) in used or is_linked(child):
                kept.append(child)
            else:
                removable.append(Entry(child, "extracted", size_of(child)))
    return removable, kept


def _bucket_cache(tool: str, root: Path | None, is_bucket: BucketTest) -> Cache | None:
    if root is None or not root.is_dir():
        return None
    removable = _trash(root) + [
        Entry(child, _bucket_kind(child.name), size_of(child))
        for child in sorted(root.iterdir())
        if child.is_dir() and not child.is_symlink() and is_bucket(child.name)
    ]
    return Cache(tool, root, size_of(root), tuple(removable), ())


def _bucket_kind(name: str) -> Kind:
    if name.startswith("http"):
        return "http"
    if name.startswith(("simple-", "flat-index-")):
        return "index"
    return "wheels"


def _size(path: Path, seen: set[tuple[int, int]]) -> int:
    try:
        st = path.lstat()
    except OSError:
        return 0
    if not path.is_dir() or path.is_symlink():
        key = (st.st_dev, st.st_ino)
        if key in seen:
            return 0
        seen.add(key)
        return st.st_size
    total = 0
    try:
        entries = list(os.scandir(path))
    except OSError:
        return 0
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                total += _size(Path(entry.path), seen)
                continue
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        key = (st.st_dev, st.st_ino)
        if key not in seen:
            seen.add(key)
            total += st.st_size
    return total


def human(n: int) -> str:
    """Sizes as people read them: 512 B, 3.4 MB."""
    if n < 1024:
        return f"{n} B"
    size = float(n)
    for unit in ("KB", "MB", "GB", "TB"):
        size /= 1024
        if size < 1024 or unit == "TB":
            break
    return f"{size:.1f} {unit}"
