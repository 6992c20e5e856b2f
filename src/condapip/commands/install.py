"""``condapip install``: conda first, pip last, the whole change one transaction.

A conda change in an environment that already has a pip layer re-layers it:
the pip layer is recorded exactly, uninstalled, the conda change applied, and
the pip layer reinstalled with exact pins on top. conda never links over
pip's files, and pip never replaces what conda owns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from condapip.change import conda_layer, pip_layer, plan, state, transaction
from condapip.change.engines import conda_engine, pip_engine
from condapip.change.engines.base import CondaEngine, SolvedPackage
from condapip.change.plan import Row
from condapip.errors import CondapipError, Refused
from condapip.ledger.prefix import Prefix, read_prefix
from condapip.ledger.specs import check_pip_requirement
from condapip.support.progress import step

# Shows the plan; True goes ahead, False stops (a dry run, or the user said no).
Decide = Callable[[list[Row]], bool]


def run(
    prefix_path: Path,
    specs: Sequence[str],
    *,
    channels: Sequence[str] = (),
    pip_only: Sequence[str] = (),
    engine: str = "rattler",
    pip_engine_name: str | None = None,
    decide: Decide,
    argv: list[str] | None = None,
) -> list[Row]:
    requests = plan.parse(specs)
    for name in pip_only:
        check_pip_requirement(name)
    if not (prefix_path / "conda-meta").is_dir():
        # as conda says it; install never creates an environment
        raise CondapipError(
            f"environment does not exist: {prefix_path} "
            f"(make it with condapip create -p {prefix_path} -f environment.yml)"
        )
    prefix = read_prefix(prefix_path)
    refuse_base(prefix)
    conda = conda_engine(engine)
    pip = pip_engine(pip_engine_name)
    with transaction.locked(prefix.path):
        refuse_interrupted(prefix.path)
        prefix = read_prefix(prefix.path)  # as it is now that we hold the lock
        state.check_repairable(prefix)
        chans = list(channels) or _channels(prefix)
        with step("planning: which packages a channel has"):
            rows = plan.route(requests, chans, pip_only)
        if not decide(rows):
            return rows
        conda_specs, pip_requests = plan.split(rows)
        solution = None
        if conda_specs:
            with step("solving the conda layer"):
                solution = conda_layer.solve(conda, prefix.path, chans, conda_specs)
        with transaction.guard(prefix, _command(argv), conda, pip):
            relayer: list[state.PipPin] = []
            if solution is not None:
                changes = {p.url for p in solution} != {r.url for r in prefix.records.values()}
                if changes and prefix.pip_dists:
                    relayer = state.pip_pins(prefix, only_pip=True)
                    with step(f"re-layering: setting aside {len(relayer)} pip package(s)"):
                        pip_layer.uninstall(prefix.path, [p.name for p in relayer], pip)
                with step("linking the conda layer", spinner=False):
                    _apply_conda(conda, prefix, solution, conda_specs, changes, argv)
            asked = {pip_layer.request_name(r, prefix) for r in pip_requests}
            todo = [p.requirement for p in relayer if p.name not in asked] + pip_requests
            if todo:
                with step(f"installing the pip layer ({len(todo)} requirement(s))"):
                    pip_layer.install(prefix.path, todo, pip)
                pip_layer.record_requests(prefix.path, pip_requests)
    return rows


def refuse_base(prefix: Prefix) -> None:
    from condapip.ledger.locate import is_base

    if is_base(prefix.path, prefix.records):  # type: ignore[arg-type]
        raise Refused(
            f"{prefix.path} is conda's base environment: condapip never changes base "
            "(polluting it can break conda itself); create an environment for this work"
        )


def refuse_interrupted(prefix: Path) -> None:
    snap = transaction.interrupted(prefix)
    if snap is not None:
        raise Refused(
            f"an earlier change ({snap.command}) to {prefix} was interrupted: "
            f"run condapip rollback -p {prefix} or condapip rebuild -p {prefix} first"
        )


def _channels(prefix: Prefix) -> list[str]:
    """The condarc's channels when it sets any, else those the env's packages came from."""
    from collections import Counter

    from condapip.ledger import condarc

    if condarc.effective(prefix.path).get("channels") is None:
        # Most packages first: the env's main channel keeps the top priority.
        used = Counter(r.channel.rstrip("/") for r in prefix.records.values() if r.channel)
        if used:
            return [c for c, _ in used.most_common()]
    return condarc.channels(prefix.path)


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


def _command(argv: list[str] | None) -> str:
    import shlex
    import sys

    return shlex.join(["condapip", *(argv if argv is not None else sys.argv[1:])])
