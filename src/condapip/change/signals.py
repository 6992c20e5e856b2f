"""SIGINT, SIGTERM and SIGHUP during a change: an exception, so the change ends on purpose.

Python turns only SIGINT into an exception; SIGTERM (``kill``, a CI timeout) and
SIGHUP (a closed terminal) end the process where it stands. Inside a change
all three raise ``Interrupted``, so the transaction can put the prefix back,
or keep its journal and say which command finishes the job.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Interrupted(BaseException):
    """A signal asked condapip to stop; ``code`` is the exit code a shell expects."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def code(self) -> int:
        return 128 + self.signum


@contextmanager
def raising() -> Iterator[None]:
    """Within this block, the signals above raise ``Interrupted`` (main thread only:
    Python delivers signals there, and only there may handlers be set)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signum)

    before = {s: signal.signal(s, handler) for s in SIGNALS}
    try:
        yield
    finally:
        for s, old in before.items():
            signal.signal(s, old)
