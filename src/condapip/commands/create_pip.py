"""``create -f``: the file's ``pip:`` list resolved against the conda solution, before linking.

The new env's interpreter does not exist yet, so its pip cannot say what it
would install; uv can, through the ``uv pip compile`` that ``lock -f`` runs,
here for this machine, with the solution's Python dists offered as installed.
A list that cannot be met, or that would replace a conda package, is refused
then, in a dry run as in the real run, whichever engine solved the conda layer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from condapip.change.engines.base import SolvedPackage, with_spec_channels
from condapip.change.plan import channel_records, pypi_projects
from condapip.errors import CondapipError
from condapip.formats.lock_pip import CondaDist, Target, conda_dist, resolve, uv_executable
from condapip.support.progress import step

if TYPE_CHECKING:
    from condapip.formats.layers import PipArtifact
    from condapip.formats.pip_requirements import PipSection


def resolve_section(
    section: PipSection,
    solution: Sequence[SolvedPackage],
    channels: Sequence[str],
    specs: Sequence[str],
) -> list[PipArtifact]:
    """What the pip layer would install on top of ``solution``, or a refusal naming why."""
    from condapip.ledger.platform import current_subdir

    try:
        uv_executable()
    except CondapipError:
        raise CondapipError(
            "create -f resolves the file's pip: list with uv before anything is linked, "
            "and uv is not installed: pip install uv"
        ) from None
    target = Target(current_subdir(), _python(solution), _host_virtual(), host=True)
    with step("resolving the pip layer against it"):
        return resolve(section, target, conda_dists(solution, channels, specs))


def conda_dists(
    solution: Sequence[SolvedPackage], channels: Sequence[str], specs: Sequence[str]
) -> list[CondaDist]:
    """The solution's Python dists, by PyPI name, as the channels' repodata tells them.

    A package whose ``purls`` name PyPI projects is those projects; one without
    purls that needs Python is its name's (the name table's, else its own);
    the rest (C libraries, conda's ``graphviz``) are no PyPI dist at all.
    """
    sources, _ = with_spec_channels(channels, specs)  # a spec's own channel:: too
    found = channel_records(sources, sorted({p.name for p in solution}))
    out = []
    for pkg in solution:
        if pkg.name in ("python", "python_abi"):
            continue
        same = (pkg.version, pkg.build)
        records = [r for r in found.get(pkg.name, ()) if _version_build(r) == same]
        projects = sorted(pypi_projects(records))
        if not projects and not any(_needs_python(r) for r in records):
            continue
        for named in [[p] for p in projects] or [[]]:
            dist = conda_dist(pkg.name, pkg.version, named)
            if dist is not None:
                out.append(dist)
    return out


def _version_build(record: Mapping[str, Any]) -> tuple[str, str]:
    return str(record.get("version")), str(record.get("build"))


def _needs_python(record: Mapping[str, Any]) -> bool:
    depends = [str(d).split() for d in record.get("depends") or ()]
    return record.get("noarch") == "python" or any(d and d[0] == "python" for d in depends)


def _python(solution: Sequence[SolvedPackage]) -> str:
    for pkg in solution:
        if pkg.name == "python":
            return ".".join(pkg.version.split(".")[:2])
    raise CondapipError(
        "the file has a pip: list but its conda layer has no python: add python to its dependencies"
    )


def _host_virtual() -> dict[str, str]:
    """This machine's virtual packages, as the conda layer's solve read them: uv picks
    wheels for the same glibc or macOS."""
    from condapip.change.platform_solve import default_virtual
    from condapip.ledger.platform import current_subdir, host_virtual_versions

    return default_virtual(current_subdir()) | host_virtual_versions()
