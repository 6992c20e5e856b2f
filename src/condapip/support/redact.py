"""The one redaction of credentials, for every text that leaves condapip.

Credentials live in URLs: the userinfo of an http(s) URL (``user:token@``), an
anaconda.org-style ``/t/<token>/`` path segment of an http(s) URL, and token
query parameters. ``file://`` URLs and local paths are never touched: a
folder named ``t`` is a folder, and redacting it would corrupt the path.
"""

from __future__ import annotations

import re
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
# A URL inside free text: a scheme, then anything up to a space or a quote.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>`]+")
_TOKEN_SEGMENT = re.compile(r"/t/[^/]+(?=/|$)")
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
