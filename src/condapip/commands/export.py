"""``condapip export``: a file that rebuilds the prefix, both layers exactly."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.errors import CondapipError
from condapip.formats.export import FORMATS, export
from condapip.ledger.prefix import read_prefix
from condapip.support.atomic import write_atomic
from condapip.support.output import Block
from condapip.support.progress import working


@dataclass(frozen=True)
class Export:
    """The exported text, and where it went (``None``: to stdout)."""

    text: str
    output: Path | None
    warnings: Sequence[str] = ()
    exit_code: int = 0

    def blocks(self) -> Iterator[Block]:
        if self.output is None and self.text:
            yield self.text

    def as_json(self) -> Any:
        """conda's ``env export --json``: the environment document as JSON."""
        from ruamel.yaml import YAML

        return YAML(typ="safe").load(self.text)


def run(
    *,
    name: str | None = None,
    prefix: str | None = None,
    output: Path | None = None,
    fmt: str = "environment",
    from_history: bool = False,
    no_builds: bool = False,
    as_is: bool = False,
    pip_engine: str | None = None,
    json: bool = False,
) -> Export:
    """The whole verb, as typer and the fast path in ``__main__`` both call it.

    ``json`` is checked here, not only when printing, so that a refused
    ``--json`` writes no ``-o`` file.
    """
    from condapip.ledger.locate import resolve

    if json and fmt in FORMATS and fmt != "environment":
        raise CondapipError("--json works with --format environment")
    found = read_prefix(resolve(name, prefix))
    # pylock asks pip (or uv) for every artifact: seconds, shown on a terminal
    with working(f"resolving the pip layer's artifacts of {found.path}", show=fmt == "pylock"):
        exported = export(
            found,
            fmt,
            from_history=from_history,
            no_builds=no_builds,
            as_is=as_is,
            pip_engine=pip_engine,
        )
    if output is not None:
        write_atomic(output, exported.text)
    return Export(exported.text, output, exported.warnings)
