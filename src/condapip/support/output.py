"""Printing: JSON for machines, aligned text or rich tables for people.

Every verb returns a result that says what it holds as blocks (text and
tables) and as JSON; :func:`render` is the one place that prints either, for
typer and for the fast path alike. rich loads only when a table is printed to
a terminal, so ``--json`` and pipes stay cheap.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from condapip.errors import CondapipError


@dataclass(frozen=True)
class Table:
    """Rows for people: a rich table on a terminal, ``plain`` (or columns) in a pipe."""

    title: str | None
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    fold: bool = False  # wrap long cells a user copies (commands, paths) instead of cutting
    plain: str | None = None  # the pipe form, when aligned columns do not suit the cells


Block = str | Table


class Result(Protocol):
    """What a verb returns: the blocks people read, the JSON machines read, the exit code."""

    @property
    def warnings(self) -> Sequence[str]: ...

    @property
    def exit_code(self) -> int: ...

    def blocks(self) -> Iterator[Block]: ...

    def as_json(self) -> Any: ...


# Shows a plan (unless --json) and asks the question; returns to go ahead, or
# raises: no terminal and no --yes, or the user said no. The CLI makes the one.
Confirm = Callable[[Result, str], None]


def render(result: Result, *, json: bool = False) -> int:
    """Print a verb's result (warnings to stderr first); its exit code."""
    for message in result.warnings:
        warn(message)
    if json:
        emit_json(result.as_json())
    else:
        for block in result.blocks():
            show(block)
    return result.exit_code


def show(block: Block) -> None:
    if isinstance(block, Table):
        if block.plain is not None and not sys.stdout.isatty():
            print(block.plain)
        else:
            table(block.title, block.header, block.rows, fold=block.fold)
    else:
        sys.stdout.write(block if block.endswith("\n") else block + "\n")


def emit_json(data: Any) -> None:
    import orjson

    sys.stdout.buffer.write(
        orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS, default=str)
    )
    sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()


def columns(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    """Plain aligned columns, as ``conda list`` prints them."""
    widths = [len(h) for h in header]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = ["# " + fmt.format(*header).rstrip()]
    lines += ["  " + fmt.format(*row).rstrip() for row in rows]
    return "\n".join(lines)


def table(
    title: str | None,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    fold: bool = False,
) -> None:
    """A rich table on a terminal, plain columns elsewhere.

    ``fold`` wraps long words instead of cutting them, for cells a user copies
    (commands, paths).
    """
    if not sys.stdout.isatty():
        if title:
            print(title)
        print(columns(rows, header))
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for h in header:
        t.add_column(h, overflow="fold" if fold else "ellipsis")
    for row in rows:
        t.add_row(*row)
    Console().print(t)


def error(exc: CondapipError) -> int:
    """A failure as the one line on stderr (credentials redacted); its exit code."""
    from condapip.support.redact import redact

    print(f"condapip: error: {redact(str(exc))}", file=sys.stderr)
    return exc.exit_code


def warn(message: str) -> None:
    print(f"condapip: warning: {message}", file=sys.stderr)


def status(message: str) -> None:
    """Progress words for people; silent in pipes."""
    if sys.stderr.isatty():
        print(message, file=sys.stderr)
