"""conda-meta/history in conda's own format, read and appended.

conda and mamba read this file to know which specs a user asked for; rattler
leaves it empty, so condapip writes the entries itself. No credential is
written: channels as conda writes them (no token, no userinfo), the command
line with ``/t/<TOKEN>/``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from condapip import __version__
from condapip.support.redact import store, store_spec

_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class HistoryEntry:
    """One ``==> time <==`` block."""

    time: datetime
    cmd: str
    added: tuple[str, ...]  # "channel/subdir::name-version-build"
    removed: tuple[str, ...]
    update_specs: tuple[str, ...]
    remove_specs: tuple[str, ...]


def read_history(path: Path) -> tuple[HistoryEntry, ...]:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ()
    entries: list[HistoryEntry] = []
    block: dict[str, list[str]] | None = None
    when: datetime | None = None
    cmd = ""

    def close() -> None:
        if block is not None and when is not None:
            entries.append(
                HistoryEntry(
                    time=when,
                    cmd=cmd,
                    added=tuple(block["+"]),
                    removed=tuple(block["-"]),
                    update_specs=tuple(block["update"]),
                    remove_specs=tuple(block["remove"]),
                )
            )

    for line in text.splitlines():
        line = line.strip()
        if line.startswith("==>") and line.endswith("<=="):
            close()
            try:
                when = datetime.strptime(line[3:-3].strip(), _TIME_FORMAT)
            except ValueError:
                when = None
            block = {"+": [], "-": [], "update": [], "remove": []}
            cmd = ""
        elif block is None:
            continue
        elif line.startswith("# cmd:"):
            cmd = line[len("# cmd:") :].strip()
        elif line.startswith(("# update specs:", "# install specs:")):
            block["update"].extend(_spec_list(line.split(":", 1)[1]))
        elif line.startswith("# remove specs:"):
            block["remove"].extend(_spec_list(line.split(":", 1)[1]))
        elif line[:1] in "+-" and line[1:]:
            block[line[0]].append(line[1:])
    close()
    return tuple(entries)


def _spec_list(text: str) -> list[str]:
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else []


def requested_specs(history: Iterable[HistoryEntry]) -> dict[str, str]:
    """The specs the user asked for, by package name, latest request winning."""
    from condapip.ledger.specs import spec_name

    specs: dict[str, str] = {}
    for entry in history:
        for spec in entry.update_specs:
            specs[spec_name(spec)] = spec
        for spec in entry.remove_specs:
            specs.pop(spec_name(spec), None)
    return specs


def append_history(
    prefix: Path,
    *,
    added: Iterable[str],
    removed: Iterable[str],
    update_specs: Iterable[str] = (),
    remove_specs: Iterable[str] = (),
    argv: list[str] | None = None,
    when: datetime | None = None,
) -> None:
    """Append one entry exactly as conda would write it."""
    lines = [
        f"==> {(when or datetime.now()).strftime(_TIME_FORMAT)} <==",
        _cmd(argv),
        f"# condapip version: {__version__}",
    ]
    # ``channel/subdir::name-version-build``: its channel as a spec's, stored
    lines += [f"-{store_spec(d)}" for d in sorted(removed)]
    lines += [f"+{store_spec(d)}" for d in sorted(added)]
    update = [store_spec(s) for s in update_specs]
    remove = [store_spec(s) for s in remove_specs]
    # conda's own order: remove specs, then update specs
    if remove:
        lines.append(f"# remove specs: {remove!r}")
    if update:
        lines.append(f"# update specs: {update!r}")
    path = prefix / "conda-meta" / "history"
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def amend_last(prefix: Path, *, update_specs: Iterable[str], argv: list[str] | None) -> None:
    """Make the entry a conda executable just wrote say what the user asked.

    conda records the ``@EXPLICIT`` URLs condapip gave it as update specs;
    later solves would then pin every package. The entry keeps conda's own
    ``+``/``-`` lines and version, with condapip's command and the user's specs.
    """
    path = prefix / "conda-meta" / "history"
    lines = path.read_text(encoding="utf-8").splitlines()
    start = max((i for i, ln in enumerate(lines) if ln.startswith("==>")), default=None)
    if start is None:
        return
    spec_lines = ("# update specs:", "# remove specs:", "# neutered specs:", "# install specs:")
    block = [ln for ln in lines[start:] if not ln.startswith(spec_lines)]
    block = [_cmd(argv) if ln.startswith("# cmd:") else ln for ln in block]
    update = [store_spec(s) for s in update_specs]
    if update:
        block.append(f"# update specs: {update!r}")
    path.write_text("\n".join([*lines[:start], *block]) + "\n", encoding="utf-8")


def _cmd(argv: list[str] | None) -> str:
    return f"# cmd: {store(' '.join(argv if argv is not None else sys.argv))}"
