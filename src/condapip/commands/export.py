"""``condapip export``: a file that rebuilds the prefix, both layers exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from condapip.formats.export import Exported, export
from condapip.ledger.prefix import read_prefix


def main(
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
) -> int:
    """The whole verb, as typer and the fast path in ``__main__`` both call it."""
    import sys

    from condapip.ledger.locate import resolve
    from condapip.support.output import warn

    exported = run(
        resolve(name, prefix),
        fmt=fmt,
        from_history=from_history,
        no_builds=no_builds,
        as_is=as_is,
        pip_engine=pip_engine,
        output=output,
    )
    for message in exported.warnings:
        warn(message)
    if json:
        from condapip.support.output import emit_json

        emit_json(as_json(exported, fmt))
    elif output is None:
        sys.stdout.write(exported.text)
    return 0


def run(
    prefix: Path,
    *,
    fmt: str,
    from_history: bool,
    no_builds: bool,
    as_is: bool,
    pip_engine: str | None,
    output: Path | None,
) -> Exported:
    exported = export(
        read_prefix(prefix),
        fmt,
        from_history=from_history,
        no_builds=no_builds,
        as_is=as_is,
        pip_engine=pip_engine,
    )
    if output is not None:
        write_atomic(output, exported.text)
    return exported


def as_json(exported: Exported, fmt: str) -> Any:
    """conda's ``env export --json``: the environment document as JSON."""
    from ruamel.yaml import YAML

    from condapip.errors import CondapipError

    if fmt != "environment":
        raise CondapipError("--json works with --format environment")
    return YAML(typ="safe").load(exported.text)


def write_atomic(path: Path, text: str) -> None:
    """Write beside the target, then rename: a reader never sees half a file."""
    import os
    import tempfile

    path = path.absolute()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
