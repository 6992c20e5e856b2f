"""``condapip check``: does the prefix still match its environment file or lock?

A read verb CI runs on every push: it never writes, and reads only the two
ledgers and the one file. Drift is judged in ``doctor.drift``.

A lock's pins for the prefix's platform are remembered (``support.memo``) under
a hash of the lock's text and the code that reads it: ruamel.yaml parses YAML in
pure Python (a second at 500 packages) and the entries' specs need rattler, so a
repeat run on an unchanged lock loads neither and costs what ``doctor`` costs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.doctor.drift import Drift, PinnedConda, PinnedPip
from condapip.errors import CondapipError
from condapip.ledger.prefix import Prefix
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


def _against_file(p: Prefix, file: Path, strict: bool) -> list[Drift]:
    from condapip.commands._shared import wanted_pip
    from condapip.doctor.drift import against_file
    from condapip.formats.envfile import load

    spec = load(file)
    return against_file(p, spec.conda, wanted_pip(spec.pip_section), strict=strict)


def _against_lock(p: Prefix, lock: Path) -> list[Drift]:
    from condapip.doctor.drift import against_lock

    return against_lock(p, *_pins(p, lock))


# what turns a lock's text into its pins: every reader ``read_any`` may use
_READERS = [
    "formats/locks.py", "formats/lock.py", "formats/condalock.py", "formats/pixi.py",
    "formats/pylock_lock.py", "formats/layers.py", "support/yaml_input.py",
    "support/toml_input.py", "support/redact.py", "ledger/specs.py", "errors.py",
    "commands/_shared.py", "doctor/drift.py",
]  # fmt: skip
_LIBRARIES = {"ruamel.yaml": "ruamel.yaml", "py-rattler": "rattler", "packaging": "packaging"}


def _pins(p: Prefix, lock: Path) -> tuple[list[PinnedConda], list[PinnedPip]]:
    """The lock's section for the prefix's platform, as the pins drift is judged by."""
    import condapip
    from condapip.errors import read_input
    from condapip.ledger.platform import prefix_subdir
    from condapip.support import memo

    platform = prefix_subdir(p)
    root = Path(condapip.__file__).parent
    code = memo.code([str(root / f) for f in _READERS], _LIBRARIES)
    slot = memo.slot("lock-pins", str(lock.absolute()))
    text = read_input(lock, "lock file")
    digest = memo.key(code, platform, lock.name, text) if code is not None else None
    found = memo.recall(slot, digest) if digest is not None else memo.MISS
    if found is not memo.MISS:
        return [PinnedConda(*c) for c in found[0]], [PinnedPip(*a) for a in found[1]]
    conda, pip = _read_pins(lock, platform)
    if digest is not None:
        rows = [
            [list(c.__dict__.values()) for c in conda],
            [list(a.__dict__.values()) for a in pip],
        ]
        memo.remember(slot, digest, rows)
    return conda, pip


def _read_pins(lock: Path, platform: str) -> tuple[list[PinnedConda], list[PinnedPip]]:
    from condapip.commands._shared import pinned
    from condapip.formats.locks import read_any, section_for

    return pinned(section_for(read_any(lock), platform, lock))
