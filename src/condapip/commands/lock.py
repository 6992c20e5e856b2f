"""``condapip lock``: both layers pinned to artifacts and hashes in one file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from condapip.commands.export import write_atomic
from condapip.formats.lock import Locked, build, dumps
from condapip.ledger.prefix import read_prefix


def run(prefix: Path, output: Path, *, pip_engine: str | None) -> Locked:
    locked = build(read_prefix(prefix), pip_engine=pip_engine)
    write_atomic(output, dumps(locked.lock))
    return locked


def as_json(locked: Locked, output: Path) -> dict[str, Any]:
    return {
        "output": str(output),
        "platforms": {
            plat: {"conda": len(pl.conda), "pip": len(pl.pip)}
            for plat, pl in sorted(locked.lock.platforms.items())
        },
        "warnings": list(locked.warnings),
    }


def summary(locked: Locked, output: Path) -> str:
    parts = [
        f"{plat}: {len(pl.conda)} conda, {len(pl.pip)} pip"
        for plat, pl in sorted(locked.lock.platforms.items())
    ]
    return f"wrote {output} ({'; '.join(parts)})"
