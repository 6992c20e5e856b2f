"""``condapip clean``: free the package and wheel caches, never an environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.change.caches import Cache, find_caches, human, remove, size_of


@dataclass(frozen=True)
class Outcome:
    """One cache after a clean (or, in a dry run, as it would be)."""

    cache: Cache
    size_after: int
    errors: tuple[str, ...]


def plan(name: str | None, prefix: str | None) -> list[Cache]:
    from condapip.support.output import status

    status("measuring caches and the envs that link to them...")
    return find_caches(_prefix(name, prefix))


def _prefix(name: str | None, prefix: str | None) -> Path | None:
    """The env whose pip to ask for its cache dir; none is fine for clean."""
    if not (name or prefix or os.environ.get("CONDA_PREFIX")):
        return None
    from condapip.ledger.locate import resolve

    return resolve(name, prefix)


def execute(caches: list[Cache], *, dry_run: bool) -> list[Outcome]:
    if dry_run:
        return [Outcome(c, c.size - c.freeable, ()) for c in caches]
    outcomes = []
    for cache in caches:
        errors = remove(cache)
        outcomes.append(Outcome(cache, size_of(cache.path), tuple(errors)))
    return outcomes


def freeable(caches: list[Cache]) -> tuple[int, int]:
    """How many entries would go, and how many bytes that frees."""
    return sum(len(c.removable) for c in caches), sum(c.freeable for c in caches)


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


HEADER = ["Cache", "Path", "Before", "After", "Freed", "In use"]


def as_json(outcomes: list[Outcome], *, dry_run: bool) -> dict[str, Any]:
    return {
        "dry_run": dry_run,
        "freed": sum(o.cache.size - o.size_after for o in outcomes),
        "caches": [
            {
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
            for o in outcomes
        ],
    }
