"""What a change verb shows before it acts (a plan) and returns after (what it did)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from condapip.change.plan import Row
from condapip.support.output import Block, Table


@dataclass(frozen=True)
class Plan:
    """Rows of (package, layer, why) under a title that names the target prefix."""

    title: str
    rows: Sequence[Row]
    warnings: Sequence[str] = ()
    exit_code: int = 0

    def blocks(self) -> Iterator[Block]:
        rows = [[r.package, r.layer, r.why] for r in self.rows]
        yield Table(self.title, ["package", "layer", "why"], rows)

    def as_json(self) -> dict[str, Any]:
        rows = [{"package": r.package, "layer": r.layer, "why": r.why} for r in self.rows]
        return {"title": self.title, "rows": rows}


@dataclass(frozen=True)
class Changed:
    """A change verb's result: ``done`` says what changed; ``None`` means a dry run."""

    plan: Plan
    done: str | None
    warnings: Sequence[str] = field(default=())
    exit_code: int = 0

    def blocks(self) -> Iterator[Block]:
        if self.done is None:
            yield from self.plan.blocks()
            yield "dry run: nothing was changed"
        else:
            yield self.done

    def as_json(self) -> dict[str, Any]:
        return {**self.plan.as_json(), "dry_run": self.done is None, "done": self.done}
