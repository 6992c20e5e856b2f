"""No secret at rest: every engine install fetches with credentials, and every record it
wrote keeps none.

rattler writes a record's ``url`` as it fetched it, token and password
included, and its ``channel`` with the token masked in a form conda cannot
parse (``http://host:8712/t/********/``: conda reads ``8712********`` as the
port). After every install the records are rewritten as conda writes its own
(``conda.core.prefix_data.PrefixData.insert``): ``/t/<TOKEN>/`` in ``url``,
the channel without its token, no userinfo anywhere. Before it, a URL read
back from a record, a snapshot or a lock gets its credentials from the
user's condarc (:mod:`condapip.ledger.credentials`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from condapip.change.engines.base import CondaChange, CondaEngine, SolvedPackage
from condapip.ledger.credentials import for_fetch, keepers
from condapip.support.atomic import write_atomic
from condapip.support.redact import store_channel, store_spec, store_url

_SUSPECT = re.compile(rb"://[^\"/]*@|/t/")
_WEB_URL = re.compile(r"https?://[!#-~]+")


def install(
    engine: CondaEngine,
    prefix: Path,
    packages: Sequence[SolvedPackage],
    *,
    fetch_installed: bool = False,
) -> CondaChange:
    """``engine.install`` with credentials for the fetch, and none left in the records.

    A package already installed under the same URL is not fetched by a
    solve's install (the engine knows its record), so it is passed as it is
    unless ``fetch_installed`` (an install from recorded URLs alone).
    """
    try:
        return engine.install(prefix, with_credentials(prefix, packages, fetch_installed))
    finally:
        strip_records(prefix)


def with_credentials(
    prefix: Path, packages: Sequence[SolvedPackage], fetch_installed: bool
) -> list[SolvedPackage]:
    installed = set() if fetch_installed else _installed_urls(prefix)
    kept: list[str] | None = None
    out = []
    for pkg in packages:
        if "://" not in pkg.url or pkg.url.startswith("file:") or store_url(pkg.url) in installed:
            out.append(pkg)
            continue
        if kept is None:
            kept = keepers()
        url = for_fetch(pkg.url, kept)
        out.append(pkg if url == pkg.url else replace(pkg, url=url))
    return out


def strip_records(prefix: Path) -> None:
    """Rewrite every record that holds a credential as conda would have written it."""
    meta = prefix / "conda-meta"
    if not meta.is_dir():
        return
    for path in sorted(meta.glob("*.json")):
        try:
            raw = path.read_bytes()
            # most records name no credential: only those that may are parsed
            data = json.loads(raw) if _SUSPECT.search(raw) else None
        except (OSError, ValueError):
            continue  # not a record condapip can read: doctor reports it, not this
        if isinstance(data, dict) and _stored(data):
            write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def scrub_repodata_cache() -> None:
    """rattler's repodata cache keeps the URL of each fetch, token and password included.

    Its ``*.info.json`` gets the URL as stored (rattler then fetches that
    channel afresh, the price of not keeping the token); a sharded-repodata
    entry that names a credential is removed. Best effort: a cache.
    """
    for folder in _rattler_caches():
        for path in folder.glob("*.info.json"):
            try:
                data = json.loads(path.read_bytes())
                if isinstance(data, dict) and isinstance(data.get("url"), str):
                    url = store_url(data["url"])
                    if url != data["url"]:
                        write_atomic(path, json.dumps({**data, "url": url}, indent=2))
            except (OSError, ValueError):
                continue
        for path in folder.glob("*.shards-cache-v1"):
            try:
                text = path.read_bytes().decode("latin-1")  # msgpack: URLs among bytes
                if any(store_url(u) != u for u in _WEB_URL.findall(text)):
                    path.unlink()
            except OSError:
                continue


def _rattler_caches() -> list[Path]:
    import os

    from platformdirs import user_cache_dir

    roots = [Path(user_cache_dir("rattler", appauthor=False)) / "cache"]
    if os.environ.get("RATTLER_CACHE_DIR"):
        roots.append(Path(os.environ["RATTLER_CACHE_DIR"]))
    return [f for r in roots for f in (r, r / "repodata") if f.is_dir()]


def _stored(record: dict[str, object]) -> bool:
    """Store ``record``'s URLs in place; whether anything changed."""
    before = dict(record)
    if isinstance(record.get("url"), str):
        record["url"] = store_url(str(record["url"]))
    if isinstance(record.get("channel"), str):
        record["channel"] = store_channel(str(record["channel"]))
    for key in ("requested_spec", "requested_specs"):
        value = record.get(key)
        if isinstance(value, str):
            record[key] = store_spec(value)
        elif isinstance(value, list):
            record[key] = [store_spec(v) if isinstance(v, str) else v for v in value]
    return record != before


def _installed_urls(prefix: Path) -> set[str]:
    from condapip.ledger.records import read_records

    meta = prefix / "conda-meta"
    # as stored: rattler reads ``<TOKEN>`` back percent-encoded, a solve's URL has the token
    return {store_url(r.url) for r in read_records(meta).values()} if meta.is_dir() else set()
