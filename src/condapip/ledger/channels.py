"""The one channel resolver: every form conda accepts, to the URL conda would fetch.

A name goes through ``channel_alias`` (or a ``custom_channels`` entry), a
multi-part name such as ``nvidia/label/cuda-12.1.0`` stays one channel,
``defaults`` expands to ``default_channels``, ``nodefaults`` is dropped,
``${VAR}``/``$VAR`` are expanded from the environment (as conda expands a
channel), URLs keep their ``/t/<token>/`` and ``user:password@`` for the
fetch, and local paths are relative to the file that names them. Every
check the real run makes is made here, so ``--dry-run`` agrees with it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from condapip.errors import CondapipError
from condapip.ledger.records import SUBDIRS

if TYPE_CHECKING:
    from condapip.ledger.specs import CondaSpec

DEFAULT_ALIAS = "https://conda.anaconda.org"
# conda's own default_channels (conda.base.constants.DEFAULT_CHANNELS_UNIX / _WIN)
DEFAULT_CHANNELS = ("https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r")
DEFAULT_CHANNELS_WIN = (*DEFAULT_CHANNELS, "https://repo.anaconda.com/pkgs/msys2")
# conda.common.path.is_path: what reads as a folder rather than a channel name
_PATH = re.compile(r"^(?:\.{1,2}(?:/|\\|$)|~|/|[A-Za-z]:[/\\]|\\\\)")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.\-]*)*$")
_URL_BAD = re.compile(r"[\s;&|`$<>\\\"'(){}]")


@dataclass(frozen=True)
class Channel:
    """One resolved channel: what was written and the base URL fetched from it."""

    written: str
    url: str  # no trailing slash; credentials kept, for the fetch only

    @property
    def shown(self) -> str:
        """The URL as any output may show it: credentials redacted."""
        from condapip.support.redact import redact_url

        return redact_url(self.url)[0]


@dataclass(frozen=True)
class Config:
    """The condarc keys that decide where a name points."""

    alias: str = DEFAULT_ALIAS
    default_channels: tuple[str, ...] = ()
    custom_channels: Mapping[str, str] = field(default_factory=dict)
    custom_multichannels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    offline: str | None = None  # the condarc that sets ``offline: true``: no network

    @classmethod
    def from_condarc(cls, prefix: Path | None = None) -> Config:
        from condapip.ledger import condarc

        settings = condarc.effective(prefix)

        def value(key: str) -> Any:
            setting = settings.get(key)
            return None if setting is None else setting.value

        alias = value("channel_alias")
        custom = value("custom_channels")
        multi = value("custom_multichannels")
        return cls(
            alias=os.path.expandvars(str(alias)).rstrip("/") if alias else DEFAULT_ALIAS,
            default_channels=tuple(str(c) for c in value("default_channels") or ()),
            custom_channels=(
                {str(k): os.path.expandvars(str(v)) for k, v in custom.items()}
                if isinstance(custom, dict)
                else {}
            ),
            custom_multichannels=(
                {str(k): tuple(str(c) for c in v) for k, v in multi.items() if isinstance(v, list)}
                if isinstance(multi, dict)
                else {}
            ),
            offline=condarc.offline(prefix),
        )


def resolve(
    values: Iterable[str], *, base: Path | None = None, config: Config | None = None
) -> list[Channel]:
    """Each channel as conda resolves it, multichannels expanded, duplicates dropped."""
    config = config or Config.from_condarc()
    out: dict[str, Channel] = {}
    for value in values:
        for channel in _expand(str(value), base, config, depth=0):
            out.setdefault(channel.url, channel)
    return list(out.values())


def _expand(value: str, base: Path | None, config: Config, depth: int) -> list[Channel]:
    written = os.path.expandvars(value.strip())
    if depth > 8:
        raise CondapipError(f"channel {value!r}: custom_multichannels refer to each other")
    if written == "nodefaults":
        return []
    if written == "defaults" or written in config.custom_multichannels:
        members = (
            config.custom_multichannels.get(written)
            or config.default_channels
            or (DEFAULT_CHANNELS_WIN if os.name == "nt" else DEFAULT_CHANNELS)
        )
        return [c for m in members for c in _expand(m, base, config, depth + 1)]
    return [Channel(written, _url(written, base, config))]


def _url(written: str, base: Path | None, config: Config) -> str:
    found = _remote_or_local(written, base, config)
    if config.offline is not None and not found.startswith("file:"):
        raise CondapipError(
            f"channel {_redacted(found)} is not available locally, and {config.offline} sets "
            "offline: true (no network): pass -c with a local channel folder or file:// URL"
        )
    return found


def _remote_or_local(written: str, base: Path | None, config: Config) -> str:
    if "://" in written:
        return _checked_url(written)
    if _PATH.match(written):
        path = Path(os.path.expanduser(written))
        return _local(path if path.is_absolute() else (base or Path.cwd()) / path, written)
    name = _strip_subdir(written.rstrip("/"))
    if not _NAME.match(name) or ".." in name.split("/"):
        raise CondapipError(f"invalid channel {written!r}")
    parts = name.split("/")
    for i in range(len(parts), 0, -1):
        location = config.custom_channels.get("/".join(parts[:i]))
        if location is not None:
            return _checked_url(f"{location.rstrip('/')}/{name}")
    return _checked_url(f"{config.alias.rstrip('/')}/{name}")


def _checked_url(text: str) -> str:
    if _URL_BAD.search(text):
        raise CondapipError(f"invalid channel URL {_redacted(text)!r}")
    try:
        parts = urlsplit(text)
    except ValueError:
        raise CondapipError(f"invalid channel URL {_redacted(text)!r}") from None
    scheme = parts.scheme.lower()
    if scheme == "file":
        from urllib.request import url2pathname

        return _local(Path(url2pathname(parts.path)), text)
    if scheme not in ("http", "https") or not parts.hostname:
        raise CondapipError(f"invalid channel URL {_redacted(text)!r} (http, https or file)")
    try:
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise CondapipError(f"invalid channel URL {_redacted(text)!r}") from None
    return _strip_subdir(text.rstrip("/"))


def _local(path: Path, written: str) -> str:
    # resolved: every engine, and every record it writes, sees one absolute path, no ".."
    path = path.resolve()
    if not path.is_dir():
        raise CondapipError(f"channel folder does not exist: {written}")
    return _strip_subdir(path.as_uri())


def _strip_subdir(text: str) -> str:
    # ".../conda-forge/linux-64" names the channel and one of its subdirs;
    # the engines pick subdirs themselves
    head, _, last = text.rpartition("/")
    return head if head and last in SUBDIRS else text


def _redacted(text: str) -> str:
    from condapip.support.redact import redact

    return redact(text)


@dataclass(frozen=True)
class Chosen:
    """A channel as written (or as an env's packages record it), and where it came from."""

    written: str
    source: str


def chosen(
    *,
    command_line: Sequence[str] = (),
    file: Sequence[str] = (),
    file_path: Path | None = None,
    prefix: Path | None = None,
) -> list[Chosen]:
    """The channels a verb uses, in conda's order: the first of ``-c``, the file's, the
    condarc's, those the env's packages came from, and ``defaults``."""
    from condapip.ledger import condarc

    if command_line:
        return [Chosen(c, "-c") for c in command_line]
    if file:
        return [Chosen(c, str(file_path or "the file")) for c in file]
    configured = condarc.items("channels", prefix)
    if configured:
        return [Chosen(str(s.value), str(s.source)) for s in configured]
    used = env_channels(prefix) if prefix is not None else []
    if used:
        return [Chosen(c, f"the env's packages ({prefix})") for c in used]
    return [Chosen("defaults", "conda's default (no condarc sets channels)")]


def env_channels(prefix: Path) -> list[str]:
    """The channels an env's conda packages came from, most packages first."""
    from collections import Counter

    from condapip.ledger.records import read_records

    meta = prefix / "conda-meta"
    records = read_records(meta).values() if meta.is_dir() else ()
    used = Counter(r.channel.rstrip("/") for r in records if r.channel)
    return [c for c, _ in used.most_common()]


def for_verb(
    *,
    command_line: Sequence[str] = (),
    file: Sequence[str] = (),
    file_path: Path | None = None,
    prefix: Path | None = None,
) -> list[str]:
    """The URLs a verb fetches from: :func:`chosen`, resolved (``-c`` relative to the
    working folder, the file's relative to the file)."""
    config = Config.from_condarc(prefix)
    picked = chosen(command_line=command_line, file=file, file_path=file_path, prefix=prefix)
    base = file_path.absolute().parent if file and not command_line and file_path else None
    return [c.url for c in resolve([c.written for c in picked], base=base, config=config)]


def spec_channel(spec: str, *, config: Config | None = None) -> tuple[str, str | None]:
    """``spec`` with its ``channel::`` (or ``channel/subdir::``) as a URL, and that URL.

    rattler resolves a spec's channel name through its own alias; conda uses
    the condarc's, so the name is resolved here and the spec names a URL.
    """
    from condapip.ledger.specs import conda_spec

    parsed = conda_spec(spec)
    if parsed.channel is None:
        return parsed.text, None
    members = [c.url for c in resolve([parsed.channel], config=config)]
    if not members:
        raise CondapipError(f"channel {parsed.channel!r} names no channel")
    # conda's ``defaults::pkg`` (any multichannel): a package of any member matches
    # (MatchSpec compares the multichannel's name); rattler's spec takes one channel
    # URL, so it names the first member that has the package, strict priority's pick
    channel_url = members[0] if len(members) == 1 else _first_holding(members, parsed)
    body = parsed.text.split("::", 1)[1]
    where = f"{channel_url}/{parsed.subdir}" if parsed.subdir else channel_url
    return f"{where}::{body}", channel_url


def _first_holding(members: list[str], parsed: CondaSpec) -> str:
    """The first of a multichannel's ``members`` whose repodata lists ``parsed``'s name.

    None does, or they cannot be read here: the first, and the solve says what is missing.
    """
    import asyncio

    import rattler

    subdirs = [parsed.subdir] if parsed.subdir else [str(rattler.Subdir.current()), "noarch"]
    try:
        found = asyncio.run(
            rattler.Gateway().query(
                [rattler.Channel(m) for m in members],
                [rattler.Subdir(s) for s in subdirs],
                [parsed.name],
                recursive=False,
            )
        )
    except Exception:  # rattler raises its own types for fetch errors
        return members[0]
    holding = {str(rec.channel).rstrip("/") for records in found for rec in records}
    return next((m for m in members if m.rstrip("/") in holding), members[0])
