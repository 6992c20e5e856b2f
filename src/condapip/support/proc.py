"""The one way condapip runs another program: arguments as a list (never a shell),
output captured as text, and a time limit.

A child that outlives its limit is killed and reported as one line: a hung
pip or conda must not hang condapip with it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from condapip.errors import CondapipError

# Limits, in seconds: a quick question (``pip cache dir``), and a change that
# may download and link a large environment.
QUICK = 120.0
LONG = 3 * 3600.0


def run(
    args: Sequence[str | Path],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``args``; its exit code is the caller's to judge, a missing program or a
    timeout is a ``CondapipError``."""
    argv = [str(a) for a in args]
    try:
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            env=None if env is None else dict(env),
            cwd=cwd,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise CondapipError(f"cannot run {argv[0]}: no such program") from None
    except subprocess.TimeoutExpired:
        raise CondapipError(
            f"{Path(argv[0]).name} did not finish within {timeout:.0f} s: stopped it", exit_code=1
        ) from None
