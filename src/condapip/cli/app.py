"""The typer app every verb module registers on, and ``condapip --version``."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from condapip.cli.options import FLAG
from condapip.support.output import Result, render

app = typer.Typer(
    name="condapip",
    help="Let conda and pip share one environment without breaking it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
channel_app = typer.Typer(help="Build local conda channels from wheels.", no_args_is_help=True)
app.add_typer(channel_app, name="channel")


def _version(value: bool) -> None:
    if value:
        from condapip import __version__

        print(f"condapip {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            metavar=FLAG,
            is_eager=True,
            callback=_version,
            help="Show condapip's version and exit.",
        ),
    ] = False,
) -> None:
    """Let conda and pip share one environment without breaking it."""


def finish(result: Result, *, json: bool = False) -> NoReturn:
    """Render a verb's result through the one renderer; exit with its code."""
    raise typer.Exit(render(result, json=json))
