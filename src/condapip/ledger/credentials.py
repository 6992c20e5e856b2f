"""Credentials for a fetch, from where the user keeps them: never from condapip's files.

condapip writes package URLs as conda does, ``/t/<TOKEN>/`` and no
``user:password@``. To fetch such a URL again (rollback, rebuild, ``create
--lock``), the token or password comes back from the user's condarc: its
``channels``, ``default_channels``, ``custom_channels``, ``custom_multichannels``
and ``channel_alias``, with ``${VAR}`` from the environment, matched by
location as conda matches a URL to its configured channel. A URL whose
userinfo no condarc entry holds is fetched as it is: rattler and pip then
ask netrc and their own credential stores, as conda and pip do.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

from condapip.errors import CondapipError
from condapip.support.redact import attach, has_placeholder, store_url


def keepers() -> list[str]:
    """Every URL in the user's condarc that holds a credential (variables expanded)."""
    from condapip.ledger import condarc

    # the user's files only: a .condarc inside a prefix could have come with a package
    settings = condarc.effective(None)
    found = [os.path.expandvars(str(v)) for v in _values(settings)]
    return [u for u in dict.fromkeys(found) if "://" in u and store_url(u) != u]


def _values(settings: Mapping[str, object]) -> Iterator[object]:
    for key in ("channels", "default_channels", "channel_alias"):
        value = getattr(settings.get(key), "value", None)
        yield from value if isinstance(value, list) else [value] if value else []
    for key in ("custom_channels", "custom_multichannels"):
        value = getattr(settings.get(key), "value", None)
        for item in value.values() if isinstance(value, dict) else ():
            yield from item if isinstance(item, list) else [item]


def for_fetch(url: str, kept: list[str] | None = None) -> str:
    """``url`` with the credentials the user keeps for its channel, if any.

    A ``/t/<TOKEN>/`` that no condarc entry fills is a one-line error naming
    the channel: the fetch could only fail.
    """
    if "://" not in url or url.startswith("file:") or store_url(url) != url:
        return url  # a local file, or a URL that carries its own credentials
    found = attach(url, keepers() if kept is None else kept)
    if found is not None:
        return found
    if has_placeholder(url):
        channel = url.rsplit("/", 2)[0]
        raise CondapipError(
            f"{url.rsplit('/', 1)[-1]}: condapip keeps no token, and no channel in your "
            f"condarc holds one for {channel}: add that channel with its token to the "
            "condarc's channels (or custom_channels) and run this again"
        )
    return url


def spec_for_fetch(spec: str, kept: list[str] | None = None) -> str:
    """A conda spec whose ``channel::`` URL gets the credentials the user keeps for it."""
    channel, sep, rest = spec.rpartition("::")
    if not sep or "://" not in channel:
        return spec
    return f"{for_fetch(channel, kept)}{sep}{rest}"
