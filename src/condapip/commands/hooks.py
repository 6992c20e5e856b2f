"""``condapip hook``: what the pre-commit hooks run on the files pre-commit passes.

pre-commit hands a hook every changed file that matches it, several at once;
each file is judged on its own and the hook fails when any one fails.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.errors import CondapipError
from condapip.support.output import Block


@dataclass(frozen=True)
class Judged:
    """One file's verdict: ``None`` is a pass, else the line that says why not."""

    file: Path
    failure: str | None
    code: int = 0  # 1: the file is stale (a lock no longer satisfies it); 2: malformed


@dataclass(frozen=True)
class HookRun:
    verdicts: Sequence[Judged]
    warnings: Sequence[str] = ()

    @property
    def exit_code(self) -> int:
        return max((v.code for v in self.verdicts), default=0)

    def blocks(self) -> Iterator[Block]:
        for v in self.verdicts:
            yield f"{v.file}: {'ok' if v.failure is None else v.failure}"

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.exit_code == 0,
            "files": [{"file": str(v.file), "failure": v.failure} for v in self.verdicts],
        }


def envfile(files: Sequence[Path]) -> HookRun:
    """Each environment file read as ``create -f`` reads it."""
    from condapip.formats.envfile import load

    verdicts = []
    for file in files:
        try:
            load(file)
        except CondapipError as exc:
            verdicts.append(Judged(file, str(exc), exc.exit_code))
        else:
            verdicts.append(Judged(file, None))
    return HookRun(verdicts)


def lock_check(files: Sequence[Path], lock_name: str) -> HookRun:
    """Each environment file against the lock beside it, judged as ``lock -f FILE
    --check LOCK`` judges it (``formats.lock_check``: a verb never imports another)."""
    from condapip.formats.lock_check import check
    from condapip.formats.locks import read_any

    verdicts = []
    for file in files:
        beside = file.parent / lock_name
        fix = _relock(file, beside)
        if not beside.exists():
            verdicts.append(Judged(file, f"no {lock_name} beside it: run {fix}", 1))
            continue
        try:
            unmet = check(file, read_any(beside))
        except CondapipError as exc:
            verdicts.append(Judged(file, str(exc), exc.exit_code))
            continue
        if not unmet:
            verdicts.append(Judged(file, None))
            continue
        lines = "; ".join(u.line() for u in unmet)
        verdicts.append(Judged(file, f"{beside} is stale ({lines}): run {fix}", 1))
    return HookRun(verdicts)


# the format a lock's conventional name means (conda-lock's and pixi's own names)
_FORMATS = {"conda-lock.yml": "conda-lock", "pixi.lock": "pixi"}


def _relock(file: Path, lock: Path) -> str:
    """The command that writes the lock afresh, quoted for a shell."""
    import shlex

    fmt = _FORMATS.get(lock.name)
    words = ["condapip", "lock", "-f", str(file), "-o", str(lock)]
    return shlex.join(words + (["--format", fmt] if fmt else []))
