"""Answers of pure functions, kept in the user cache under a hash of all they read.

``doctor`` runs again and again on environments that rarely change, and some
of its answers cost far more to import than to work out: conda's MatchSpec
needs py-rattler (~65 ms to load), a condarc needs ruamel.yaml (~20 ms). A
memo entry is keyed on a sha256 of every input the function reads, plus the
code and library versions that compute it, so it can never be stale: changed
inputs make another key, and another key is a miss that computes afresh. Each
caller gives a slot (one per prefix or file) that its newest answer overwrites,
so the cache grows with the number of environments, not with their history.

Anything wrong with the cache (missing, corrupt, unwritable, another process
writing at once) is a miss or a skipped write; nothing here raises.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable
from typing import Any

import orjson

MISS: Any = object()


def key(*parts: Any) -> str:
    """A digest of ``parts`` (JSON-able: str, int, lists, dicts of str)."""
    return hashlib.sha256(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)).hexdigest()


def recall(slot: str, digest: str) -> Any:
    """The value remembered in ``slot`` under ``digest``, else ``MISS``."""
    path = _path(slot)
    if path is None:
        return MISS
    try:
        with open(path, "rb") as fh:
            entry = orjson.loads(fh.read())
        if entry["key"] == digest:
            return entry["value"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return MISS


def remember(slot: str, digest: str, value: Any) -> None:
    """Keep ``value`` in ``slot`` under ``digest``, atomically; best effort."""
    path = _path(slot)
    if path is None:
        return
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(orjson.dumps({"key": digest, "value": value}))
        os.replace(tmp, path)  # readers see the old entry or the new one, never half
    except (OSError, TypeError):
        try:
            os.unlink(tmp)
        except OSError:
            pass


def slot(kind: str, scope: str) -> str:
    """A slot name for one ``kind`` of answer about one prefix or file."""
    return f"{kind}-{hashlib.sha256(scope.encode('utf-8', 'surrogateescape')).hexdigest()[:32]}"


def installed(dist_names: Iterable[str]) -> list[str] | None:
    """The dist-info folder names (name and version) of these libraries, without importing them.

    None when one cannot be found: then there is no safe key, and no memo.
    """
    wanted = {n.replace(".", "_").replace("-", "_").lower() for n in dist_names}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if not name.endswith(".dist-info"):
                continue
            dist = name.split("-", 1)[0].replace(".", "_").lower()
            if dist in wanted and dist not in found:
                found[dist] = name
        if len(found) == len(wanted):
            return sorted(found.values())
    return None


def code(files: Iterable[str], dists: Iterable[str]) -> list[str] | None:
    """What computes an answer: a digest of each source file and each library's version.

    None when one cannot be read (a frozen or zipped install): then no memo.
    """
    out = []
    for file in files:
        try:
            with open(file, "rb") as fh:
                out.append(hashlib.sha256(fh.read()).hexdigest())
        except OSError:
            return None
    libraries = installed(dists)
    return None if libraries is None else out + libraries


def _path(slot: str) -> str | None:
    try:
        from platformdirs import user_cache_dir

        return os.path.join(user_cache_dir("condapip", appauthor=False), "memo", slot + ".json")
    except Exception:  # no home, no cache dir on this system: no memo
        return None
