"""``condapip lock``: both layers pinned to artifacts and hashes in one file."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.formats.lock import Lock, build, dumps
from condapip.ledger.locate import resolve
from condapip.ledger.prefix import read_prefix
from condapip.support.atomic import write_atomic
from condapip.support.output import Block


@dataclass(frozen=True)
class Written:
    """The lock written to ``output``."""

    lock: Lock
    output: Path
    warnings: Sequence[str] = ()
    exit_code: int = 0

    def blocks(self) -> Iterator[Block]:
        parts = [
            f"{plat}: {len(pl.conda)} conda, {len(pl.pip)} pip"
            for plat, pl in sorted(self.lock.platforms.items())
        ]
        yield f"wrote {self.output} ({'; '.join(parts)})"

    def as_json(self) -> dict[str, Any]:
        return {
            "output": str(self.output),
            "platforms": {
                plat: {"conda": len(pl.conda), "pip": len(pl.pip)}
                for plat, pl in sorted(self.lock.platforms.items())
            },
            "warnings": list(self.warnings),
        }


def run(*, name: str | None, prefix: str | None, output: Path, pip_engine: str | None) -> Written:
    locked = build(read_prefix(resolve(name, prefix)), pip_engine=pip_engine)
    write_atomic(output, dumps(locked.lock))
    return Written(locked.lock, output, locked.warnings)
