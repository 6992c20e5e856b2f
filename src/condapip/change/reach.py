"""Which pip dists a change of the conda layer reaches: only those are re-laid.

Re-laying the whole pip layer for every conda change costs a reinstall of
every pip package (tens of seconds); a pip dist the change does not reach
stays where it is, untouched.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

from packaging.utils import canonicalize_name

from condapip.change.engines.base import SolvedPackage
from condapip.change.pip_resolve import conda_keys, requirement
from condapip.ledger.prefix import Prefix
from condapip.support.redact import store_url


def touched(prefix: Prefix, packages: Sequence[SolvedPackage]) -> set[str]:
    """The pip dists (normalized names) a change of the conda layer to ``packages`` reaches.

    One is reached when it has the name of a conda package that changes, when
    one of its requirements names one, or when its files lie where a changing
    conda package's files lie (the same top-level module, script or file).
    Every other pip dist stays where it is: its files are not under conda's,
    and what it needs is unchanged.
    """
    old = {r.name: store_url(r.url) for r in prefix.records.values()}
    new = {p.name: store_url(p.url) for p in packages}
    changed = {n for n in old.keys() | new.keys() if old.get(n) != new.get(n)}
    if not changed:
        return set()
    keys = set(conda_keys(prefix, changed).values())
    places = set(keys)
    for name in changed & old.keys():
        places.update(_place(f) for f in prefix.records[name].files)
    out = set()
    for dist in prefix.pip_dists:
        needs = {canonicalize_name(r.name) for r in map(requirement, dist.requires) if r}
        if dist.key in keys or needs & keys or _dist_places(prefix, dist.path) & places:
            out.add(dist.key)
    return out


def _place(path: str) -> str:
    """A file's unit of ownership: its top-level entry in site-packages, else the file."""
    _, sep, inside = path.partition("site-packages/")
    if not sep:
        return path
    return inside.split("/", 1)[0].removesuffix(".py")


def _dist_places(prefix: Prefix, dist_path: Path) -> set[str]:
    site = dist_path.parent
    base = site.relative_to(prefix.path).as_posix()
    try:
        with open(dist_path / "RECORD", newline="", encoding="utf-8") as fh:
            rows = [row[0] for row in csv.reader(fh) if row]
    except (OSError, UnicodeDecodeError, csv.Error):
        return set()
    out = set()
    for rel in rows:
        top = rel.split("/", 1)[0]
        if top.endswith((".dist-info", ".egg-info", ".data")) or top == "__pycache__":
            continue
        full = os.path.normpath(f"{base}/{rel}").replace(os.sep, "/")
        out.add(_place(full))
    return out
