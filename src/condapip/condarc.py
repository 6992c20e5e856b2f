"""conda's configuration files, read and merged in conda's own search order."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.errors import CondapipError
from condapip.locate import root_prefix


@dataclass(frozen=True)
class Setting:
    """An effective value and the file it came from."""

    value: Any
    source: Path


def search_path(prefix: Path | None = None) -> list[Path]:
    """conda's condarc search order, lowest precedence first."""
    home = Path.home()
    root = root_prefix()
    paths = [
        Path("/etc/conda/.condarc"),
        Path("/etc/conda/condarc"),
        Path("/var/lib/conda/.condarc"),
        Path("/var/lib/conda/condarc"),
    ]
    if root is not None:
        paths += [root / ".condarc", root / "condarc"]
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    paths += [
        xdg / "conda" / ".condarc",
        xdg / "conda" / "condarc",
        home / ".config" / "conda" / ".condarc",
        home / ".conda" / ".condarc",
        home / ".condarc",
    ]
    if os.environ.get("CONDARC"):
        paths.append(Path(os.environ["CONDARC"]))
    if prefix is not None:
        paths += [prefix / ".condarc", prefix / "condarc"]
    seen: set[Path] = set()
    out = []
    for p in paths:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def user_condarc() -> Path:
    """The file ``conda config`` writes to by default."""
    if os.environ.get("CONDARC"):
        return Path(os.environ["CONDARC"])
    return Path.home() / ".condarc"


def load(path: Path) -> dict[str, Any]:
    """One condarc as plain data; a file that is not YAML is bad input."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise CondapipError(f"cannot read {path}: {exc.strerror}") from None
    from ruamel.yaml import YAML, YAMLError

    try:
        data = YAML(typ="safe").load(text)
    except YAMLError as exc:
        raise CondapipError(f"malformed condarc {path}: {str(exc).splitlines()[0]}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CondapipError(f"malformed condarc {path}: top level is not a mapping")
    return data


def effective(prefix: Path | None = None) -> dict[str, Setting]:
    """Merged settings: sequences like ``channels`` prepend, scalars override."""
    merged: dict[str, Setting] = {}
    for path in search_path(prefix):
        data = load(path)
        for key, value in data.items():
            if isinstance(value, list) and key in merged and isinstance(merged[key].value, list):
                old = [v for v in merged[key].value if v not in value]
                merged[key] = Setting([*value, *old], path)
            else:
                merged[key] = Setting(value, path)
    return merged


def channels(prefix: Path | None = None) -> list[str]:
    setting = effective(prefix).get("channels")
    if setting is None or not setting.value:
        return ["conda-forge"]
    return [str(c) for c in setting.value if str(c) != "defaults"] or ["conda-forge"]


def envs_dirs() -> list[Path]:
    setting = effective().get("envs_dirs")
    return [Path(os.path.expanduser(str(p))) for p in (setting.value if setting else [])]


def pkgs_dirs() -> list[Path]:
    setting = effective().get("pkgs_dirs")
    return [Path(os.path.expanduser(str(p))) for p in (setting.value if setting else [])]
