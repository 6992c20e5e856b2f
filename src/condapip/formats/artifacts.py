"""The pip layer pinned to artifacts: each dist's file URL and sha256, or its VCS commit.

Used by the lock and by ``export --format pylock``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from packaging.utils import canonicalize_name

from condapip.errors import CondapipError
from condapip.formats.layers import PipArtifact
from condapip.ledger.dists import Dist
from condapip.ledger.pins import pin
from condapip.ledger.prefix import Prefix
from condapip.support.redact import redact_url


def pip_artifacts(
    prefix: Prefix, dists: Sequence[Dist], pip_engine: str | None, warnings: list[str]
) -> list[PipArtifact]:
    """Each dist pinned to an artifact and hash, or to a VCS commit.

    Index installs record no artifact, so pip itself is asked which file the
    exact pin resolves to (``--dry-run --ignore-installed --report``).
    """
    known: dict[str, PipArtifact] = {}
    ask: dict[str, str] = {}
    for dist in dists:
        p = pin(dist)
        du = dist.direct_url or {}
        url = redact_url(du["url"])[0] if du.get("url") else None
        if du.get("vcs_info"):
            vcs = du["vcs_info"]
            known[dist.key] = PipArtifact(
                name=dist.key,
                version=dist.version,
                requirement=p.requirement,
                source="vcs",
                url=url,
                vcs=vcs.get("vcs", "git"),
                commit=vcs.get("commit_id"),
                subdirectory=du.get("subdirectory"),
            )
        elif "dir_info" in du:
            warnings.append(f"{dist.name} comes from a local directory: pip cannot hash-check it")
            known[dist.key] = PipArtifact(
                name=dist.key,
                version=dist.version,
                requirement=p.requirement,
                source="directory",
                url=url,
                editable=p.editable,
            )
        elif url and _sha256(du.get("archive_info") or {}):
            known[dist.key] = PipArtifact(
                name=dist.key,
                version=dist.version,
                requirement=p.requirement,
                source="url",
                url=url.split("#", 1)[0],
                sha256=_sha256(du["archive_info"]),
            )
        else:
            ask[dist.key] = p.requirement
    if ask:
        known.update(_from_report(prefix, dists, ask, pip_engine))
    return [known[d.key] for d in dists]


def _from_report(
    prefix: Prefix, dists: Sequence[Dist], ask: dict[str, str], engine_name: str | None
) -> dict[str, PipArtifact]:
    from condapip.change.engines import pip_engine
    from condapip.ledger.prefix import interpreter

    engine = pip_engine(engine_name)
    items = engine.report(interpreter(prefix.path), sorted(ask.values()), no_deps=True)
    found: dict[str, dict[str, Any]] = {}
    for item in items:
        meta = item.get("metadata") or {}
        info = item.get("download_info") or {}
        if isinstance(meta, dict) and isinstance(info, dict) and meta.get("name"):
            found[canonicalize_name(str(meta["name"]))] = info
    out = {}
    versions = {d.key: d.version for d in dists}
    for key, requirement in ask.items():
        info = found.get(key) or {}
        digest = _sha256(info.get("archive_info") or {})
        if not info.get("url") or not digest:
            raise CondapipError(f"cannot lock {requirement}: pip reported no artifact with a hash")
        url, _ = redact_url(str(info["url"]).split("#", 1)[0])
        out[key] = PipArtifact(
            name=key,
            version=versions[key],
            requirement=requirement,
            source="url" if " @ " in requirement else "index",
            url=url,
            sha256=digest,
        )
    return out


def _sha256(archive_info: dict[str, Any]) -> str | None:
    hashes = archive_info.get("hashes") or {}
    if hashes.get("sha256"):
        return str(hashes["sha256"])
    legacy = archive_info.get("hash") or ""
    return legacy[len("sha256=") :] if legacy.startswith("sha256=") else None
