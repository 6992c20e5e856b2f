"""``conda condapip VERB ...``: condapip, with conda's environment as the default prefix."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from typing import Any


def subcommands() -> Iterator[Any]:
    from conda.plugins.types import CondaSubcommand

    yield CondaSubcommand(
        name="condapip",
        summary="conda and pip in one environment without breaking it (condapip VERB --help).",
        action=run,
    )


def run(args: Sequence[str]) -> int:
    """condapip in its own process (it may swap the very prefix conda is in), with
    ``CONDA_PREFIX`` set to conda's target environment unless one is active."""
    from conda.base.context import context

    env = dict(os.environ)
    if not env.get("CONDA_PREFIX"):
        env["CONDA_PREFIX"] = str(context.target_prefix)
    cmd = [sys.executable, "-m", "condapip", *args]
    return subprocess.run(cmd, env=env, check=False).returncode
