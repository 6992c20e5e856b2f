"""``lock -f FILE``: an environment file locked for several platforms, nothing installed.

Per platform: the file read for that platform (mamba's ``sel()`` entries),
the conda layer solved by rattler with that platform's virtual packages, then
the pip layer resolved by uv beside it. Any failure stops the whole lock, so
nothing is written that holds fewer platforms than were asked for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.change.platform_solve import PlatformSolver, check_platform, purls, virtual_packages
from condapip.errors import CondapipError
from condapip.formats import envfile
from condapip.formats.layers import PipArtifact
from condapip.formats.lock import CondaLocked, Lock, PlatformLock
from condapip.formats.lock_pip import CondaDist, Target, conda_dist, resolve
from condapip.support.progress import working
from condapip.support.redact import redact_url


@dataclass(frozen=True)
class FileLocked:
    """The lock, and rattler's records per platform (a pixi.lock is written from them)."""

    lock: Lock
    records: Mapping[str, tuple[Any, ...]]


def platforms_for(spec: envfile.EnvSpec, asked: Sequence[str]) -> list[str]:
    """``--platform``, else the file's ``platforms:``, else this machine's."""
    from condapip.ledger.platform import current_subdir

    chosen = list(asked) or list(spec.platforms) or [current_subdir()]
    return [check_platform(p) for p in dict.fromkeys(chosen)]


def build(
    file: Path,
    *,
    platforms: Sequence[str] = (),
    virtual: Sequence[str] = (),
    channels: Sequence[str] = (),
    progress: bool = True,
) -> FileLocked:
    """``progress``: a line per platform on a terminal (none in a pipe, nor under --json)."""
    from condapip.ledger.platform import current_subdir

    spec = envfile.load(file)
    chosen = platforms_for(spec, platforms)
    vpkgs = virtual_packages(chosen, virtual)
    from condapip.ledger.channels import for_verb

    # as create -f picks them: -c, else the file's (relative to it), else the condarc's
    use = for_verb(command_line=channels, file=spec.channels, file_path=file)
    solver = PlatformSolver(use)
    out: dict[str, PlatformLock] = {}
    records: dict[str, tuple[Any, ...]] = {}
    for plat in chosen:
        with working(f"locking {plat}", show=progress):
            # mamba's sel() entries are read for the platform being locked
            here = spec if plat == current_subdir() else envfile.load(file, platform=plat)
            solved = solver.solve(plat, list(here.conda), vpkgs[plat]).records
            conda = tuple(_locked(r) for r in solved)
            pip: tuple[PipArtifact, ...] = ()
            if here.pip_section:
                target = Target(plat, _python(solved, plat), vpkgs[plat], plat == current_subdir())
                pip = tuple(resolve(here.pip_section, target, python_dists(solved)))
        virt = tuple(f"{n}={v}" for n, v in sorted(vpkgs[plat].items()))
        out[plat] = PlatformLock(conda=conda, pip=pip, virtual=virt)
        records[plat] = solved
    lock = Lock(
        name=spec.name,
        channels=tuple(redact_url(c)[0] for c in use),
        requested=spec.conda,
        platforms=out,
    )
    return FileLocked(lock, records)


def python_dists(records: Sequence[Any]) -> list[CondaDist]:
    """The conda layer's Python dists: those with PyPI purls, or that need python."""
    out = []
    for rec in records:
        name = rec.name.normalized
        if name in ("python", "python_abi"):
            continue
        named = [p.removeprefix("pkg:pypi/") for p in purls(rec) if p.startswith("pkg:pypi/")]
        needs_python = any(d.split()[0] == "python" for d in rec.depends) or rec.noarch.python
        if named or needs_python:
            dist = conda_dist(name, str(rec.version), named)
            if dist is not None:
                out.append(dist)
    return out


def _python(records: Sequence[Any], platform: str) -> str:
    for rec in records:
        if rec.name.normalized == "python":
            return ".".join(str(rec.version).split(".")[:2])
    raise CondapipError(
        f"the file has a pip section but the conda layer for {platform} has no python"
    )


def _locked(rec: Any) -> CondaLocked:
    return CondaLocked(
        name=rec.name.normalized,
        version=str(rec.version),
        build=str(rec.build),
        subdir=rec.subdir,
        url=redact_url(str(rec.url))[0],
        sha256=rec.sha256.hex() if rec.sha256 else None,
        md5=rec.md5.hex() if rec.md5 else None,
    )
