"""The one way condapip runs another program: arguments as a list (never a shell),
output captured as text, and a time limit.

A child that outlives its limit is killed and reported as one line: a hung
pip or conda must not hang condapip with it. A child stays in condapip's
process group (a ``kill`` of the group ends it), and on Linux it also gets
SIGKILL the moment condapip dies, even by ``kill -9`` of condapip alone: a pip
that outlived condapip would go on changing a prefix whose transaction is over.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
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
            preexec_fn=_bound_to(os.getpid()) if sys.platform == "linux" else None,
        )
    except FileNotFoundError:
        raise CondapipError(f"cannot run {argv[0]}: no such program") from None
    except subprocess.TimeoutExpired:
        raise CondapipError(
            f"{Path(argv[0]).name} did not finish within {timeout:.0f} s: stopped it", exit_code=1
        ) from None


_PR_SET_PDEATHSIG = 1


def _bound_to(parent: int) -> Callable[[], None]:
    import ctypes
    import signal

    libc = ctypes.CDLL(None, use_errno=True)

    def in_child() -> None:
        # Between fork and exec: SIGKILL when the parent goes; and if it went
        # already (before the request took effect), go now.
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return in_child
