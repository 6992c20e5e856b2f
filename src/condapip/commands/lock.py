"""``condapip lock``: both layers pinned to artifacts and hashes.

``-p PREFIX`` locks what a prefix holds, for its platform. ``-f FILE`` locks an
environment file for every platform asked for, without installing anything,
in condapip's, conda-lock's, pixi's or PEP 751's format. ``-f FILE --check
LOCK`` says whether a lock still satisfies the file, and never writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.errors import CondapipError
from condapip.formats.lock import Lock, PlatformLock
from condapip.formats.locks import Format
from condapip.support.output import Block


@dataclass(frozen=True)
class Written:
    """The lock written to ``outputs``."""

    lock: Lock
    outputs: Sequence[Path]
    warnings: Sequence[str] = ()
    exit_code: int = 0

    def blocks(self) -> Iterator[Block]:
        parts = [
            f"{plat}: {len(pl.conda)} conda, {len(pl.pip)} pip"
            for plat, pl in sorted(self.lock.platforms.items())
        ]
        yield f"wrote {', '.join(map(str, self.outputs))} ({'; '.join(parts)})"

    def as_json(self) -> dict[str, Any]:
        return {
            "output": str(self.outputs[0]) if len(self.outputs) == 1 else None,
            "outputs": [str(p) for p in self.outputs],
            "platforms": {
                plat: _platform_json(pl) for plat, pl in sorted(self.lock.platforms.items())
            },
            "warnings": list(self.warnings),
        }


def _platform_json(pl: PlatformLock) -> dict[str, Any]:
    return {
        "conda": len(pl.conda),
        "pip": len(pl.pip),
        "virtual_packages": list(pl.virtual),
        "packages": [
            {
                "name": c.name,
                "version": c.version,
                "build": c.build,
                "layer": "conda",
                "url": c.url,
                "sha256": c.sha256,
                "md5": c.md5,
            }
            for c in pl.conda
        ]
        + [
            {
                "name": a.name,
                "version": a.version,
                "layer": "pip",
                "source": a.source,
                "url": a.url,
                "sha256": a.sha256,
                "commit": a.commit,
            }
            for a in pl.pip
        ],
    }


@dataclass(frozen=True)
class Checked:
    """``--check``: each spec the lock no longer satisfies, by platform."""

    lock_file: Path
    platforms: Sequence[str]
    unmet: Sequence[str]
    warnings: Sequence[str] = ()

    @property
    def exit_code(self) -> int:
        return 1 if self.unmet else 0

    def blocks(self) -> Iterator[Block]:
        if not self.unmet:
            yield f"{self.lock_file} satisfies the file on {', '.join(self.platforms)}"
            return
        yield f"{self.lock_file} no longer satisfies the file:"
        yield "\n".join(f"  {line}" for line in self.unmet)

    def as_json(self) -> dict[str, Any]:
        return {
            "lock": str(self.lock_file),
            "platforms": list(self.platforms),
            "satisfied": not self.unmet,
            "unmet": list(self.unmet),
        }


def run(
    *,
    name: str | None,
    prefix: str | None,
    output: Path | None,
    pip_engine: str | None,
    file: Path | None = None,
    platforms: Sequence[str] = (),
    virtual: Sequence[str] = (),
    fmt: str = "condapip",
    check: Path | None = None,
    progress: bool = True,
) -> Written | Checked:
    """``progress``: a spinner on a terminal while a prefix is locked (not under --json)."""
    from condapip.formats import locks

    chosen = locks.check_format(fmt)
    if file is None:
        if check is not None or platforms or virtual:
            raise CondapipError("--check, --platform and --virtual-package need -f FILE")
        out = output or locks.default_output(chosen)
        return _prefix(name, prefix, out, chosen, pip_engine, progress)
    if name is not None or prefix is not None:
        raise CondapipError("give -f FILE or -n/-p, not both: -f locks a file, -p a prefix")
    if check is not None:
        if platforms or virtual or output is not None:
            raise CondapipError("--check reads LOCK's own platforms and writes nothing")
        return _check(file, check)
    from condapip.formats.lock_build import build

    built = build(file, platforms=platforms, virtual=virtual, progress=progress)
    out = output or locks.default_output(chosen)
    written = locks.write(built.lock, chosen, out, records=built.records, sources=(str(file),))
    return Written(built.lock, written)


def _prefix(
    name: str | None,
    prefix: str | None,
    output: Path,
    fmt: Format,
    pip_engine: str | None,
    progress: bool,
) -> Written:
    from condapip.formats import locks
    from condapip.formats.lock import build
    from condapip.ledger.locate import resolve
    from condapip.ledger.prefix import read_prefix
    from condapip.support.progress import working

    if fmt == "pixi":
        raise CondapipError("--format pixi locks an environment file: use lock -f FILE")
    found = read_prefix(resolve(name, prefix))
    with working(f"locking {found.path}: every artifact and hash", show=progress):
        locked = build(found, pip_engine=pip_engine)
    written = locks.write(locked.lock, fmt, output)
    return Written(locked.lock, written, locked.warnings)


def _check(file: Path, lock_file: Path) -> Checked:
    from condapip.formats.lock_check import check
    from condapip.formats.locks import read_any

    lock = read_any(lock_file)
    unmet = check(file, lock)
    return Checked(lock_file, sorted(lock.platforms), [u.line() for u in unmet])
