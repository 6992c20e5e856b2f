"""How far a prefix has drifted from what its environment file or lock asks for.

``check`` judges here; the file and the lock are read above (``formats``) and
handed down as plain wants, so this module needs only the two ledgers. A file
is satisfied by what matches its specs; a lock only by exactly what it pins.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from condapip.ledger.dists import Dist
from condapip.ledger.names import conda_to_pypi, pypi_to_conda
from condapip.ledger.platform import prefix_marker_environment
from condapip.ledger.prefix import Prefix
from condapip.ledger.records import CondaRecord
from condapip.ledger.specs import applicable_requirements, spec_name

Kind = Literal["missing", "version", "build", "layer", "source", "extra"]
Layer = Literal["conda", "pip"]
# what a conda environment holds without anyone asking for it
_TOOLING = frozenset({"pip", "setuptools", "wheel"})


@dataclass(frozen=True)
class Drift:
    """One way the prefix differs from its file or lock."""

    kind: Kind
    layer: Layer  # the layer the file or lock puts the package in
    name: str
    wanted: str
    found: str


@dataclass(frozen=True)
class WantedPip:
    """One pip requirement of a file: a PEP 508 line, or a local path (``name`` unknown)."""

    text: str
    name: str | None
    path_url: str | None = None  # file:// URL of a local path requirement


@dataclass(frozen=True)
class PinnedConda:
    name: str
    version: str
    build: str
    sha256: str | None


@dataclass(frozen=True)
class PinnedPip:
    name: str
    version: str
    url: str | None  # a direct artifact (not an index's), or a VCS repository
    commit: str | None


def against_file(
    prefix: Prefix, conda: Sequence[str], pip: Sequence[WantedPip], *, strict: bool
) -> list[Drift]:
    """Each conda spec and pip requirement the prefix does not satisfy; with ``strict``,
    also every package that nothing the file asks for needs."""
    pip_layer = _pip_layer(prefix)
    out = [d for spec in conda if (d := _conda_spec(prefix, pip_layer, spec)) is not None]
    env = prefix_marker_environment(prefix)
    for want in pip:
        if want.name is None:
            out += _local_path(pip_layer, want)
            continue
        req = Requirement(want.text)
        if req.marker is None or req.marker.evaluate(env):
            out += _pip_requirement(prefix, pip_layer, want.name, req)
    if strict:
        roots = [spec_name(s) for s in conda] + [w.name for w in pip if w.name]
        out += _extras(prefix, pip_layer, _needed(prefix, roots, env))
    return out


def against_lock(
    prefix: Prefix, conda: Sequence[PinnedConda], pip: Sequence[PinnedPip]
) -> list[Drift]:
    """Every difference from the lock's exact pins, extras included."""
    pip_layer = _pip_layer(prefix)
    out: list[Drift] = []
    for want in conda:
        rec = prefix.records.get(want.name)
        wanted = f"{want.name} {want.version} {want.build}"
        if rec is None:
            out.append(_absent("conda", want.name, wanted, pip_layer.get(conda_to_pypi(want.name))))
        elif (over := _replaced(prefix, rec)) is not None:
            out.append(_over(want.name, wanted, over))
        elif rec.version != want.version:
            out.append(Drift("version", "conda", want.name, wanted, _conda_found(rec)))
        elif rec.build != want.build:
            out.append(Drift("build", "conda", want.name, wanted, _conda_found(rec)))
        elif want.sha256 and rec.sha256 and want.sha256 != rec.sha256:
            found = f"sha256 {rec.sha256[:12]}..., locked {want.sha256[:12]}..."
            out.append(Drift("source", "conda", want.name, wanted, found))
    for pinned in pip:
        out += _pinned_pip(prefix, pip_layer, pinned)
    locked = {c.name for c in conda} | {canonicalize_name(p.name) for p in pip}
    locked |= {conda_to_pypi(c.name) for c in conda}
    out += _extras(prefix, pip_layer, locked)
    return out


def _pip_layer(prefix: Prefix) -> dict[str, Dist]:
    """pip's own dists (not a conda package's dist-info), by normalized name."""
    return {d.key: d for d in prefix.pip_dists}


def _conda_found(rec: CondaRecord) -> str:
    return f"{rec.name} {rec.version} {rec.build}"


def _absent(layer: Layer, name: str, wanted: str, other: Dist | CondaRecord | None) -> Drift:
    """A package the wanted layer lacks: a ``layer`` drift if the other layer has it."""
    if isinstance(other, Dist):
        return Drift("layer", layer, name, wanted, f"{other.name} {other.version} (pip)")
    if isinstance(other, CondaRecord):
        return Drift("layer", layer, name, wanted, f"{_conda_found(other)} (conda)")
    return Drift("missing", layer, name, wanted, "none")


def _replaced(prefix: Prefix, rec: CondaRecord) -> Dist | None:
    """pip's copy over a conda package: then conda's record no longer says what is there."""
    for dist in prefix.dists_by_key.get(conda_to_pypi(rec.name), ()):
        if prefix.owners[dist.path] == ("pip-over-conda", rec):
            return dist
    return None


def _over(name: str, wanted: str, dist: Dist) -> Drift:
    return Drift("layer", "conda", name, wanted, f"{dist.name} {dist.version} (pip, over conda's)")


def _conda_spec(prefix: Prefix, pip_layer: dict[str, Dist], spec: str) -> Drift | None:
    import rattler

    ms = rattler.MatchSpec(spec, strict=False)
    name = ms.name.normalized
    rec = prefix.records.get(name)
    if rec is None:
        return _absent("conda", name, spec, pip_layer.get(conda_to_pypi(name)))
    over = _replaced(prefix, rec)
    if over is not None:
        return _over(name, spec, over)
    if ms.version and not rattler.VersionSpec(ms.version, strict=False).matches(
        rattler.Version(rec.version)
    ):
        return Drift("version", "conda", name, spec, _conda_found(rec))
    if ms.build and not fnmatch.fnmatchcase(rec.build, ms.build):
        return Drift("build", "conda", name, spec, _conda_found(rec))
    return None


def _pip_requirement(
    prefix: Prefix, pip_layer: dict[str, Dist], name: str, req: Requirement
) -> list[Drift]:
    dist = pip_layer.get(name)
    if dist is None:
        rec = prefix.python_records.get(name) or prefix.records.get(pypi_to_conda(name))
        return [_absent("pip", name, str(req), rec)]
    found = f"{dist.name} {dist.version}"
    if req.url:
        if not _same_source(req.url, dist):
            return [Drift("source", "pip", name, str(req), f"{found} from {dist.source}")]
        return []
    if req.specifier and not req.specifier.contains(dist.version, prereleases=True):
        return [Drift("version", "pip", name, str(req), found)]
    return []


def _same_source(url: str, dist: Dist) -> bool:
    """Whether pip's record of where ``dist`` came from is the URL asked for: the same
    artifact, or the same repository and, when the URL names a revision, that one (a
    branch or tag as pip was asked for it, or a commit or its prefix)."""
    du = dist.direct_url or {}
    vcs = du.get("vcs_info")
    want = url.split("#", 1)[0]
    if vcs is None:
        return want == str(du.get("url", "")).split("#", 1)[0]
    repo, rev = _revision(want)
    if repo.rstrip("/") != f"{vcs.get('vcs', 'git')}+{du.get('url', '')}".rstrip("/"):
        return False
    commit = str(vcs.get("commit_id", ""))
    return not rev or rev == vcs.get("requested_revision") or commit.startswith(rev)


def _revision(url: str) -> tuple[str, str]:
    """A VCS URL and the revision after its path's ``@`` (``git+ssh://git@host/r.git``
    names none: that ``@`` belongs to the user)."""
    path = url.partition("://")[2].partition("/")[2]
    if "@" not in path:
        return url, ""
    repo, _, rev = url.rpartition("@")
    return repo, rev


def _local_path(pip_layer: dict[str, Dist], want: WantedPip) -> list[Drift]:
    if any((d.direct_url or {}).get("url") == want.path_url for d in pip_layer.values()):
        return []
    return [Drift("missing", "pip", want.text, want.text, "no dist installed from that path")]


def _pinned_pip(prefix: Prefix, pip_layer: dict[str, Dist], pinned: PinnedPip) -> list[Drift]:
    key = canonicalize_name(pinned.name)
    wanted = f"{key}=={pinned.version}" if pinned.version else f"{key} @ {pinned.url}"
    dist = pip_layer.get(key)
    if dist is None:
        rec = prefix.python_records.get(key) or prefix.records.get(pypi_to_conda(key))
        return [_absent("pip", key, wanted, rec)]
    found = f"{dist.name} {dist.version}"
    if pinned.version and dist.version != pinned.version:  # none: a source tree uv locked
        return [Drift("version", "pip", key, wanted, found)]
    du = dist.direct_url or {}
    commit = (du.get("vcs_info") or {}).get("commit_id")
    if pinned.commit and commit != pinned.commit:
        return [Drift("source", "pip", key, f"{wanted} @ {pinned.commit}", f"{found} @ {commit}")]
    if pinned.url and not pinned.commit and du.get("url") and du["url"] != pinned.url:
        return [
            Drift("source", "pip", key, f"{wanted} from {pinned.url}", f"{found} from {du['url']}")
        ]
    return []


def _needed(prefix: Prefix, roots: Iterable[str], env: dict[str, str]) -> set[str]:
    """Every conda name and pip key reachable from ``roots`` through depends and requires."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        rec = prefix.records.get(name)
        if rec is not None:
            todo += [spec_name(d) for d in rec.depends]
            todo.append(conda_to_pypi(name))
        for dist in prefix.dists_by_key.get(canonicalize_name(name), ()):
            todo += list(_requires(dist, env))
            todo.append(pypi_to_conda(dist.key))
    return seen


def _requires(dist: Dist, env: dict[str, str]) -> Iterator[str]:
    return (canonicalize_name(r.name) for r in applicable_requirements(dist.requires, env))


def _extras(prefix: Prefix, pip_layer: dict[str, Dist], needed: set[str]) -> list[Drift]:
    out = [
        Drift("extra", "conda", rec.name, "not asked for", _conda_found(rec))
        for rec in sorted(prefix.records.values(), key=lambda r: r.name)
        if rec.name not in needed
    ]
    out += [
        Drift("extra", "pip", key, "not asked for", f"{dist.name} {dist.version}")
        for key, dist in sorted(pip_layer.items())
        if key not in needed and key not in _TOOLING
    ]
    return out
