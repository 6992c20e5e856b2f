"""``condapip demo``: the numpy/scipy story, each step checking itself."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.demo.story import Step, printer, run_demo
from condapip.support.output import Block


@dataclass(frozen=True)
class Told:
    """The steps run; exit 1 when any did not behave as the story says."""

    steps: list[Step]
    warnings: Sequence[str] = ()

    @property
    def failed(self) -> list[str]:
        return [s.title for s in self.steps if not s.ok]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def failure(self, *, json: bool) -> str | None:
        """The one line for stderr, if a step failed."""
        if self.failed and len(self.steps) == 1:
            # the printer showed why, unless under --json
            notes = self.steps[0].notes
            reason = notes[-1].removeprefix("UNEXPECTED: ") if json and notes else "see above"
            return f"condapip demo: set-up failed, nothing else ran ({reason})"
        if self.failed:
            return (
                f"condapip demo: {len(self.failed)} step(s) did not behave as described: "
                + "; ".join(self.failed)
            )
        return None

    def blocks(self) -> Iterator[Block]:
        if not self.failed:
            yield f"\ncondapip demo: all {len(self.steps)} steps behaved as described."

    def as_json(self) -> dict[str, Any]:
        return {"ok": not self.failed, "steps": [s.as_json() for s in self.steps]}


def run(*, keep: Path | None, json: bool) -> Told:
    """Each step is printed live as it starts (nothing under ``--json``)."""
    return Told(run_demo(keep, printer(json), progress=not json))
