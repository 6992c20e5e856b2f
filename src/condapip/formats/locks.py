"""Every lock format condapip writes and reads, behind one reader and one writer.

``read_any`` takes a condapip lock, a conda-lock.yml, a pixi.lock or a PEP
751 pylock file, whoever wrote it, and gives condapip's ``Lock`` with every
platform it holds; ``section_for`` is one platform's part, or bad input that
names the platforms there are. ``create --lock``, ``sync --lock`` and
``check --lock`` read through these two.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from condapip.errors import CondapipError, read_input
from condapip.formats.lock import Lock, PlatformLock

Format = Literal["condapip", "conda-lock", "pixi", "pylock"]
FORMATS: tuple[Format, ...] = ("condapip", "conda-lock", "pixi", "pylock")


def read_any(path: Path) -> Lock:
    """The lock at ``path``, in any format, all platforms, every entry checked as data."""
    from condapip.formats import condalock, lock, pixi, pylock_lock
    from condapip.support.yaml_input import load

    text = read_input(path, "lock file")
    if pylock_lock.is_pylock(path):
        return pylock_lock.read(path, text)
    data = load(text, str(path))
    if pixi.is_pixi(data):
        return pixi.read(path)
    if condalock.is_condalock(data):
        return condalock.from_data(data, str(path))
    return lock.from_data(data, str(path))


def section_for(lock: Lock, platform: str, source: Path | str = "the lock") -> PlatformLock:
    """``platform``'s part of ``lock``; a lock without it is bad input naming what it has,
    and so is one whose pip layer has no python to run in."""
    found = lock.platforms.get(platform)
    if found is None:
        have = ", ".join(sorted(lock.platforms)) or "none"
        raise CondapipError(f"{source} has no packages for {platform} (it has {have})")
    if found.pip and not any(c.name == "python" for c in found.conda):
        # a pylock another tool wrote holds the pip layer only: installed or synced, it
        # would leave pip packages with no python (sync would remove the env's)
        raise CondapipError(
            f"{source} has pip packages for {platform} but no python in its conda layer "
            "to install them with"
        )
    return found


def default_output(fmt: Format) -> Path:
    from condapip.formats import condalock, lock, pixi

    names = {
        "condapip": lock.DEFAULT_NAME,
        "conda-lock": condalock.DEFAULT_NAME,
        "pixi": pixi.DEFAULT_NAME,
        "pylock": ".",
    }
    return Path(names[fmt])


def write(
    lock: Lock,
    fmt: Format,
    out: Path,
    *,
    records: Mapping[str, tuple[Any, ...]] | None = None,
    sources: tuple[str, ...] = (),
) -> list[Path]:
    """Write ``lock`` as ``fmt``; the files written (pylock: one per platform in ``out``)."""
    from condapip.formats import condalock, pixi, pylock_lock
    from condapip.formats.lock import dumps
    from condapip.support.atomic import write_atomic

    if fmt == "conda-lock":
        return condalock.write(lock, out, list(sources))
    if fmt == "pixi":
        if records is None:
            raise CondapipError("a pixi.lock is written from a solve: use lock -f FILE")
        return pixi.write(lock, records, out)
    if fmt == "pylock":
        return pylock_lock.write(lock, out)
    write_atomic(out, dumps(lock))
    return [out]


def check_format(value: str) -> Format:
    for fmt in FORMATS:
        if value == fmt:
            return fmt
    raise CondapipError(f"unknown lock format {value!r} (choose from {', '.join(FORMATS)})")
