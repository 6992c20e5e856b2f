"""``condapip check``: does the prefix still match its environment file or lock?

A read verb CI runs on every push: it never writes, and reads only the two
ledgers and the one file. Drift is judged in ``doctor.drift``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.commands._shared import pinned, wanted_pip
from condapip.doctor.drift import Drift
from condapip.errors import CondapipError
from condapip.support.output import Block, Table


@dataclass(frozen=True)
class Checked:
    """The prefix against one file or lock: no rows is a match."""

    prefix: Path
    against: Path
    drifts: Sequence[Drift]
    warnings: Sequence[str] = ()

    @property
    def exit_code(self) -> int:
        return 1 if self.drifts else 0

    def blocks(self) -> Iterator[Block]:
        if not self.drifts:
            yield f"{self.prefix} matches {self.against}"
            return
        rows = [[d.kind, d.layer, d.name, d.wanted, d.found] for d in self.drifts]
        title = f"{self.prefix} has drifted from {self.against}: {len(rows)} difference(s)"
        yield Table(title, ["Drift", "Layer", "Name", "Wanted", "Found"], rows, fold=True)

    def as_json(self) -> dict[str, Any]:
        return {
            "prefix": str(self.prefix),
            "against": str(self.against),
            "ok": not self.drifts,
            "drifts": [d.__dict__ for d in self.drifts],
        }


def run(
    *,
    file: Path | None = None,
    lock: Path | None = None,
    name: str | None = None,
    prefix: str | None = None,
    strict: bool = False,
) -> Checked:
    """The whole verb, as typer and the fast path in ``__main__`` both call it."""
    from condapip.ledger.locate import resolve
    from condapip.ledger.prefix import read_prefix

    if (file is None) == (lock is None):
        raise CondapipError("check takes one of -f FILE or --lock LOCK")
    p = read_prefix(resolve(name, prefix))
    if lock is not None:
        return Checked(p.path, lock, _against_lock(p, lock))
    assert file is not None
    return Checked(p.path, file, _against_file(p, file, strict))


def _against_file(p: Any, file: Path, strict: bool) -> list[Drift]:
    from condapip.doctor.drift import against_file
    from condapip.formats.envfile import load

    spec = load(file)
    return against_file(p, spec.conda, wanted_pip(spec.pip_section), strict=strict)


def _against_lock(p: Any, lock: Path) -> list[Drift]:
    from condapip.doctor.drift import against_lock
    from condapip.formats.locks import read_any, section_for
    from condapip.ledger.platform import prefix_subdir

    return against_lock(p, *pinned(section_for(read_any(lock), prefix_subdir(p), lock)))
