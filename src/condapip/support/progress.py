"""Progress for long work: a rich spinner on a terminal, one plain line in a pipe.

Everything goes to stderr, so stdout stays the command's result. rich loads
only on a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def step(message: str, *, spinner: bool = True) -> Iterator[None]:
    """``spinner=False`` for work that draws its own progress bars (rattler's linking)."""
    if not spinner or not sys.stderr.isatty():
        print(f"condapip: {message}", file=sys.stderr, flush=True)
        yield
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status(message):
        yield
    console.print(f"[green]done[/green] {message}", highlight=False)


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
