"""``condapip export``: a file that rebuilds the prefix, both layers exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from condapip.export import Exported, export
from condapip.prefix import read_prefix


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
