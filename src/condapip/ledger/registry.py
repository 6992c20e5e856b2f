"""``~/.conda/environments.txt``: the list conda keeps of the environments it made.

``conda env list``, ``conda doctor`` (its ``environment-txt`` check) and
condapip's own ``-n`` and ``doctor --all`` read it, so a prefix condapip makes
is registered exactly as conda registers one: its normalized path on a line
of its own, appended once.
"""

from __future__ import annotations

import os
from pathlib import Path


def environments_txt() -> Path:
    return Path.home() / ".conda" / "environments.txt"


def registered() -> list[Path]:
    """Every prefix listed, in file order, whether or not it still exists."""
    try:
        lines = environments_txt().read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    return [Path(line.strip()) for line in lines if line.strip()]


def register(prefix: Path) -> None:
    """Append ``prefix`` unless listed; an unwritable home only loses the listing.

    conda skips the build folders conda-build makes; condapip never makes those.
    """
    location = os.path.normpath(str(prefix.absolute()))
    if Path(location) in registered():
        return
    path = environments_txt()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(location + "\n")
    except OSError as exc:
        from condapip.support.output import warn

        warn(f"could not register {location} in {path}: {exc.strerror or exc}")


def unregister(root: Path) -> None:
    """Drop ``root`` and every prefix inside it from the list (a folder about to go).

    Lines are compared by their real paths too: a prefix is registered by its
    real path, and ``root`` may be reached through a symlink.
    """
    path = environments_txt()
    try:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    except (OSError, UnicodeDecodeError):
        return
    roots = {Path(os.path.normpath(root.absolute())), Path(os.path.realpath(root))}

    def inside(line: str) -> bool:
        listed = line.strip()
        if not listed:
            return False
        found = {Path(os.path.normpath(listed)), Path(os.path.realpath(listed))}
        return any(f.is_relative_to(r) for f in found for r in roots)

    kept = [line for line in lines if not inside(line)]
    if len(kept) == len(lines):
        return
    from condapip.support.atomic import write_atomic

    try:
        write_atomic(path, "".join(kept))
    except OSError as exc:
        from condapip.support.output import warn

        warn(f"could not unregister {root} from {path}: {exc.strerror or exc}")
