"""The one redaction of credentials, for every text that leaves condapip.

Credentials live in URLs: the userinfo of an http(s) URL (``user:token@``), an
anaconda.org-style ``/t/<token>/`` path segment of an http(s) URL, and token
query parameters. ``file://`` URLs and local paths are never touched: a
folder named ``t`` is a folder, and redacting it would corrupt the path.

Two forms. ``redact`` masks for display (``***``). ``store``, ``store_url``
and ``store_channel`` are for files condapip keeps, written as conda itself
writes a record: ``/t/<TOKEN>/`` in a package URL, no token segment in a
channel, no userinfo. Both keep the scheme, host, IPv6 brackets and port
byte for byte, so the result is still a URL conda and rattler can parse.
``attach`` puts the credentials back from a URL the user keeps them in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
# A URL inside free text: a scheme, then anything up to a space or a quote.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>`]+")
_TOKEN_SEGMENT = re.compile(r"/t/[^/]+(?=/|$)")
TOKEN = "<TOKEN>"  # conda's placeholder (conda.common.url.mask_anaconda_token)
# the placeholder as written, and as rattler writes it back (percent-encoded)
_PLACEHOLDER = re.compile(r"/t/(?:<TOKEN>|%3CTOKEN%3E)(?=/|$)", re.IGNORECASE)
# pip keeps ``${VAR}`` userinfo (PEP 610): it names where the secret is, not the secret
_ENV_USERINFO = re.compile(r"^(?:\$\{[A-Za-z0-9_.-]+\})(?::\$\{[A-Za-z0-9_.-]+\})?$")
_SECRET_PARAM = re.compile(
    r"(?i)(?<![^&;])((?:access_|auth_|api_|private_)?token|auth|password|passwd|secret"
    r"|api_?key|key|sig|signature)=[^&;]*"
)


def redact(text: str) -> str:
    """``text`` with every credential in every URL in it masked."""
    if "://" not in text:
        return text
    return _URL.sub(lambda m: redact_url(m.group(0))[0], text)


def redact_url(url: str) -> tuple[str, bool]:
    """One URL, masked; and whether anything was masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, False
    scheme = parts.scheme.lower()
    if scheme == "file" or "://" not in url:
        return url, False
    web = scheme.split("+")[-1] in ("http", "https")
    netloc, path, query = parts.netloc, parts.path, parts.query
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        # ssh's "git@host" names an account, not a secret; a password always is one.
        if web or ":" in userinfo:
            netloc = f"{MASK}@{host}"
    if web:
        path = _TOKEN_SEGMENT.sub(f"/t/{MASK}", path)
        query = _redact_query(query)
    out = urlunsplit(parts._replace(netloc=netloc, path=path, query=query))
    changed = (netloc, path, query) != (parts.netloc, parts.path, parts.query)
    return (out, True) if changed else (url, False)


def store(text: str) -> str:
    """``text`` with every URL in it as :func:`store_url` writes it (a command line)."""
    if "://" not in text:
        return text
    return _URL.sub(lambda m: store_url(m.group(0)), text)


def store_url(url: str) -> str:
    """A URL as conda keeps it in a record: ``/t/<TOKEN>/``, no userinfo.

    Token query parameters are masked, as for display.
    """
    return _stored(url, TOKEN)


def store_channel(url: str) -> str:
    """A channel URL as conda keeps it (``Channel.base_url``): no token segment, no userinfo.

    conda parses a record's ``channel`` and a spec's ``channel::``; a token
    placeholder there would be read as part of the port (``8712<TOKEN>``).
    """
    return _stored(url, None)


def store_spec(spec: str) -> str:
    """A conda spec with its ``channel::`` as :func:`store_channel` writes it."""
    channel, sep, rest = spec.rpartition("::")
    return f"{store_channel(channel)}{sep}{rest}" if sep else spec


def _stored(url: str, token: str | None) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme == "file" or "://" not in url:
        return url
    web = scheme.split("+")[-1] in ("http", "https")
    netloc, path, query = parts.netloc, parts.path, parts.query
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        # "git@host" is an account (pip keeps it too); a password always a secret
        if (web or ":" in userinfo) and userinfo != "git" and not _ENV_USERINFO.match(userinfo):
            netloc = host
    if web:
        path = _TOKEN_SEGMENT.sub("" if token is None else f"/t/{token}", path, count=1)
        query = _redact_query(query)
    if (netloc, path, query) == (parts.netloc, parts.path, parts.query):
        return url
    return urlunsplit(parts._replace(netloc=netloc, path=path, query=query))


def has_placeholder(url: str) -> bool:
    """Whether ``url`` names a token condapip did not keep (``/t/<TOKEN>/``)."""
    return bool(_PLACEHOLDER.search(url))


def attach(url: str, keepers: Iterable[str]) -> str | None:
    """``url`` with the credentials of the keeper whose location it is under.

    A keeper is a channel URL as the user keeps it (a condarc's channel,
    alias or custom channel, credentials and all). It matches, as conda
    matches a URL to its configured channel, when ``url`` without
    credentials starts with the keeper's location; the longest match wins.
    None when no keeper with a credential matches.
    """
    bare = store_channel(_PLACEHOLDER.sub("/t/x", url))
    best: tuple[int, str] | None = None
    for keeper in keepers:
        keeper = keeper.rstrip("/")
        location = store_channel(keeper).rstrip("/")
        if location == keeper or not (bare == location or bare.startswith(location + "/")):
            continue
        if best is None or len(location) > best[0]:
            best = (len(location), keeper + bare[len(location) :])
    return None if best is None else best[1]


def _redact_query(query: str) -> str:
    # By regex, not parse and re-encode: everything but the secret stays byte for byte.
    return _SECRET_PARAM.sub(lambda m: f"{m.group(1)}={MASK}", query)


class RedactingStream:
    """A text stream whose every write is redacted first (stdout and stderr)."""

    def __init__(self, inner: IO[str]) -> None:
        self._inner = inner
        self.buffer = _RedactingBuffer(inner.buffer) if hasattr(inner, "buffer") else None

    def write(self, text: str) -> int:
        self._inner.write(redact(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _RedactingBuffer:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def write(self, data: bytes) -> int:
        if b"://" in data:
            self._inner.write(
                redact(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
            )
        else:
            self._inner.write(data)
        return len(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def redact_streams() -> None:
    """From here on, everything printed to stdout and stderr is redacted."""
    import sys

    if not isinstance(sys.stdout, RedactingStream):
        sys.stdout = RedactingStream(sys.stdout)
    if not isinstance(sys.stderr, RedactingStream):
        sys.stderr = RedactingStream(sys.stderr)
