"""``condapip install``: conda first, pip last, the whole change one transaction.

Everything is decided before anything moves: the conda layer is solved, and
the pip layer resolved against that solution (``pip_resolve``); a conflict is
refused then, in seconds, with the prefix untouched. A conda change re-layers
only the pip dists it reaches (same name, a requirement on a changed package,
files where conda's change lands): those are recorded exactly, uninstalled,
the conda change applied, and reinstalled with exact pins on top. conda never
links over pip's files, and pip never replaces what conda owns.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from condapip.change import conda_layer, pip_layer, plan, state, transaction
from condapip.change.engines import conda_engine, pip_engine
from condapip.change.engines.base import CondaEngine, PipEngine, SolvedPackage
from condapip.change.pip_resolve import Unfit
from condapip.change.relayer import Relayer, check_pip_layer, urls
from condapip.change.result import Changed, Plan, conda_versions, pip_versions
from condapip.commands._shared import command_line, refuse_base, refuse_interrupted
from condapip.errors import CondapipError, Refused
from condapip.ledger import channels as channel_resolver
from condapip.ledger.prefix import Prefix, read_prefix
from condapip.ledger.specs import check_pip_requirement
from condapip.support.output import Confirm
from condapip.support.progress import step


def run(
    *,
    specs: Sequence[str],
    name: str | None,
    prefix: str | None,
    channels: Sequence[str] = (),
    pip_only: Sequence[str] = (),
    engine: str = "rattler",
    pip_engine_name: str | None = None,
    drop: Sequence[str] = (),
    dry_run: bool,
    confirm: Confirm,
    argv: list[str] | None = None,
) -> Changed:
    from condapip.ledger.locate import resolve

    requests = plan.parse(specs)  # a hostile spec is bad input before anything else runs
    for request in requests:
        if request.channel_pinned:  # its channel:: checked now, as the solve will
            channel_resolver.spec_channel(request.text)
    for pip_name in pip_only:
        check_pip_requirement(pip_name)
    found = _existing(transaction.real(resolve(name, prefix)))
    conda = conda_engine(engine)
    pip = pip_engine(pip_engine_name)
    with transaction.locked(found.path):
        refuse_interrupted(found.path)
        found = read_prefix(found.path)  # as it is now that we hold the lock
        state.check_repairable(found)
        chans = channel_resolver.for_verb(command_line=channels, prefix=found.path)
        with step("planning: which packages a channel has"):
            rows = plan.route(requests, chans, pip_only)
        plan.refuse_both_layers(rows)
        conda_specs, pip_requests = plan.split(rows)
        solution = None
        if conda_specs:  # solved in a dry run too: it checks what the real run checks
            with step("solving the conda layer"):
                solution = conda_layer.solve(conda, found.path, chans, conda_specs)
        versions = conda_versions(found.records.values(), solution) if solution else []
        shown = Plan(f"Plan for {found.path}", rows, versions=versions, channels=chans)
        dropped = _dropped(found, drop)
        same = solution is None or urls(solution) == urls(found.records.values())
        if same and not dropped and _satisfied(found, pip_requests):
            return Changed(shown, f"nothing to do: {found.path} already has what was asked")
        try:
            relayer = check_pip_layer(found, solution, conda_specs, pip_requests, pip, dropped)
        except Unfit as exc:
            raise _way_out(found, exc, argv) from None
        have = {d.key: d.version for d in found.dists if d.key in relayer.would or d.key in dropped}
        shown = replace(shown, versions=[*versions, *pip_versions(have, relayer.would)])
        if dry_run:
            return Changed(shown, None)
        confirm(shown, "Proceed?")
        _change(found, shown, solution, relayer, conda, pip, argv)
    return Changed(shown, f"done: {found.path}")


def _existing(prefix_path: Path) -> Prefix:
    if not (prefix_path / "conda-meta").is_dir():
        # as conda says it; install never creates an environment
        raise CondapipError(
            f"environment does not exist: {prefix_path} "
            f"(make it with condapip create -p {prefix_path} -f environment.yml)"
        )
    found = read_prefix(prefix_path)
    refuse_base(found)
    return found


def _dropped(found: Prefix, drop: Sequence[str]) -> list[str]:
    """``--drop`` names, each a pip package of the prefix (else bad input)."""
    from packaging.utils import canonicalize_name

    layer = {p.name for p in state.pip_pins(found, only_pip=True)}
    names: list[str] = [canonicalize_name(n) for n in drop]
    for name in names:
        if name not in layer:
            raise CondapipError(
                f"--drop {name}: not a pip package of {found.path} "
                f"(pip's: {', '.join(sorted(layer)) or 'none'})"
            )
    return names


def _way_out(found: Prefix, exc: Unfit, argv: list[str] | None) -> Refused:
    """The refusal, with the one command that goes ahead without the pip packages
    that cannot stay, when they are installed ones."""
    installed = {p.name for p in state.pip_pins(found, only_pip=True)}
    blocking = [name for name in exc.culprits if name in installed]
    if blocking:
        again = command_line(argv) + "".join(f" --drop {name}" for name in blocking)
        names = ", ".join(blocking)
        return Refused(
            f"{exc.detail}; nothing was changed. To go ahead without the pip package(s) "
            f"{names}: {again}"
        )
    if exc.needs:  # the request's own need: conda moves, if a channel has the version
        again = command_line(argv) + "".join(f" {shlex.quote(n)}" for n in exc.needs)
        return Refused(
            f"{exc.detail}; nothing was changed. To ask conda for that version too "
            f"(it changes nothing if no channel has it): {again}"
        )
    return exc


def _change(
    found: Prefix,
    shown: Plan,
    solution: list[SolvedPackage] | None,
    relayer: Relayer,
    conda: CondaEngine,
    pip: PipEngine,
    argv: list[str] | None,
) -> None:
    """Change both layers in one transaction (the prefix lock is held)."""
    conda_specs, pip_requests = plan.split(list(shown.rows))
    with transaction.guard(found, command_line(argv), conda, pip) as change:
        if relayer.aside:
            with step(f"re-layering: setting aside {len(relayer.aside)} pip package(s)"):
                pip_layer.uninstall(found.path, relayer.aside, pip)
            pip_layer.forget_requests(found.path, relayer.dropped)
        if solution is not None:
            changes = urls(solution) != urls(found.records.values())
            change.phase("conda")
            with step("linking the conda layer", spinner=False):
                _apply_conda(conda, found, solution, conda_specs, changes, argv)
        todo = [p.requirement for p in relayer.again] + pip_requests
        if todo:
            change.phase("pip")
            with step(f"installing the pip layer ({len(todo)} requirement(s))"):
                pip_layer.install(found.path, todo, pip)
            pip_layer.record_requests(found.path, pip_requests)


def _satisfied(found: Prefix, requests: list[str]) -> bool:
    """Every pip request is a plain requirement an installed dist already meets."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    have = {d.key: d.version for d in found.dists}
    for text in requests:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            return False
        version = have.get(canonicalize_name(req.name))
        if req.url or version is None or not req.specifier.contains(version, prereleases=True):
            return False
    return True


def _apply_conda(
    conda: CondaEngine,
    prefix: Prefix,
    solution: list[SolvedPackage],
    specs: list[str],
    changes: bool,
    argv: list[str] | None,
) -> None:
    from condapip.ledger.history import append_history, requested_specs

    if changes:
        conda_layer.apply(conda, prefix.path, solution, specs, argv=argv)
        return
    # Nothing to link, but the request is remembered for later solves, as conda does.
    known = set(requested_specs(prefix.history).values())
    if not set(specs) <= known:
        append_history(prefix.path, added=(), removed=(), update_specs=specs, argv=argv)
