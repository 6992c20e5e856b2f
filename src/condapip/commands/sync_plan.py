"""What ``sync -f FILE`` will do, decided before anything moves.

The one conda solve asks for the file's specs and, without ``--prune``, what
the prefix was asked for before; pip's own dists that move to conda, or that
nothing the file asks for needs (``--prune``), are removed by pip first; the
pip section is laid again when the prefix does not meet it or the conda change
reaches pip's dists, and is resolved against conda's solution here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from condapip.change.engines.base import CondaEngine, PipEngine, SolvedPackage
from condapip.change.plan import Row
from condapip.change.relayer import Relayer, check_pip_layer
from condapip.change.result import Version, conda_versions, pip_versions
from condapip.commands._shared import wanted_pip
from condapip.formats.envfile import EnvSpec
from condapip.formats.layers import PipArtifact
from condapip.ledger.prefix import Prefix
from condapip.ledger.specs import spec_name
from condapip.support.output import Confirm
from condapip.support.progress import step


@dataclass(frozen=True)
class Ask:
    """The command line's choices, passed down whole."""

    prune: bool
    engine: str
    pip_engine_name: str | None
    dry_run: bool
    confirm: Confirm
    argv: list[str] | None


@dataclass
class Work:
    """What a sync will do: empty is nothing to do."""

    rows: list[Row] = field(default_factory=list)
    versions: list[Version] = field(default_factory=list)
    solution: list[SolvedPackage] | None = None  # None: the conda layer stays
    specs: list[str] = field(default_factory=list)  # what conda's history records
    remove_pip: list[str] = field(default_factory=list)  # moved to conda, or pruned
    pip_lines: list[str] = field(default_factory=list)  # laid after conda, constrained
    pip_requests: list[str] = field(default_factory=list)  # remembered for export
    locked_pip: list[PipArtifact] = field(default_factory=list)  # a lock's, installed verbatim
    relayer: Relayer = field(default_factory=lambda: Relayer([], []))

    def __bool__(self) -> bool:
        return bool(
            self.solution is not None or self.remove_pip or self.pip_lines or self.locked_pip
        )


def for_file(found: Prefix, file: Path, ask: Ask, conda: CondaEngine, pip: PipEngine) -> Work:
    from condapip.formats import envfile
    from condapip.ledger.channels import for_verb

    spec = envfile.load(file)
    channels = for_verb(file=spec.channels, file_path=file, prefix=found.path)
    work = Work()
    wanted_pip = _pip_names(spec)
    work.specs = _conda_specs(found, spec, wanted_pip, ask.prune, pip)
    moved_to_conda = _moved_to_conda(found, work.specs)
    with step("solving the conda layer"):
        solution = conda.solve(found.path, channels, work.specs)
    urls = {p.url for p in solution}
    if urls != {p.url for p in found.records.values()}:
        work.solution = solution
        work.versions += conda_versions(found.records.values(), solution)
    work.rows += [Row(spec_name(s), "conda", f"{file.name} dependencies", s) for s in spec.conda]
    work.remove_pip = moved_to_conda + (_pruned_pip(found, spec) if ask.prune else [])
    _pip_work(found, spec, work, pip)
    # what pip lays again shows ``old -> new``; what it only removes, ``- old``
    would = work.relayer.would if work.pip_lines else {}
    have = {d.key: d.version for d in found.dists if d.key in would or d.key in work.remove_pip}
    work.versions += pip_versions(have, would)
    return work


def _pip_names(spec: EnvSpec) -> set[str]:
    section = spec.pip_section
    return {r.name for r in section.all_requirements() if r.name} if section else set()


def _conda_specs(
    found: Prefix, spec: EnvSpec, wanted_pip: set[str], prune: bool, pip: PipEngine
) -> list[str]:
    """What the one solve asks for: the file's specs and, without ``--prune``, what
    the prefix was asked for before; never a package the file now asks pip for."""
    from condapip.ledger.history import requested_specs
    from condapip.ledger.names import conda_to_pypi

    wanted: dict[str, str] = {}
    if not prune:
        wanted = dict(requested_specs(found.history)) or {n: n for n in found.records}
    for s in spec.conda:
        wanted[spec_name(s)] = s
    if spec.pip_section and pip.name == "pip":
        wanted.setdefault("pip", "pip")  # the pip layer runs through the env's own pip
    return [s for n, s in wanted.items() if conda_to_pypi(n) not in wanted_pip]


def _moved_to_conda(found: Prefix, specs: Sequence[str]) -> list[str]:
    """pip's own dists that the conda layer now provides: pip removes them first, as
    rattler cannot link over pip's files."""
    from condapip.ledger.names import conda_to_pypi

    keys = {conda_to_pypi(spec_name(s)) for s in specs}
    return sorted(d.key for d in found.pip_dists if d.key in keys and _pip_owned(found, d.path))


def _pip_owned(found: Prefix, path: Path) -> bool:
    # pip's copy over a conda package holds conda's files: pip never removes those
    return found.owners[path][0] == "pip"


def _pruned_pip(found: Prefix, spec: EnvSpec) -> list[str]:
    """pip's own dists that nothing the file asks for needs."""
    from condapip.doctor.drift import against_file

    wants = wanted_pip(spec.pip_section)
    extras = against_file(found, spec.conda, wants, strict=True)
    keys = {d.name for d in extras if d.kind == "extra" and d.layer == "pip"}
    return sorted(d.key for d in found.pip_dists if d.key in keys and _pip_owned(found, d.path))


def _pip_work(found: Prefix, spec: EnvSpec, work: Work, pip: PipEngine) -> None:
    """The pip section is laid again when the prefix does not meet it, when a conda
    change reaches pip dists, or when a dist moved; pip itself then changes only what
    is unmet, held to conda's versions."""
    from condapip.doctor.drift import against_file

    section = spec.pip_section
    unmet = against_file(found, (), wanted_pip(spec.pip_section), strict=False) if section else []
    lines = section.lines() if section else []
    work.relayer = check_pip_layer(
        found, work.solution, work.specs if work.solution else [], lines, pip
    )
    if section and (unmet or work.solution is not None or work.remove_pip):
        work.pip_lines = lines
        work.pip_requests = [r.line() for r in section.all_requirements()]
        work.rows += [Row(d.name, "pip", f"{d.kind}: {d.found}", d.wanted) for d in unmet]
    if work.relayer.aside and not work.pip_lines:
        work.pip_lines = [p.requirement for p in work.relayer.again]
