"""Apply a conda transaction to a prefix and record it in conda's history."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from condapip.change import at_rest
from condapip.change.engines.base import CondaChange, CondaEngine, SolvedPackage
from condapip.ledger.credentials import spec_for_fetch
from condapip.ledger.history import amend_last, append_history, read_history, requested_specs


def solve(
    engine: CondaEngine, prefix: Path, channels: Sequence[str], specs: Sequence[str]
) -> list[SolvedPackage]:
    """Solve the prefix's earlier requests together with ``specs``."""
    from condapip.ledger.specs import spec_name

    # history keeps a spec's channel without its credential: the condarc's, for the fetch
    earlier = requested_specs(read_history(prefix / "conda-meta" / "history"))
    wanted = {name: spec_for_fetch(spec) for name, spec in earlier.items()}
    if not wanted:
        # No history (an env made by rattler, pixi or by hand): everything installed
        # counts as asked for, or the solve would drop it all.
        wanted = {name: name for name in _installed_names(prefix)}
    for spec in specs:
        wanted[spec_name(spec)] = spec
    return engine.solve(prefix, channels, list(wanted.values()))


def apply(
    engine: CondaEngine,
    prefix: Path,
    packages: Sequence[SolvedPackage],
    specs: Sequence[str],
    argv: list[str] | None = None,
) -> CondaChange:
    """Install ``packages`` exactly and append a history entry for ``specs``."""
    history = prefix / "conda-meta" / "history"
    entries = len(read_history(history))
    change = at_rest.install(engine, prefix, packages)
    if len(read_history(history)) > entries:
        # a conda executable wrote its own entry: one entry per change, as conda's
        amend_last(prefix, update_specs=specs, argv=argv)
    elif not change.empty or specs:
        append_history(
            prefix, added=change.added, removed=change.removed, update_specs=specs, argv=argv
        )
    return change


def _installed_names(prefix: Path) -> list[str]:
    from condapip.ledger.records import read_records

    meta = prefix / "conda-meta"
    return sorted(read_records(meta)) if meta.is_dir() else []
