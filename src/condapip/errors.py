"""The one error type condapip raises for bad input and refused work."""

from __future__ import annotations

from pathlib import Path


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


def read_input(path: Path, what: str) -> str:
    """The text of a file the user named; a missing or unreadable one is bad input."""
    try:
        return path.read_text()
    except FileNotFoundError:
        raise CondapipError(f"{what} not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CondapipError(f"cannot read {what} {path}: {exc}") from None
