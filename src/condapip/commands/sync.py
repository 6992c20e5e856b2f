"""``condapip sync``: bring an environment in step with its file or lock.

What ``conda env update -f --prune`` should do: the conda layer changes first,
in one solve; then only the pip dists the file or the conda change reach are
laid again, held to conda's versions. A package that moves between the layers
leaves one and joins the other in the same transaction, and ``--prune`` drops
what nothing the file asks for needs, in both layers, never a conda file
through pip. Everything is decided (pip resolved against conda's solution)
before anything moves, and a sync with nothing to do writes nothing.
"""

from __future__ import annotations

from pathlib import Path

from condapip.change import conda_layer, pip_layer, state, transaction
from condapip.change.engines import conda_engine, pip_engine
from condapip.change.engines.base import CondaEngine, PipEngine
from condapip.change.result import Changed, Plan
from condapip.commands._shared import (
    command_line,
    install_locked_pip,
    refuse_base,
    refuse_interrupted,
)
from condapip.commands.sync_plan import Ask, Work, for_file
from condapip.errors import CondapipError
from condapip.ledger.prefix import Prefix, read_prefix
from condapip.support.output import Confirm
from condapip.support.progress import step


def run(
    *,
    file: Path | None,
    lock_file: Path | None,
    target: Path,
    prune: bool = False,
    engine: str = "rattler",
    pip_engine_name: str | None = None,
    dry_run: bool,
    confirm: Confirm,
    argv: list[str] | None = None,
) -> Changed:
    check_usage(file, lock_file)
    ask = Ask(prune, engine, pip_engine_name, dry_run, confirm, argv)
    found = read_prefix(target)
    refuse_base(found)
    conda, pip = conda_engine(engine), pip_engine(pip_engine_name)
    with transaction.locked(found.path):
        refuse_interrupted(found.path)
        found = read_prefix(found.path)  # as it is now that we hold the lock
        state.check_repairable(found)
        if lock_file is not None:
            from condapip.commands.sync_lock import work_for_lock

            source, work = lock_file, work_for_lock(found, lock_file)
        else:
            assert file is not None
            source, work = file, for_file(found, file, ask, conda, pip)
        shown = Plan(f"Sync {found.path} to {source.name}", work.rows, versions=work.versions)
        if not work:
            return Changed(shown, f"nothing to do: {found.path} already matches {source.name}")
        if dry_run:
            return Changed(shown, None)
        confirm(shown, "Proceed?")
        _apply(found, work, conda, pip, argv)
    return Changed(shown, f"done: {found.path} matches {source.name}")


def check_usage(file: Path | None, lock_file: Path | None) -> None:
    """Exactly one of a file and a lock, judged first (the CLI too, before it looks
    for the prefix), so the same line says so whether the prefix exists or not."""
    if (file is None) == (lock_file is None):
        raise CondapipError("sync takes one of -f FILE or --lock LOCK")


def existing(name: str | None, prefix: str | None) -> Path | None:
    """The prefix to sync (``run``'s target), or None when it does not exist yet (the CLI
    then runs ``create``)."""
    from condapip.ledger.locate import resolve

    try:
        path = transaction.real(resolve(name, prefix))
    except CondapipError:
        if name and not prefix:
            return None  # no environment by that name yet
        raise
    return path if (path / "conda-meta").is_dir() else None


def _apply(
    found: Prefix, work: Work, conda: CondaEngine, pip: PipEngine, argv: list[str] | None
) -> None:
    """Both layers in one transaction (the prefix lock is held): pip's removals and the
    dists the conda change reaches first, then conda, then the pip layer on top."""
    with transaction.guard(found, command_line(argv), conda, pip) as change:
        aside = sorted({*work.remove_pip, *work.relayer.aside})
        if aside:
            with step(f"removing {len(aside)} pip package(s) first"):
                pip_layer.uninstall(found.path, aside, pip)
        if work.solution is not None:
            change.phase("conda")
            with step("linking the conda layer", spinner=False):
                conda_layer.apply(conda, found.path, work.solution, work.specs, argv=argv)
        again = [p.requirement for p in work.relayer.again if p.name not in work.remove_pip]
        todo = again + [line for line in work.pip_lines if line not in again]
        if todo:
            change.phase("pip")
            with step(f"installing the pip layer ({len(todo)} line(s))"):
                pip_layer.install(found.path, todo, pip)
            pip_layer.record_requests(found.path, work.pip_requests)
        if work.locked_pip:
            change.phase("pip")
            with step(f"installing the pip layer ({len(work.locked_pip)} locked artifact(s))"):
                install_locked_pip(found.path, work.locked_pip, pip.name)
