"""Verbs that only read: list, doctor, export, check, channels (``--fix`` confirms first), demo.

list, doctor, export and check also run without typer (``__main__``'s fast path),
through the same ``run`` and the same renderer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from condapip.cli.app import finish, verb
from condapip.cli.confirm import confirmer
from condapip.cli.options import (
    DryRunOpt,
    EnvFileOpt,
    JsonOpt,
    LockOpt,
    NameOpt,
    PrefixOpt,
    YesOpt,
    flag,
)


@verb("list")
def list_(name: NameOpt = None, prefix: PrefixOpt = None, json: JsonOpt = False) -> None:
    """List conda and pip packages with the owner of each."""
    from condapip.commands import list_packages

    finish(list_packages.run(name=name, prefix=prefix), json=json)


@verb("doctor")
def doctor(
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    json: JsonOpt = False,
    verify: Annotated[
        bool, flag("--verify", help="Compare file hashes (sha256), not only sizes.")
    ] = False,
    log: Annotated[
        list[Path] | None,
        typer.Option(
            "--log", metavar="FILE", help="Also scan saved conda/mamba/pip output (repeatable)."
        ),
    ] = None,
    strict: Annotated[bool, flag("--strict", help="Warnings count as failures.")] = False,
    all_envs: Annotated[
        bool, flag("--all", help="Audit every environment conda knows of.")
    ] = False,
) -> None:
    """Find every way conda and pip broke the environment, and how to fix each."""
    from condapip.commands import doctor as cmd

    result = cmd.run(
        name=name, prefix=prefix, verify=verify, log=log, strict=strict, all_envs=all_envs
    )
    finish(result, json=json)


@verb("export")
def export(
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", metavar="FILE", help="Write here, not to stdout."),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="environment (yml), explicit (conda's @EXPLICIT), requirements, or pylock.",
        ),
    ] = "environment",
    from_history: Annotated[
        bool, flag("--from-history", help="Only what was asked for, both layers.")
    ] = False,
    no_builds: Annotated[bool, flag("--no-builds", help="name=version only.")] = False,
    as_is: Annotated[
        bool, flag("--as-is", help="Export pip's copies over conda packages as they are.")
    ] = False,
    pip_engine: Annotated[
        str | None,
        typer.Option("--pip-engine", metavar="ENGINE", help="pip or uv (for --format pylock)."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Write both layers with exact pins: conda builds, pip versions, git commits, paths."""
    from condapip.commands import export as cmd

    result = cmd.run(
        name=name,
        prefix=prefix,
        output=output,
        fmt=fmt,
        from_history=from_history,
        no_builds=no_builds,
        as_is=as_is,
        pip_engine=pip_engine,
        json=json,
    )
    finish(result, json=json)


@verb("check")
def check(
    file: EnvFileOpt = None,
    lock: LockOpt = None,
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    strict: Annotated[
        bool, flag("--strict", help="Packages the file does not need count as drift.")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Say whether the environment still matches its file or lock; exit 1 naming each drift."""
    from condapip.commands import check as cmd

    finish(cmd.run(file=file, lock=lock, name=name, prefix=prefix, strict=strict), json=json)


@verb("channels")
def channels(
    fix: Annotated[
        bool, flag("--fix", help="Put conda-forge first, strict priority (user .condarc).")
    ] = False,
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    json: JsonOpt = False,
) -> None:
    """Show the effective channels and channel_priority, and the file each came from."""
    from condapip.commands import channels as cmd

    result = cmd.run(
        fix=fix, name=name, prefix=prefix, dry_run=dry_run, confirm=confirmer(yes=yes, json=json)
    )
    finish(result, json=json)


@verb("demo")
def demo(
    keep: Annotated[
        Path | None,
        typer.Option("--keep", metavar="DIR", help="Keep the demo's files in this folder."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Show the numpy/scipy breakage found, refused and repaired, offline."""
    import sys

    from condapip.commands import demo as cmd
    from condapip.support.output import render

    told = cmd.run(keep=keep, json=json)
    code = render(told, json=json)
    failure = told.failure(json=json)
    if failure:
        print(failure, file=sys.stderr)
    raise typer.Exit(code)
