"""What an export or a lock holds: a prefix's conda records and pip dists, chosen once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from packaging.utils import canonicalize_name

from condapip.errors import CondapipError
from condapip.ledger.dists import Dist
from condapip.ledger.pins import pin
from condapip.ledger.prefix import Prefix
from condapip.ledger.records import CondaRecord, channel_name
from condapip.support.redact import redact_url

# Installed with pip itself or as build tooling; exported only when asked for.
NOISE = frozenset({"pip", "setuptools", "wheel"})


@dataclass(frozen=True)
class Layers:
    """What a rebuild needs, in install order: conda records, then pip dists."""

    name: str
    platform: str
    channels: tuple[str, ...]
    records: tuple[CondaRecord, ...]  # sorted by name
    pip: tuple[Dist, ...]  # sorted by normalized name
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class PipArtifact:
    """One pip dist pinned to what pip installs: an artifact and its hash, or a commit."""

    name: str
    version: str
    requirement: str  # the export pin, e.g. ``name==1.0`` or ``name @ git+URL@commit``
    source: Literal["index", "url", "vcs", "directory"]
    url: str | None
    sha256: str | None = None
    vcs: str | None = None
    commit: str | None = None
    subdirectory: str | None = None
    editable: bool = False


def select(prefix: Prefix, *, as_is: bool = False) -> Layers:
    """The conda records and pip dists an export holds, with the warnings they earn."""
    warnings: list[str] = []
    requested = _pip_requested(prefix)
    pip: list[Dist] = []
    for dist in sorted(prefix.dists, key=lambda d: (d.key, str(d.path))):
        owner, rec = prefix.owners[dist.path]
        if owner == "conda":
            continue
        if owner == "pip-over-conda" and rec is not None:
            if not as_is:
                warnings.append(
                    f"{dist.name} {dist.version} was installed by pip over conda's "
                    f"{rec.name} {rec.version}: exported as the conda package "
                    "(--as-is exports what is there)"
                )
                continue
            warnings.append(
                f"{dist.name} {dist.version} was installed by pip over conda's "
                f"{rec.name} {rec.version}: exported as is, pip will replace it again"
            )
        elif owner == "unknown":
            warnings.append(
                f"{dist.name} {dist.version} has no INSTALLER record: exported as "
                f"{dist.name}=={dist.version}, its source is unknown"
            )
        if dist.key in NOISE and dist.key not in requested:
            continue
        p = pin(dist)
        if p.redacted:
            warnings.append(f"{dist.name}: a credential in its URL was redacted")
        if p.editable:
            warnings.append(
                f"{dist.name} is an editable install: exported as {p.requirement}, "
                "which does not reproduce local changes"
            )
        pip.append(dist)
    channels = _channels(prefix, warnings)
    return Layers(
        name=prefix.path.name,
        platform=platform_of(prefix.records.values()),
        channels=channels,
        records=tuple(sorted(prefix.records.values(), key=lambda r: r.name)),
        pip=tuple(pip),
        warnings=tuple(warnings),
    )


def platform_of(records: Iterable[CondaRecord]) -> str:
    """The prefix's conda platform: its records' one non-noarch subdir."""
    subdirs = sorted({r.subdir for r in records if r.subdir and r.subdir != "noarch"})
    if subdirs:
        return subdirs[0]
    from condapip.ledger.platform import current_subdir

    return current_subdir()


def _channels(prefix: Prefix, warnings: list[str]) -> tuple[str, ...]:
    from condapip.ledger import condarc

    configured = [channel_name(c) if "://" in c else c for c in condarc.channels(prefix.path)]
    names: set[str] = set()
    for rec in prefix.records.values():
        if not rec.channel:
            continue
        name, redacted = redact_url(rec.channel_name)
        if redacted:
            warnings.append(f"channel of {rec.name}: a credential in its URL was redacted")
        names.add(name)

    def priority(name: str) -> tuple[int, str]:
        return (configured.index(name) if name in configured else len(configured), name)

    return tuple(sorted(names, key=priority))


def _pip_requested(prefix: Prefix) -> dict[str, str]:
    """Top-level pip requests: condapip's record, else pip's REQUESTED markers."""
    recorded = pip_requests(prefix.path)
    marked = {d.key: d.key for d in prefix.dists if d.requested}
    return {**marked, **recorded}


def pip_requests(prefix: Path) -> dict[str, str]:
    """What ``condapip install`` recorded the user asked pip for, by normalized name."""
    from condapip.change.pip_layer import read_requests

    requests = read_requests(prefix)
    if not all(isinstance(v, str) for v in requests.values()):
        raise CondapipError(f"corrupt pip requests record in {prefix}: not all strings")
    return {canonicalize_name(str(k)): v for k, v in requests.items()}
