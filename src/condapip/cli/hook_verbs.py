"""``condapip hook ...``: the verbs the pre-commit hooks (``.pre-commit-hooks.yaml``) run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from condapip.cli.app import Group, app, finish, verb
from condapip.cli.options import JsonOpt

hook_app = typer.Typer(
    cls=Group,
    help="What the pre-commit hooks run on the files they are given.",
    no_args_is_help=True,
)
app.add_typer(hook_app, name="hook")

FilesArg = Annotated[list[Path], typer.Argument(metavar="FILE", help="Environment files.")]


@verb("envfile", hook_app)
def envfile(files: FilesArg, json: JsonOpt = False) -> None:
    """Read each environment file as `create -f` does; exit 2 on a malformed one."""
    from condapip.commands import hooks

    finish(hooks.envfile(files), json=json)


@verb("lock-check", hook_app)
def lock_check(
    files: FilesArg,
    lock: Annotated[
        str,
        typer.Option(
            "--lock", metavar="NAME", help="The lock's file name beside each environment file."
        ),
    ] = "condapip.lock.yml",
    json: JsonOpt = False,
) -> None:
    """Check each environment file against the lock beside it (`lock -f FILE --check LOCK`)."""
    from condapip.commands import hooks

    finish(hooks.lock_check(files, lock), json=json)
