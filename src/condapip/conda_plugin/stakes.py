"""What a solved conda change does to a prefix's pip layer (no conda needed to ask).

A pip dist is at stake when the change leaves one of its requirements unmet
(judged with the markers of the prefix's own interpreter, so a change that
still satisfies it passes), replaces or adds a conda package of its name, or
writes over or deletes a file its RECORD lists. A prefix that cannot be read,
or whose last change was interrupted, cannot be judged: ``Unjudged``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from condapip.errors import CondapipError

if TYPE_CHECKING:
    from packaging.requirements import Requirement

    from condapip.doctor.findings import Context
    from condapip.ledger.dists import Dist


class Unjudged(CondapipError):
    """The prefix's pip layer could not be read: the guard cannot say the change is safe."""


@dataclass(frozen=True)
class Change:
    """A solved conda transaction, as the guard judges it."""

    removed: Mapping[str, str]  # conda name -> version conda unlinks
    added: Mapping[str, str]  # conda name -> version conda links
    # prefix-relative path -> "name version" of the conda package that writes
    # it (linked) or deletes it (unlinked and not linked again)
    written: Mapping[str, str] = field(default_factory=dict)
    deleted: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stake:
    """One pip dist that loses by the change, and why."""

    pip: str  # "name version" of the pip dist
    package: str  # the conda package the change touches
    requirement: str  # what the pip dist needs: "attrs>=23.1.0", or "its files"
    what: str  # what the change does to it
    fits: str | None = None  # the version specifier that keeps the requirement, if one can


def at_stake(prefix: str, change: Change) -> list[Stake]:
    """Every pip dist the change would break; ``Unjudged`` if that cannot be known."""
    if not (Path(prefix) / "conda-meta").is_dir():
        return []  # a new environment has no pip layer
    ctx = _context(prefix)
    pip_dists = [d for d in ctx.prefix.dists if ctx.installed_by_pip(d)]
    if not pip_dists:
        return []
    stakes = _owned_names(ctx, pip_dists, change) + _requirements(ctx, pip_dists, change)
    taken = {(s.pip, s.package) for s in stakes}
    stakes += [s for s in _files(ctx, pip_dists, change) if (s.pip, s.package) not in taken]
    return sorted(stakes, key=lambda s: (s.pip, s.package))


def _context(prefix: str) -> Context:
    from condapip.doctor.findings import Context
    from condapip.doctor.rules import interrupted_change
    from condapip.ledger.prefix import read_prefix

    try:
        ctx = Context(prefix=read_prefix(prefix))
        interrupted = interrupted_change.check(ctx)
        ctx.world  # noqa: B018 (reads every dist's owner now, inside the try)
    except CondapipError as exc:
        raise Unjudged(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise Unjudged(f"{type(exc).__name__}: {exc}") from None
    if interrupted:
        raise Unjudged(f"{interrupted[0].message}; fix: {interrupted[0].fix}")
    return ctx


def _label(dist: Dist) -> str:
    return f"{dist.name} {dist.version}"


def _how(name: str, change: Change) -> str:
    if name in change.removed and name in change.added:
        return f"{name} would be replaced by {change.added[name]}"
    if name in change.removed:
        return f"{name} would be removed"
    return f"{name} {change.added[name]} would be installed over it"


def _owned_names(ctx: Context, pip_dists: list[Dist], change: Change) -> list[Stake]:
    """conda packages of a pip dist's own name (PyPI's, or conda's for it)."""
    from condapip.ledger.names import pypi_to_conda

    out = []
    for dist in pip_dists:
        names = {dist.key, pypi_to_conda(dist.key)}
        rec = ctx.prefix.owners[dist.path][1]
        if rec is not None:
            names.add(rec.name)
        for name in sorted(names & (set(change.removed) | set(change.added))):
            out.append(Stake(_label(dist), name, "its files", _how(name, change)))
    return out


def _requirements(ctx: Context, pip_dists: list[Dist], change: Change) -> list[Stake]:
    """Requirements the change leaves unmet: removed, or replaced by a version outside them."""
    from condapip.ledger.specs import applicable_requirements

    env = {**ctx.marker_env, "extra": ""}
    conda_name = _conda_names(ctx)
    out = []
    for dist in pip_dists:
        for req in applicable_requirements(dist.requires, env):
            name = conda_name(req.name)
            if name not in change.removed:
                continue  # only what the change takes away or swaps can break
            after = change.added.get(name)
            if after is not None and _fits(req, after):
                continue
            fits = str(req.specifier) if after is not None and req.specifier else None
            out.append(Stake(_label(dist), name, str(req), _how(name, change), fits))
    return out


def _conda_names(ctx: Context) -> Callable[[str], str]:
    """PyPI name -> the conda package that provides it here, else conda's usual name."""
    from packaging.utils import canonicalize_name

    from condapip.ledger.names import pypi_to_conda

    by_dist = {d.key: rec.name for d in ctx.prefix.dists if (rec := ctx.prefix.owners[d.path][1])}

    def name(pypi: str) -> str:
        key = canonicalize_name(pypi)
        return by_dist.get(key) or pypi_to_conda(key)

    return name


def _fits(req: Requirement, version: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return req.specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False  # a version packaging cannot order cannot be shown to fit


def _files(ctx: Context, pip_dists: list[Dist], change: Change) -> list[Stake]:
    """Files pip owns that the change writes over or deletes, one stake per pair."""
    owned = pip_files(ctx.prefix.path, ctx.prefix.site_packages, pip_dists)
    hits: dict[tuple[str, str], list[str]] = {}
    for touched, verb in ((change.written, "write over"), (change.deleted, "delete")):
        for path, package in touched.items():
            dist = owned.get(path)
            if dist is not None:
                hits.setdefault((dist, f"{package}\0{verb}"), []).append(path)
    out = []
    for (dist, key), paths in sorted(hits.items()):
        package, verb = key.split("\0")
        more = f" and {len(paths) - 1} more of its files" if len(paths) > 1 else ""
        what = f"{package} would {verb} {sorted(paths)[0]}{more}"
        out.append(Stake(dist, package.split()[0], "its files", what))
    return out


def pip_files(prefix: Path, site_packages: Path | None, dists: Iterable[Dist]) -> dict[str, str]:
    """Prefix-relative path -> "name version" of the pip dist whose RECORD lists it."""
    from importlib.metadata import PathDistribution

    if site_packages is None:
        return {}
    base, sp = os.path.realpath(prefix), os.path.realpath(site_packages)
    out: dict[str, str] = {}
    for dist in dists:
        for f in PathDistribution(dist.path).files or ():
            full = os.path.normpath(os.path.join(sp, str(f)))
            if full.startswith(base + os.sep):
                out[full[len(base) + 1 :].replace(os.sep, "/")] = _label(dist)
    return out
