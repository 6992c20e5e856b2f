"""Which prefix a command means: ``-p PREFIX``, ``-n NAME`` or ``$CONDA_PREFIX``."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from condapip.errors import CondapipError
from condapip.ledger.condarc import root_prefix


def resolve(name: str | None, prefix: str | None) -> Path:
    if name and prefix:
        raise CondapipError("give either -n NAME or -p PREFIX, not both")
    if prefix:
        return prefix_path(prefix)
    if name:
        return find_named(name)
    active = os.environ.get("CONDA_PREFIX")
    if active:
        return prefix_path(active)
    raise CondapipError("no environment: pass -n NAME or -p PREFIX, or activate one")


def prefix_path(prefix: str) -> Path:
    """``-p PREFIX`` as an absolute path; one holding a control character is refused.

    A newline in a prefix would split ``environments.txt`` (one prefix a line)
    and every record or history line that names it.
    """
    if _has_control(prefix):
        raise CondapipError(f"invalid environment prefix {prefix!r}: it holds a control character")
    return Path(prefix).expanduser().absolute()


def valid_name(name: str) -> str:
    """``name`` if conda would accept it as an environment name, else refused."""
    # the characters conda refuses in an environment name, and control characters
    if not name or any(c in name for c in "/\\ :#") or name in (".", ".."):
        raise CondapipError(f"invalid environment name: {name!r}")
    if _has_control(name):
        raise CondapipError(f"invalid environment name {name!r}: it holds a control character")
    return name


def _has_control(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in text)


def find_named(name: str) -> Path:
    valid_name(name)
    if name == "base":
        root = root_prefix()
        if root is None:
            raise CondapipError("cannot find the base environment: set CONDA_ROOT")
        return root
    for d in search_dirs():
        candidate = d / name
        if (candidate / "conda-meta").is_dir():
            return candidate
    for env in known_envs():
        if env.name == name:
            return env
    default = Path.home() / ".conda" / "envs" / name
    if default.is_dir():
        return default
    raise CondapipError(f"no environment named {name!r}")


def search_dirs() -> list[Path]:
    """$CONDA_ENVS_PATH, then the condarc's envs_dirs, in that order."""
    from condapip.ledger import condarc

    out = [Path(p) for p in os.environ.get("CONDA_ENVS_PATH", "").split(os.pathsep) if p]
    return out + condarc.envs_dirs()


def known_envs() -> list[Path]:
    """Prefixes listed in ~/.conda/environments.txt that still exist."""
    from condapip.ledger.registry import registered

    return [p for p in registered() if p.is_dir()]


def all_envs() -> list[Path]:
    """Every environment conda knows of, each once, in a stable order."""
    found: dict[Path, None] = {}
    root = root_prefix()
    if root is not None and (root / "conda-meta").is_dir():
        found[root] = None
    for env in known_envs():
        found[env] = None
    for d in [*search_dirs(), Path.home() / ".conda" / "envs"]:
        if d.is_dir():
            for child in sorted(d.iterdir()):
                if (child / "conda-meta").is_dir():
                    found[child] = None
    return list(found)


def is_base(prefix: Path, records: Mapping[str, object]) -> bool:
    """conda's own environment: holds condabin/, conda or mamba, or is the root."""
    if (prefix / "condabin").is_dir() or "conda" in records or "mamba" in records:
        return True
    root = root_prefix()
    return root is not None and root.resolve() == prefix.resolve()
