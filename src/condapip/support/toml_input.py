"""The one TOML reader: pylock files and uv's PEP 751 output (tomllib, or tomli before 3.11)."""

from __future__ import annotations

import sys
from typing import Any

from condapip.errors import CondapipError

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser, as a package, on 3.10
    import tomli as tomllib


def loads(text: str, source: str) -> dict[str, Any]:
    """``text`` as data; a malformed file is bad input, one line naming ``source``."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CondapipError(f"malformed {source}: {exc}") from None
    return data
