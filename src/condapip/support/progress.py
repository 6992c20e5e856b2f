"""Progress for long work: a rich spinner on a terminal, one plain line in a pipe.

Everything goes to stderr, so stdout stays the command's result. rich loads
only on a terminal. Every message is a line of its own: a step that lets a
tool draw its own bars (rattler's linking) ends by clearing the line the bar
left the cursor on, so the next line never lands on it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# rich allows one live display at a time: a step inside a spinning one prints its line
_spinning = False
# "erase the line, cursor to its start": what rattler's bar leaves is cleared, not written after
_CLEAR_LINE = "\r\x1b[2K"


@contextmanager
def step(message: str, *, spinner: bool = True, piped: bool = True) -> Iterator[None]:
    """``spinner=False`` for work that draws its own progress bars (rattler's linking);
    ``piped=False`` for a read verb, whose pipes (and ``--json``) stay silent."""
    global _spinning
    if not sys.stderr.isatty():
        if piped:
            print(f"condapip: {message}", file=sys.stderr, flush=True)
        yield
        return
    from rich.console import Console

    console = Console(stderr=True)
    if not spinner or _spinning:
        console.print(f"condapip: {message}", highlight=False)
        try:
            yield
        finally:
            if not spinner:
                sys.stderr.write(_CLEAR_LINE)
                sys.stderr.flush()
        if not spinner:
            console.print(f"[green]done[/green] {message}", highlight=False)
        return
    _spinning = True
    try:
        with console.status(message):
            yield
    finally:
        _spinning = False
    console.print(f"[green]done[/green] {message}", highlight=False)


@contextmanager
def working(message: str, *, show: bool = True) -> Iterator[None]:
    """A read verb's long wait (``lock``, ``export --format pylock``): a spinner on a
    terminal; nothing in a pipe, nor when not ``show`` (``--json``)."""
    if not show:
        yield
        return
    with step(message, piped=False):
        yield


@contextmanager
def counted(label: str, total: int, *, show: bool = True) -> Iterator[Callable[[str], None]]:
    """A rich bar over ``total`` items on a terminal; silent in pipes and when not ``show``.

    Yields ``done(item)``, to call as each item is finished.
    """
    if not show or not sys.stderr.isatty():
        yield lambda item: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True)) as bar:
        task = bar.add_task(label, total=total)

        def done(item: str) -> None:
            bar.update(task, advance=1, description=f"{label}: {item}")

        yield done
