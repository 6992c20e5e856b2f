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


# Far above any real environment file or lock; a larger one is refused unread.
MAX_INPUT_BYTES = 64 * 1024 * 1024


def read_input(path: Path, what: str) -> str:
    """The text of a file the user named; a missing or unreadable one is bad input.

    UTF-8, else UTF-16, as conda reads an environment file (env.load_file).
    """
    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise CondapipError(f"{what} {path} is larger than {MAX_INPUT_BYTES // 2**20} MiB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise CondapipError(f"{what} not found: {path}") from None
    except OSError as exc:
        raise CondapipError(f"cannot read {what} {path}: {exc.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("utf-16")
    except UnicodeDecodeError as exc:
        raise CondapipError(f"cannot read {what} {path}: {exc}") from None
