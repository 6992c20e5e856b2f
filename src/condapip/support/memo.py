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
writing at once) is a miss or a skipped write; nothing here raises. An answer
holding a credential (a URL's token or password) is never written.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable, Mapping
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
    from condapip.support.atomic import write_atomic
    from condapip.support.redact import store

    try:
        data = orjson.dumps({"key": digest, "value": value})
        text = data.decode("utf-8")
        if store(text) != text:
            return  # an answer that names a credential is worked out again, never kept
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # readers see the old entry or the new one, never half
        write_atomic(path, data)
    except (OSError, TypeError):
        pass


def slot(kind: str, scope: str) -> str:
    """A slot name for one ``kind`` of answer about one prefix or file."""
    return f"{kind}-{hashlib.sha256(scope.encode('utf-8', 'surrogateescape')).hexdigest()[:32]}"


def installed(libraries: Mapping[str, str]) -> list[str] | None:
    """The dist-info names (name and version) of libraries, without importing them.

    ``libraries`` maps a distribution to its import package (``{"py-rattler":
    "rattler"}``); the dist-info looked for is the one beside the package that
    ``import`` would find first. None when one is missing: no safe key, no memo.
    """
    found = []
    listings: dict[str, list[str]] = {}
    for dist, package in libraries.items():
        wanted = dist.replace(".", "_").replace("-", "_").lower()
        for entry in sys.path:
            root = entry or "."
            if not os.path.isdir(os.path.join(root, *package.split("."))):
                continue
            if root not in listings:
                try:
                    listings[root] = os.listdir(root)
                except OSError:
                    listings[root] = []
            names = [
                n
                for n in listings[root]
                if n.endswith(".dist-info")
                and n.split("-", 1)[0].replace(".", "_").lower() == wanted
            ]
            if len(names) != 1:
                return None  # none, or stale copies beside each other: no telling which
            found.append(names[0])
            break
        else:
            return None
    return found


def code(files: Iterable[str], libraries: Mapping[str, str]) -> list[str] | None:
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
    versions = installed(libraries)
    return None if versions is None else out + versions


def _path(slot: str) -> str | None:
    try:
        from platformdirs import user_cache_dir

        return os.path.join(user_cache_dir("condapip", appauthor=False), "memo", slot + ".json")
    except Exception:  # no home, no cache dir on this system: no memo
        return None
