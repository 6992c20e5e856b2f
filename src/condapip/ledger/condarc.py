"""conda's configuration files, read and merged in conda's own search order."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.errors import CondapipError


@dataclass(frozen=True)
class Setting:
    """An effective value and the file it came from."""

    value: Any
    source: Path


def root_prefix() -> Path | None:
    for var in ("CONDA_ROOT", "MAMBA_ROOT_PREFIX"):
        if os.environ.get(var):
            return Path(os.environ[var])
    exe = os.environ.get("CONDA_EXE")
    if exe:
        return Path(exe).resolve().parent.parent
    return None


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
    # Parsing is a pure function of the text, and ruamel.yaml costs more to
    # import than a doctor run spends on its rules: remember the answer under
    # a hash of the text and the parser's version (condapip.support.memo).
    from condapip.support import memo, yaml_input

    code = memo.code([__file__, yaml_input.__file__], {"ruamel.yaml": "ruamel.yaml"})
    slot = memo.slot("condarc", str(path.absolute()))
    digest = memo.key(code, text) if code is not None else None
    if digest is not None:
        remembered = memo.recall(slot, digest)
        if isinstance(remembered, dict):
            return remembered
    data = _parse(path, text)
    if digest is not None and _plain(data) and not _holds_credentials(text):
        memo.remember(slot, digest, data)
    return data


def _holds_credentials(text: str) -> bool:
    # The memo is a file in the user cache: a condarc with a token or a
    # password in it is parsed afresh each time rather than copied there.
    from condapip.support.redact import redact

    lowered = text.lower()
    return redact(text) != text or any(w in lowered for w in ("token", "password", "passwd"))


def _parse(path: Path, text: str) -> dict[str, Any]:
    from condapip.support.yaml_input import load

    data = load(text, f"condarc {path}")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CondapipError(f"malformed condarc {path}: top level is not a mapping")
    return data


def _plain(data: dict[str, Any]) -> bool:
    """True when JSON keeps ``data`` exactly (no dates, no non-string keys)."""
    import orjson

    try:
        return bool(orjson.loads(orjson.dumps(data)) == data)
    except TypeError:
        return False


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
    """The condarc's channels as written (``defaults`` is expanded by ``ledger.channels``).

    With none set (or ``channels: []``), conda's own default: ``defaults``.
    """
    setting = effective(prefix).get("channels")
    if setting is None or not setting.value:
        return ["defaults"]
    return [str(c) for c in setting.value]


def offline(prefix: Path | None = None) -> str | None:
    """Where ``offline: true`` comes from (``CONDA_OFFLINE`` or a condarc), else None."""
    env = os.environ.get("CONDA_OFFLINE", "").strip().lower()
    if env:
        return "CONDA_OFFLINE" if env in ("1", "true", "yes", "on") else None
    setting = effective(prefix).get("offline")
    if setting is not None and setting.value is True:
        return str(setting.source)
    return None


def envs_dirs() -> list[Path]:
    setting = effective().get("envs_dirs")
    return [Path(os.path.expanduser(str(p))) for p in (setting.value if setting else [])]


def pkgs_dirs() -> list[Path]:
    setting = effective().get("pkgs_dirs")
    return [Path(os.path.expanduser(str(p))) for p in (setting.value if setting else [])]


def items(key: str, prefix: Path | None = None) -> list[Setting]:
    """Each entry of a list setting with the file it came from, in merged order."""
    merged: list[Setting] = []
    for path in search_path(prefix):
        value = load(path).get(key)
        if isinstance(value, list):
            mine = [Setting(v, path) for v in value]
            merged = mine + [s for s in merged if s.value not in value]
    return merged


def is_conda_forge(channel: str) -> bool:
    """``conda-forge`` by name or by its anaconda.org URL."""
    base = str(channel).rstrip("/")
    return base == "conda-forge" or base.endswith(
        ("conda.anaconda.org/conda-forge", "anaconda.org/conda-forge")
    )


def with_strict_conda_forge(text: str, source: str = ".condarc") -> str:
    """``text`` with conda-forge the first channel and ``channel_priority: strict``.

    A ruamel.yaml round trip: comments, key order and quoting survive. With no
    ``channels`` key the result is what ``conda config --add channels
    conda-forge`` writes: conda-forge, then defaults.
    """
    from io import StringIO

    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.util import load_yaml_guess_indent

    from condapip.support.yaml_input import check

    check(text, f"condarc {source}")

    try:
        data, indent, offset = load_yaml_guess_indent(text) if text.strip() else (None, 4, 2)
    except YAMLError as exc:
        raise CondapipError(f"malformed condarc {source}: {str(exc).splitlines()[0]}") from None
    if data is not None and not isinstance(data, CommentedMap):
        raise CondapipError(f"malformed condarc {source}: top level is not a mapping")
    yaml = YAML()
    yaml.preserve_quotes = True
    # conda config's own layout when the file shows none of its own
    indent, offset = (indent, offset or 0) if indent else (4, 2)
    yaml.indent(mapping=max(2, indent - offset), sequence=indent, offset=offset)
    doc = data if data is not None else CommentedMap()
    channels = doc.get("channels")
    if channels is None:
        doc["channels"] = CommentedSeq(["conda-forge", "defaults"])
    elif not isinstance(channels, CommentedSeq):
        raise CondapipError(f"malformed condarc {source}: channels is not a list")
    else:
        at = next((i for i, c in enumerate(channels) if is_conda_forge(str(c))), None)
        if at is None:
            channels.insert(0, "conda-forge")
        elif at > 0:
            comment = channels.ca.items.pop(at, None)
            channels.insert(0, channels.pop(at))
            if comment is not None:
                channels.ca.items[0] = comment
    if doc.get("channel_priority") != "strict":
        doc["channel_priority"] = "strict"
    buf = StringIO()
    yaml.dump(doc, buf)
    if data is None and text.strip():
        # only comments: keep them, add the settings below
        return text.rstrip("\n") + "\n" + buf.getvalue()
    return buf.getvalue()
