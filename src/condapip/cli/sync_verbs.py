"""``condapip sync``: an environment brought in step with its file or lock (one
transaction, its plan confirmed first); a missing one is made as ``create`` makes it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from condapip.cli.app import finish, verb
from condapip.cli.confirm import confirmer
from condapip.cli.options import (
    DryRunOpt,
    EngineOpt,
    JsonOpt,
    NameOpt,
    PipEngineOpt,
    PrefixOpt,
    YesOpt,
    flag,
)


@verb("sync")
def sync(
    file: Annotated[
        Path | None,
        typer.Option("-f", "--file", metavar="FILE", help="The environment file to match."),
    ] = None,
    lock_file: Annotated[
        Path | None,
        typer.Option("--lock", metavar="LOCK", help="The lock to match exactly (any format)."),
    ] = None,
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    prune: Annotated[
        bool, flag("--prune", help="Remove what nothing the file asks for needs, both layers.")
    ] = False,
    engine: EngineOpt = "rattler",
    pip_engine: PipEngineOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    json: JsonOpt = False,
) -> None:
    """Bring the environment in step with its file or lock: conda first, then pip."""
    from condapip.commands import create
    from condapip.commands import sync as cmd

    cmd.check_usage(file, lock_file)
    confirm = confirmer(yes=yes, json=json)
    if cmd.missing(name, prefix):
        result = create.run(
            file=file, lock_file=lock_file, name=name, prefix=prefix, engine=engine,
            pip_engine_name=pip_engine, dry_run=dry_run, confirm=confirm,
        )  # fmt: skip
    else:
        result = cmd.run(
            file=file, lock_file=lock_file, name=name, prefix=prefix, prune=prune,
            engine=engine, pip_engine_name=pip_engine, dry_run=dry_run, confirm=confirm,
        )  # fmt: skip
    finish(result, json=json)
