"""Verbs that write files but never change an environment: lock, clean, dockerfile,
channel build."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from condapip.cli.app import channel_app, finish, verb
from condapip.cli.confirm import confirmer
from condapip.cli.options import DryRunOpt, JsonOpt, NameOpt, PrefixOpt, YesOpt, flag

_LockFileOpt = Annotated[
    Path | None,
    typer.Option("-f", "--file", metavar="FILE", help="Lock an environment.yml, for any platform."),
]
_PlatformOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--platform",
        metavar="PLATFORM",
        help="With -f (repeatable): default the file's platforms:, else this machine's.",
    ),
]
_VirtualOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--virtual-package",
        metavar="[PLATFORM:]NAME=VERSION",
        help="With -f (repeatable): e.g. linux-64:__cuda=12.4; no PLATFORM: all.",
    ),
]
_LockFormatOpt = Annotated[
    str, typer.Option("--format", metavar="FORMAT", help="condapip, conda-lock, pixi or pylock.")
]
_LockOutputOpt = Annotated[
    Path | None,
    typer.Option(
        "-o",
        "--output",
        metavar="FILE",
        help="The lock to write (pylock: a folder for pylock.PLATFORM.toml).",
    ),
]
_CheckOpt = Annotated[
    Path | None,
    typer.Option(
        "--check", metavar="LOCK", help="With -f: does LOCK still satisfy FILE? Writes nothing."
    ),
]


@verb("lock")
def lock(
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    file: _LockFileOpt = None,
    platform: _PlatformOpt = None,
    virtual_package: _VirtualOpt = None,
    fmt: _LockFormatOpt = "condapip",
    output: _LockOutputOpt = None,
    check: _CheckOpt = None,
    pip_engine: Annotated[
        str | None,
        typer.Option("--pip-engine", metavar="ENGINE", help="pip or uv: resolves index artifacts."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Pin both layers to artifacts and hashes; `create --lock` installs exactly that."""
    from condapip.commands import lock as cmd

    result = cmd.run(
        name=name,
        prefix=prefix,
        output=output,
        pip_engine=pip_engine,
        file=file,
        platforms=platform or [],
        virtual=virtual_package or [],
        fmt=fmt,
        check=check,
        progress=not json,
    )
    finish(result, json=json)


@verb("clean")
def clean(
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    json: JsonOpt = False,
) -> None:
    """Free conda, rattler, pip and uv caches; never touch an environment."""
    from condapip.commands import clean as cmd

    confirm = confirmer(yes=yes, json=json)
    finish(cmd.run(name=name, prefix=prefix, dry_run=dry_run, confirm=confirm), json=json)


@verb("dockerfile")
def dockerfile(
    file: Annotated[
        Path,
        typer.Option(
            "-f",
            "--file",
            metavar="FILE",
            help="environment.yml, an @EXPLICIT file or condapip.lock.yml to build from.",
        ),
    ] = Path("environment.yml"),
    output: Annotated[
        Path, typer.Option("-o", "--output", metavar="FILE", help="Dockerfile to write.")
    ] = Path("Dockerfile"),
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            metavar="IMAGE:TAG",
            help="Base image with a version tag: mambaorg/micromamba:2.0.5 (default), "
            "a miniconda or a miniforge one.",
        ),
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", metavar="USER", help="The non-root user.")
    ] = None,
    env_name: Annotated[
        str | None,
        typer.Option(
            "--name", metavar="NAME", help="The image's env name (default: the file's, or app)."
        ),
    ] = None,
    lint: Annotated[
        bool, flag("--lint", help="Lint these Dockerfiles (default: ./Dockerfile) instead.")
    ] = False,
    dockerfiles: Annotated[
        list[Path] | None,
        typer.Argument(metavar="DOCKERFILE", help="With --lint: the Dockerfiles to lint."),
    ] = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    json: JsonOpt = False,
) -> None:
    """Write a layered Dockerfile (conda, then pip, never conda again), or --lint some."""
    from condapip.commands import dockerfile as cmd
    from condapip.errors import CondapipError

    if dockerfiles and not lint:
        raise CondapipError("Dockerfiles to lint are given with --lint: dockerfile --lint FILE...")
    result = cmd.run(
        file=file,
        output=output,
        base=base,
        user=user,
        name=env_name,
        lint=(dockerfiles or []) if lint else None,
        dry_run=dry_run,
        confirm=confirmer(yes=yes, json=json),
    )
    finish(result, json=json)


@verb("build", channel_app)
def channel_build(
    inputs: Annotated[
        list[Path], typer.Argument(metavar="WHEEL_OR_DIR", help="Wheels, or folders of wheels.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", metavar="DIR", help="Channel folder.")],
    host_python: Annotated[
        bool, flag("--host-python", help="Also package the running interpreter and pip.")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Turn wheels into conda packages (.conda) and index them as a channel."""
    from condapip.commands import channel_build as cmd

    result = cmd.run(inputs=inputs, output=output, host_python=host_python, progress=not json)
    finish(result, json=json)
