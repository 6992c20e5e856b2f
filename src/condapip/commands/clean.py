"""``condapip clean``: free the package and wheel caches (condapip's own wheel
downloads too), never an environment."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.change.caches import Cache, find_caches, human, remove, size_of
from condapip.support.output import Block, Confirm, Table

HEADER = ["Cache", "Path", "Before", "After", "Freed", "In use"]


@dataclass(frozen=True)
class Outcome:
    """One cache after a clean (or, in a dry run, as it would be)."""

    cache: Cache
    size_after: int
    errors: tuple[str, ...]


@dataclass(frozen=True)
class Cleaned:
    """Every cache found, before and after (as it would be, in a dry run)."""

    outcomes: list[Outcome]
    dry_run: bool
    exit_code: int = 0

    @property
    def warnings(self) -> Sequence[str]:
        return [error for o in self.outcomes for error in o.errors]

    @property
    def freed(self) -> int:
        return sum(o.cache.size - o.size_after for o in self.outcomes)

    def blocks(self) -> Iterator[Block]:
        if not self.outcomes:
            yield "no conda, rattler, pip, uv or condapip cache found: nothing to free"
            return
        title = "Caches (dry run: nothing removed)" if self.dry_run else "Caches"
        yield Table(title, HEADER, rows(self.outcomes))
        yield f"{'would free' if self.dry_run else 'freed'} {human(self.freed)}"

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "freed": self.freed,
            "caches": [_cache_json(o) for o in self.outcomes],
        }


def run(*, name: str | None, prefix: str | None, dry_run: bool, confirm: Confirm) -> Cleaned:
    from condapip.support.output import status

    status("measuring caches and the envs that link to them...")
    from condapip.demo.wheels import cache_dir

    caches = find_caches(_prefix(name, prefix), own=[cache_dir()])
    plan = Cleaned([Outcome(c, c.size - c.freeable, ()) for c in caches], dry_run=True)
    count = sum(len(c.removable) for c in caches)
    if dry_run:
        return plan
    if count:
        confirm(plan, f"Remove {count} item(s), freeing {human(plan.freed)}?")
    outcomes = []
    for cache in caches:
        errors = remove(cache)
        outcomes.append(Outcome(cache, size_of(cache.path), tuple(errors)))
    return Cleaned(outcomes, dry_run=False)


def _prefix(name: str | None, prefix: str | None) -> Path | None:
    """The env whose pip to ask for its cache dir; none is fine for clean."""
    if not (name or prefix or os.environ.get("CONDA_PREFIX")):
        return None
    from condapip.ledger.locate import resolve

    return resolve(name, prefix)


def rows(outcomes: list[Outcome]) -> list[list[str]]:
    return [
        [
            o.cache.tool,
            str(o.cache.path),
            human(o.cache.size),
            human(o.size_after),
            human(o.cache.size - o.size_after),
            str(len(o.cache.kept)),
        ]
        for o in outcomes
    ]


def _cache_json(o: Outcome) -> dict[str, Any]:
    return {
        "tool": o.cache.tool,
        "path": str(o.cache.path),
        "size_before": o.cache.size,
        "size_after": o.size_after,
        "freed": o.cache.size - o.size_after,
        "remove": [
            {"path": str(e.path), "kind": e.kind, "size": e.size} for e in o.cache.removable
        ],
        "kept": [str(p) for p in o.cache.kept],
        "errors": list(o.errors),
    }
