"""``condapip rebuild``: the environment as it should be, in a fresh prefix.

The seed's rule: rebuild a broken environment, don't repair it. (Relinking a
package pip clobbered does not repair it either.) The spec comes from the
records: conda packages by exact URL, pip's own dists by exact pin, and for a
conda package pip overwrote, the conda version that was lost. After a killed
condapip, the pending snapshot is the spec.

The old prefix is renamed to ``<prefix>.condapip-old`` and the new one built
at the real path, because conda packages and pip's scripts bake their prefix
into files: a prefix built elsewhere and renamed would point at the wrong
place. The old one is removed only after the new one passed its check; on any
failure it is renamed back.
"""

from __future__ import annotations

import shlex
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from condapip.change import journal, pip_resolve, signals, state, transaction
from condapip.change.engines import conda_engine, pip_engine
from condapip.change.plan import Row
from condapip.change.result import Changed, Plan, versions_to
from condapip.commands._shared import command_line, refuse_base
from condapip.errors import CondapipError, Refused
from condapip.ledger.journal import Journal, journal_path, old_path, pending, set_aside
from condapip.ledger.prefix import Prefix, interpreter, read_prefix
from condapip.support import proc
from condapip.support.output import Confirm
from condapip.support.progress import step


def run(
    *,
    name: str | None,
    prefix: str | None,
    drop: Sequence[str] = (),
    engine: str = "rattler",
    pip_engine_name: str | None = None,
    dry_run: bool,
    confirm: Confirm,
    argv: list[str] | None = None,
) -> Changed:
    from condapip.ledger.locate import resolve

    # The real path: a symlinked prefix is rebuilt in its target, and the link stays.
    prefix_path = transaction.real(resolve(name, prefix))
    conda = conda_engine(engine)
    pip = pip_engine(pip_engine_name)
    with transaction.locked(prefix_path):
        # planned from what recovery will leave, and recovered only once the user said yes
        found = read_prefix(recovery_source(prefix_path))
        refuse_base(found)
        snap = transaction.readable_interrupted(found.path)
        target = snap.state if snap is not None else state.capture(found)
        why = f"snapshot before: {snap.command}" if snap is not None else "as recorded"
        target, rows = fitted(found, target, drop, pip, why)
        shown = Plan(f"Rebuild {prefix_path} as", rows, versions=versions_to(found, target))
        if dry_run:
            return Changed(shown, None)
        confirm(shown, "Proceed?")
        with signals.raising():
            try:
                recover(prefix_path)
                _rebuild(prefix_path, target, conda, pip, argv)
            except signals.Interrupted as sig:  # between phases: the journal says where
                raise CondapipError(
                    f"interrupted by {sig.name}: the rebuild of {prefix_path} was cut short; "
                    f"run condapip rebuild -p {prefix_path} to finish it",
                    exit_code=sig.code,
                ) from None
    return Changed(shown, f"rebuilt: {prefix_path}")


def fitted(
    found: Prefix, target: state.EnvState, drop: Sequence[str], pip: Any, why: str
) -> tuple[state.EnvState, list[Row]]:
    """The target with ``drop`` taken out and every pip dist at a version that fits
    beside the conda layer, decided before anything moves (a dry run too).

    A pip dist whose version cannot stay is moved to one pip finds that fits;
    when none does, the rebuild is refused naming it, with ``--drop`` as the
    way out: a rebuild never leaves out a package the user did not name.
    """
    dropped = {canonicalize_name(n) for n in drop}
    layer = {p.name: p for p in target.pip}
    unknown = sorted(dropped - layer.keys())
    if unknown:
        raise CondapipError(
            f"--drop {unknown[0]}: not a pip package of {found.path} "
            f"(pip's: {', '.join(sorted(layer)) or 'none'})"
        )
    kept = {n: p.requirement for n, p in layer.items() if n not in dropped}
    pins = pip_resolve.solved_pins(found, target.conda)
    try:
        with step("checking the pip layer against the conda layer"):
            wanted = pip_resolve.fit(found, pins, kept, pip) if kept else {}
    except pip_resolve.Unfit as exc:
        raise Refused(_way_out(found.path, exc, drop)) from None
    pins_after = tuple(
        p if wanted[p.name] == p.requirement else _moved(p, wanted[p.name])
        for p in target.pip
        if p.name in wanted
    )
    requests = {k: v for k, v in target.pip_requests.items() if k not in dropped}
    rows = [Row(p.name, "conda", f"{p.url}", p.url) for p in target.conda]
    for p in target.pip:
        if p.name in dropped:
            rows.append(Row(p.name, "pip", f"dropped: {p.requirement} (--drop)", ""))
        elif wanted[p.name] != p.requirement:
            note = f"{wanted[p.name]} (was {p.version}: the version that fits the conda layer)"
            rows.append(Row(p.name, "pip", note, wanted[p.name]))
        else:
            rows.append(Row(p.name, "pip", f"{p.requirement} ({why})", p.requirement))
    return replace(target, pip=pins_after, pip_requests=requests), rows


def _moved(pin: state.PipPin, requirement: str) -> state.PipPin:
    return state.PipPin(pin.name, requirement.partition("==")[2], requirement)


def _way_out(prefix: Path, exc: pip_resolve.Unfit, drop: Sequence[str]) -> str:
    """The refusal, and the one command that goes ahead without what cannot stay."""
    again = ["condapip", "rebuild", "-p", str(prefix)]
    for name in [*drop, *exc.culprits]:
        again += ["--drop", name]
    if not exc.culprits:
        return f"{exc.detail}; nothing was changed"
    names = ", ".join(exc.culprits)
    return (
        f"{exc.detail}; no version of {names} that pip can install fits beside the conda "
        f"layer, and nothing was changed. To rebuild without {names}: {shlex.join(again)}"
    )


def _rebuild(
    prefix: Path, target: state.EnvState, conda: Any, pip: Any, argv: list[str] | None
) -> None:
    """Set the old prefix aside (its journal with it), build, check, then drop the old."""
    old = old_path(prefix)
    log = journal.Tracker(journal.begin(prefix, "rebuild", command_line(argv)))
    log.phase("set-aside")
    prefix.rename(old)
    log.journal = journal.moved(log.journal, old)
    try:
        log.phase("build")
        with step(f"building a fresh {prefix} ({len(target.conda)} conda packages)", spinner=False):
            state.apply(prefix, target, conda, pip, exact=False, argv=argv)
        log.phase("check")
        with step("checking the new environment"):
            check(prefix)
    except BaseException as exc:
        shutil.rmtree(prefix, ignore_errors=True)
        old.rename(prefix)
        journal.finish(journal.moved(log.journal, prefix))
        if isinstance(exc, signals.Interrupted):
            raise CondapipError(
                f"interrupted by {exc.name}: {prefix} is as it was before the rebuild; "
                "nothing to do (run the command again to retry it)",
                exit_code=exc.code,
            ) from None
        if isinstance(exc, CondapipError):
            raise CondapipError(
                f"rebuild failed, {prefix} is as it was: {exc}", exit_code=exc.exit_code
            ) from None
        raise
    log.phase("remove-old")
    keep_snapshots(old, prefix)
    with step(f"removing the old environment ({old.name})"):
        remove_old(old)


def recovery_source(prefix: Path) -> Path:
    """The prefix a rebuild cut short leaves once ``recover`` ran: the old copy while
    its journal says it is still the truth, else ``prefix``. Changes nothing; an old
    copy no condapip journal vouches for is refused here, before anything is asked."""
    aside = _aside(prefix)
    return old_path(prefix) if aside is not None and aside.phase != "remove-old" else prefix


def _aside(prefix: Path) -> Journal | None:
    old = old_path(prefix)
    if not old.exists() and not old.is_symlink():
        return None
    log = None if old.is_symlink() else set_aside(prefix)
    if log is None:
        raise Refused(
            f"{old} exists, and no condapip journal says it is the old copy of a rebuild: "
            f"condapip will not trust it nor touch {prefix}; move it away, then rerun"
        )
    return log


def recover(prefix: Path) -> None:
    """Finish or undo a rebuild that was cut short; never trust an old copy without a journal."""
    old = old_path(prefix)
    aside = _aside(prefix)
    if aside is None:
        stale = pending(prefix)
        if stale is not None and stale.verb == "rebuild":  # killed before setting aside
            journal.finish(stale)
        return
    if aside.phase == "remove-old":
        # the new prefix had passed its check: only the old copy's removal was cut short
        with step(f"finishing the removal of {old.name}, left by a rebuild cut short"):
            remove_old(old)
        return
    with step(f"putting back {prefix} as it was before a rebuild cut short"):
        if prefix.is_symlink() or prefix.is_file():
            prefix.unlink()
        elif prefix.exists():
            shutil.rmtree(prefix)
        old.rename(prefix)
        journal.finish(journal.moved(aside, prefix))


def keep_snapshots(old: Path, new: Path) -> None:
    """Completed snapshots survive a rebuild: rollback still goes back past it.

    The new prefix's history is the rebuild's own, so each kept snapshot is
    marked done as of it: a later change by another tool still stops a rollback.
    """
    for snap in transaction.snapshots(old):
        if snap.complete:
            transaction.snapshot_dir(new).mkdir(parents=True, exist_ok=True)
            moved = replace(snap, path=transaction.snapshot_dir(new) / snap.path.name)
            transaction.mark_complete(moved, new)


def remove_old(old: Path) -> None:
    """Remove the old copy with its journal last: a kill midway leaves it still journaled."""
    keep = journal_path(old)
    for folder in (old, old / "conda-meta", keep.parent):
        for child in list(folder.iterdir()) if folder.is_dir() else []:
            if child in (old / "conda-meta", keep.parent, keep):
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    shutil.rmtree(old)


def check(prefix: Path) -> None:
    """The interpreter starts, and the doctor finds no error."""
    started = proc.run([interpreter(prefix), "-c", "import sys"], timeout=proc.QUICK)
    if started.returncode != 0:
        raise Refused(
            f"the new environment's python does not start: {started.stderr.strip()[:300]}"
        )
    from condapip.doctor.diagnose import diagnose

    report = diagnose(prefix)
    # the rebuild's own journal, in the old copy, is not a problem of the new prefix
    errors = [
        f for f in report.findings if f.severity == "error" and f.rule != "interrupted-change"
    ]
    if errors:
        problems = "; ".join(f.message for f in errors)
        raise Refused(f"the new environment is not healthy: {problems}")
