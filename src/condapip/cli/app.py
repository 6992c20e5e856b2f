"""The typer app every verb module registers on, and ``condapip --version``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from condapip.cli.options import FLAG
from condapip.support.output import Result, render

Verb = TypeVar("Verb", bound=Callable[..., None])


class _PlainHelp:
    """``-h, --help`` shown as a flag: typer would print ``<bool>`` after it."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.metavar = FLAG
        return option


class _NamedArgument(TyperArgument):
    """An argument shown by its metavar (``SPEC``) alone, without typer's ``<list[str]>``."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


class Command(_PlainHelp, TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument) and param.metavar:
                # typer builds its own parameter objects; this one only shows differently
                param.__class__ = _NamedArgument


class Group(_PlainHelp, TyperGroup):
    pass


app = typer.Typer(
    name="condapip",
    cls=Group,
    help="Let conda and pip share one environment without breaking it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
channel_app = typer.Typer(
    cls=Group, help="Build local conda channels from wheels.", no_args_is_help=True
)
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


def verb(name: str, on: typer.Typer = app) -> Callable[[Verb], Verb]:
    """Register a verb: ``@verb("list")`` for ``@app.command("list")``."""
    register: Callable[[Verb], Verb] = on.command(name, cls=Command)
    return register


def finish(result: Result, *, json: bool = False) -> NoReturn:
    """Render a verb's result through the one renderer; exit with its code."""
    raise typer.Exit(render(result, json=json))
