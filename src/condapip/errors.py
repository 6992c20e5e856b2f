"""The one error type condapip raises for bad input and refused work."""

from __future__ import annotations


class CondapipError(Exception):
    """A failure the user can act on; the CLI prints it as one line.

    ``exit_code`` 2 means bad usage or bad input, 1 means a refused unsafe
    change (the prefix was left as it was).
    """

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Refused(CondapipError):
    """An unsafe change condapip will not make (exit 1)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=1)
