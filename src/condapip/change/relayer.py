"""The pip dists a conda change reaches, and the pip layer resolved against conda's
solution before anything moves: what ``install`` and ``sync`` decide first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from condapip.change import pip_layer, pip_resolve, reach, state
from condapip.change.engines.base import PipEngine, SolvedPackage
from condapip.ledger.prefix import Prefix
from condapip.ledger.records import CondaRecord
from condapip.ledger.specs import spec_name
from condapip.support.progress import step
from condapip.support.redact import store_url


def urls(packages: Iterable[SolvedPackage | CondaRecord]) -> set[str]:
    # as records keep them: a solve's URLs carry the channel's credentials
    return {store_url(p.url) for p in packages}


@dataclass(frozen=True)
class Relayer:
    """The pip dists a conda change reaches: set aside before conda links, and
    those of them the user did not ask of either layer now, laid again after."""

    aside: list[str]
    again: list[state.PipPin]
    would: dict[str, str] = field(default_factory=dict)  # what pip would install: name -> version
    dropped: list[str] = field(default_factory=list)  # asked to go (--drop): set aside, not again


def check_pip_layer(
    found: Prefix,
    solution: list[SolvedPackage] | None,
    conda_specs: list[str],
    pip_requests: list[str],
    pip: PipEngine,
    dropped: Sequence[str] = (),
) -> Relayer:
    """Resolve the pip layer against conda's solution before anything moves (a dry
    run too): a conflict is refused here, exit 1. ``dropped`` pip dists go in the
    same change."""
    relayer = Relayer([], [], {})
    pins = pip_resolve.installed_pins(found)
    if solution is not None and urls(solution) != urls(found.records.values()):
        pins = pip_resolve.solved_pins(found, solution)
        reached = reach.touched(found, solution)
        asked = {pip_layer.request_name(r, found) for r in pip_requests}
        asked |= {pip_resolve.conda_key(found, spec_name(s)) for s in conda_specs}
        layer = state.pip_pins(found, only_pip=True)
        relayer = Relayer(
            [p.name for p in layer if p.name in reached],
            [p for p in layer if p.name in reached - asked - set(dropped)],
        )
    if dropped:
        aside = [*relayer.aside, *(n for n in dropped if n not in relayer.aside)]
        relayer = Relayer(aside, relayer.again, {}, list(dropped))
    todo = [p.requirement for p in relayer.again] + pip_requests
    if todo:
        with step("checking the pip layer against the conda layer"):
            whose = "the pip layer" if relayer.again else "the request"
            relayer.would.update(pip_resolve.resolve(found, pins, todo, pip, subject=whose))
    return relayer
