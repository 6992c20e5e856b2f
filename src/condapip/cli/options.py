"""The options many verbs share, with the words ``--help`` shows for their values."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

# metavar "" for a flag: help shows no value where typer would show ``<bool>``.
FLAG = ""

NameOpt = Annotated[
    str | None, typer.Option("-n", "--name", metavar="NAME", help="Environment name.")
]
PrefixOpt = Annotated[
    str | None,
    typer.Option(
        "-p", "--prefix", metavar="PREFIX", help="Environment prefix (default $CONDA_PREFIX)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", metavar=FLAG, help="Machine-readable output.")]
DryRunOpt = Annotated[
    bool,
    typer.Option("--dry-run", metavar=FLAG, help="Show what would change; change nothing."),
]
YesOpt = Annotated[
    bool, typer.Option("--yes", "-y", metavar=FLAG, help="Do not ask for confirmation.")
]
EngineOpt = Annotated[
    str,
    typer.Option(
        "--engine", metavar="ENGINE", help="conda engine: rattler, conda, mamba or micromamba."
    ),
]
PipEngineOpt = Annotated[
    str | None,
    typer.Option("--pip-engine", metavar="ENGINE", help="pip engine: pip (default) or uv."),
]
ChannelOpt = Annotated[
    list[str] | None,
    typer.Option("-c", "--channel", metavar="CHANNEL", help="Channel (repeatable)."),
]


def env_file(help: str) -> Any:
    """``-f FILE``: the environment file a verb reads, in that verb's words."""
    return typer.Option("-f", "--file", metavar="FILE", help=help)


EnvFileOpt = Annotated[Path | None, env_file("The environment file to match.")]
LockOpt = Annotated[
    Path | None,
    typer.Option("--lock", metavar="LOCK", help="The lock to match exactly (any format)."),
]


def flag(*words: str, help: str) -> Any:
    """A boolean option shown without a value."""
    return typer.Option(*words, metavar=FLAG, help=help)
