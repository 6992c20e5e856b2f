"""Verbs that change an environment, each one transaction: install, create, rebuild,
rollback. Each shows its plan, then confirms through the one ``confirm``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from condapip.cli.app import finish, verb
from condapip.cli.confirm import confirmer
from condapip.cli.options import (
    ChannelOpt,
    DryRunOpt,
    EngineOpt,
    LockOpt,
    NameOpt,
    PipEngineOpt,
    PrefixOpt,
    YesOpt,
    env_file,
)

DropOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--drop",
        metavar="NAME",
        help="Remove pip package NAME in the same change (repeatable).",
    ),
]


@verb("install")
def install(
    specs: Annotated[
        list[str],
        typer.Argument(metavar="SPEC", help="Packages: conda specs or pip requirements."),
    ],
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    channel: ChannelOpt = None,
    pip_only: Annotated[
        list[str] | None,
        typer.Option("--pip-only", metavar="NAME", help="Install NAME with pip (repeatable)."),
    ] = None,
    drop: DropOpt = None,
    engine: EngineOpt = "rattler",
    pip_engine: PipEngineOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
) -> None:
    """Install packages: conda for what a channel has, pip for the rest, pip last."""
    from condapip.commands import install as cmd

    result = cmd.run(
        specs=specs,
        name=name,
        prefix=prefix,
        channels=channel or [],
        pip_only=pip_only or [],
        engine=engine,
        pip_engine_name=pip_engine,
        drop=drop or [],
        dry_run=dry_run,
        confirm=confirmer(yes=yes),
    )
    finish(result)


@verb("create")
def create(
    # create alone reads conda's @EXPLICIT files too
    file: Annotated[Path | None, env_file("environment.yml or an @EXPLICIT file.")] = None,
    lock_file: LockOpt = None,
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    channel: Annotated[
        list[str] | None,
        typer.Option(
            "-c",
            "--channel",
            metavar="CHANNEL",
            help="Channel (repeatable); replaces the file's channels.",
        ),
    ] = None,
    engine: EngineOpt = "rattler",
    pip_engine: PipEngineOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
) -> None:
    """Create an environment from a file: the conda layer, then the pip layer."""
    from condapip.commands import create as cmd

    result = cmd.run(
        file=file,
        lock_file=lock_file,
        name=name,
        prefix=prefix,
        channels=channel or [],
        engine=engine,
        pip_engine_name=pip_engine,
        dry_run=dry_run,
        confirm=confirmer(yes=yes),
    )
    finish(result)


@verb("rebuild")
def rebuild(
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    drop: DropOpt = None,
    engine: EngineOpt = "rattler",
    pip_engine: PipEngineOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
) -> None:
    """Rebuild the environment as it should be in a fresh prefix, then swap it in."""
    from condapip.commands import rebuild as cmd

    result = cmd.run(
        name=name,
        prefix=prefix,
        drop=drop or [],
        engine=engine,
        pip_engine_name=pip_engine,
        dry_run=dry_run,
        confirm=confirmer(yes=yes),
    )
    finish(result)


@verb("rollback")
def rollback(
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    engine: EngineOpt = "rattler",
    pip_engine: PipEngineOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
) -> None:
    """Return the environment to the snapshot taken before the last condapip change."""
    from condapip.commands import rollback as cmd

    result = cmd.run(
        name=name,
        prefix=prefix,
        engine=engine,
        pip_engine_name=pip_engine,
        dry_run=dry_run,
        confirm=confirmer(yes=yes),
    )
    finish(result)
