"""pip's effective index settings, read from the files and variables pip reads.

pip's own order (``pip/_internal/configuration.py``), each file overriding the
ones before it: global (``pip.conf`` in each ``$XDG_CONFIG_DIRS`` folder, then
``/etc/pip.conf``), user (``~/.pip/pip.conf``, then
``$XDG_CONFIG_HOME/pip/pip.conf``; skipped when ``PIP_CONFIG_FILE`` names a
file that exists), site (``PREFIX/pip.conf``), then ``PIP_CONFIG_FILE``
itself; ``PIP_CONFIG_FILE=os.devnull`` loads no file at all. In the merged
files ``[install]`` overrides ``[global]``, and ``PIP_*`` variables override
both; an empty value is ignored wherever it is.
"""

from __future__ import annotations

import configparser
import locale
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from condapip.errors import CondapipError

_BASENAME = "pip.ini" if sys.platform == "win32" else "pip.conf"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# pip's strtobool
_TRUE = {"y", "yes", "t", "true", "on", "1"}
_FALSE = {"n", "no", "f", "false", "off", "0"}


@dataclass(frozen=True)
class PipIndexes:
    """Where pip would look for distributions, and the constraints it always applies."""

    # credentials kept, for the fetch only: out of the repr, so never shown
    index_url: str | None = field(default=None, repr=False)
    extra_index_urls: tuple[str, ...] = field(default=(), repr=False)
    find_links: tuple[str, ...] = ()  # local ones absolute
    no_index: bool = False
    constraints: tuple[str, ...] = ()

    def args(self, *, own_index: bool = False) -> list[str]:
        """The settings as pip's command-line options, which uv takes as they are.

        ``own_index``: the requirements name their own ``--index-url``, which in
        pip replaces the configured index and extra indexes.
        """
        out: list[str] = []
        if not own_index:
            out += ["--index-url", self.index_url] if self.index_url else []
            for url in self.extra_index_urls:
                out += ["--extra-index-url", url]
        for link in self.find_links:
            out += ["--find-links", link]
        out += ["--no-index"] if self.no_index else []
        for path in self.constraints:
            out += ["--constraint", path]
        return out


def config_files(prefix: Path | None = None) -> list[Path]:
    """pip's configuration files, lowest precedence first (``prefix``: whose site file)."""
    named = os.environ.get("PIP_CONFIG_FILE")
    if named == os.devnull:
        return []
    import platformdirs

    site_dirs = (
        platformdirs.site_data_dir("pip", appauthor=False, multipath=True)
        if sys.platform == "darwin"
        else platformdirs.site_config_dir("pip", appauthor=False, multipath=True)
    )
    files = [Path(d) / _BASENAME for d in site_dirs.split(os.pathsep)]
    if sys.platform not in ("darwin", "win32"):
        files.append(Path("/etc") / _BASENAME)
    if not (named and os.path.exists(named)):
        legacy = Path.home() / ("pip" if sys.platform == "win32" else ".pip") / _BASENAME
        files += [legacy, _user_dir() / _BASENAME]
    if prefix is not None:
        files.append(prefix / _BASENAME)
    if named:
        files.append(Path(named))
    return files


def _user_dir() -> Path:
    import platformdirs

    if sys.platform == "darwin":  # pip's choice: Application Support when it exists
        support = Path(platformdirs.user_data_dir("pip", appauthor=False))
        if support.is_dir():
            return support
        return Path.home() / ".config" / "pip"
    return Path(platformdirs.user_config_dir("pip", appauthor=False, roaming=True))


def read(prefix: Path | None = None, command: str = "install") -> PipIndexes:
    """The index settings ``pip COMMAND`` would use (relative paths against the cwd)."""
    merged: dict[tuple[str, str], str] = {}
    for path in config_files(prefix):
        merged.update(_load(path))

    def value(key: str) -> str | None:
        env = os.environ.get("PIP_" + key.upper().replace("-", "_"))
        for found in (env, merged.get((command, key)), merged.get(("global", key))):
            if found:
                return found
        return None

    index_url = value("index-url")
    return PipIndexes(
        index_url=index_url.strip() if index_url else None,
        extra_index_urls=tuple((value("extra-index-url") or "").split()),
        find_links=tuple(_local(v) for v in (value("find-links") or "").split()),
        no_index=_flag("no-index", value("no-index")),
        constraints=tuple(_local(v) for v in (value("constraint") or "").split()),
    )


def _load(path: Path) -> dict[tuple[str, str], str]:
    parser = configparser.RawConfigParser()
    try:
        with open(path, encoding=locale.getpreferredencoding(False)) as fh:
            parser.read_file(fh)
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CondapipError(f"malformed pip configuration {path}: {first}") from None
    return {
        (section, key.lower().replace("_", "-").removeprefix("--")): value
        for section in parser.sections()
        for key, value in parser.items(section)
    }


def _flag(key: str, text: str | None) -> bool:
    if text is None:
        return False
    word = text.strip().lower()
    if word not in _TRUE | _FALSE:
        raise CondapipError(f"pip configuration: {key} = {text!r} is not a valid value")
    return word in _TRUE


def _local(value: str) -> str:
    """A path as pip reads it from the cwd, made absolute (uv runs elsewhere); a URL as is."""
    if _URL.match(value):
        return value
    return str(Path(os.path.expanduser(value)).absolute())
