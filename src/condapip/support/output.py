"""Printing: JSON for machines, aligned text or rich tables for people.

rich loads only when a table is printed to a terminal, so ``--json`` and
pipes stay cheap.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any


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


def warn(message: str) -> None:
    print(f"condapip: warning: {message}", file=sys.stderr)


def status(message: str) -> None:
    """Progress words for people; silent in pipes."""
    if sys.stderr.isatty():
        print(message, file=sys.stderr)
