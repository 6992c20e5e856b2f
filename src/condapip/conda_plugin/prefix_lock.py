"""conda waits while condapip changes a prefix (condapip's lock), then holds the lock itself.

Before a command that changes an environment, the plugin takes the lock
condapip takes (``change.transaction.lock_path``, beside the prefix). While a
condapip holds it, conda says so on stderr and waits up to
``CONDAPIP_LOCK_TIMEOUT`` seconds (condapip's own wait), then refuses, exit 1,
nothing changed. Held by conda for the rest of the command, it makes a condapip
started meanwhile wait in turn. condapip's own conda engine runs conda under
condapip's lock with ``CONDA_PLUGINS_CONDAPIP_GUARD=off`` in its environment:
a conda so started (by condapip, or by a user who turned the guard off for that
command) does not wait.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from condapip.conda_plugin.safe import never_raises

CHANGING = frozenset(
    {"install", "update", "upgrade", "remove", "uninstall", "create", "rename",
     "env_create", "env_update", "env_remove"}
)  # fmt: skip
_HELD: list[Any] = []  # released when conda's process ends


def pre_commands() -> Iterator[Any]:
    from conda import CondaError
    from conda.plugins.types import CondaPreCommand

    yield CondaPreCommand(
        name="condapip-wait-for-its-lock",
        action=never_raises("condapip's lock", (CondaError,))(_take),
        run_for=set(CHANGING),
    )


def _take(command: str) -> None:
    from conda import CondaError
    from conda.base.context import context

    from condapip.change.engines.executable import GUARD_ENV

    if os.environ.get(GUARD_ENV, "").strip().lower() == "off" or context.dry_run:
        return

    class CondapipLockHeld(CondaError):
        """condapip was still changing the prefix when conda's wait ran out."""

    held = take(Path(context.target_prefix))
    if held is not None:
        raise CondapipLockHeld(held)


def take(prefix: Path) -> str | None:
    """Hold condapip's lock on ``prefix``, waiting as condapip would; the refusal, if not."""
    from filelock import FileLock, Timeout

    from condapip.change.transaction import _lock_timeout, lock_path

    path = lock_path(prefix)
    if not path.parent.is_dir():
        return None  # nothing beside a prefix that is not there: no condapip holds it
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        wait = _lock_timeout()
        print(
            f"condapip: waiting for condapip, which is changing {prefix} "
            f"(up to {wait:g}s, CONDAPIP_LOCK_TIMEOUT)",
            file=sys.stderr,
            flush=True,
        )
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            return (
                f"condapip is still changing {prefix}; conda gave up after {wait:g}s and "
                "changed nothing. Run the command again when it is done."
            )
    _HELD.append(lock)
    return None
