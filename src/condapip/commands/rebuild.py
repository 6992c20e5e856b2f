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

import shutil
from pathlib import Path

from condapip.change import state, transaction
from condapip.change.engines import conda_engine, pip_engine
from condapip.change.plan import Row
from condapip.change.result import Changed, Plan
from condapip.commands._shared import refuse_base
from condapip.errors import CondapipError, Refused
from condapip.ledger.prefix import interpreter, read_prefix
from condapip.support import proc
from condapip.support.output import Confirm
from condapip.support.progress import step


def old_path(prefix: Path) -> Path:
    return prefix.with_name(prefix.name + ".condapip-old")


def run(
    *,
    name: str | None,
    prefix: str | None,
    engine: str = "rattler",
    pip_engine_name: str | None = None,
    dry_run: bool,
    confirm: Confirm,
    argv: list[str] | None = None,
) -> Changed:
    from condapip.ledger.locate import resolve

    prefix_path = resolve(name, prefix)
    conda = conda_engine(engine)
    pip = pip_engine(pip_engine_name)
    old = old_path(prefix_path)
    with transaction.locked(prefix_path):
        # A rebuild killed midway left the old environment aside: it is the truth.
        found = read_prefix(old if old.is_dir() else prefix_path)
        refuse_base(found)
        snap = transaction.interrupted(found.path)
        target = snap.state if snap is not None else state.capture(found)
        why = f"snapshot before: {snap.command}" if snap is not None else "as recorded"
        rows = [Row(p.name, "conda", f"{p.url}", p.url) for p in target.conda]
        rows += [Row(p.name, "pip", f"{p.requirement} ({why})", p.requirement) for p in target.pip]
        shown = Plan(f"Rebuild {prefix_path} as", rows)
        if dry_run:
            return Changed(shown, None)
        confirm(shown, "Proceed?")
        if old.is_dir():
            shutil.rmtree(prefix_path, ignore_errors=True)
        else:
            prefix_path.rename(old)
        try:
            with step(
                f"building a fresh {prefix_path} ({len(target.conda)} conda packages)",
                spinner=False,
            ):
                state.apply(prefix_path, target, conda, pip, exact=False, argv=argv)
            with step("checking the new environment"):
                check(prefix_path)
        except BaseException as exc:
            shutil.rmtree(prefix_path, ignore_errors=True)
            old.rename(prefix_path)
            if isinstance(exc, CondapipError):
                raise CondapipError(
                    f"rebuild failed, {prefix_path} is as it was: {exc}", exit_code=exc.exit_code
                ) from None
            raise
        with step(f"removing the old environment ({old.name})"):
            shutil.rmtree(old)
    return Changed(shown, f"rebuilt: {prefix_path}")


def check(prefix: Path) -> None:
    """The interpreter starts, and the doctor finds no error."""
    started = proc.run([interpreter(prefix), "-c", "import sys"], timeout=proc.QUICK)
    if started.returncode != 0:
        raise Refused(
            f"the new environment's python does not start: {started.stderr.strip()[:300]}"
        )
    from condapip.doctor.diagnose import diagnose

    report = diagnose(prefix)
    if not report.healthy():
        problems = "; ".join(f.message for f in report.findings if f.severity == "error")
        raise Refused(f"the new environment is not healthy: {problems}")
