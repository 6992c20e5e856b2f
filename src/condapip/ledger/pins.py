"""Exact pip requirements for installed dists, from their PEP 610 records.

``name==version`` for index installs, ``name @ git+URL@COMMIT`` for VCS
installs (never a branch), ``name @ file:///path#sha256=...`` for local
archives. Credentials in URLs are redacted before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from condapip.ledger.dists import Dist
from condapip.support.redact import redact_url


@dataclass(frozen=True)
class Pin:
    """One dist as an exact, rebuildable pip requirement."""

    name: str
    version: str
    requirement: str
    editable: bool
    redacted: bool  # a credential was removed from the URL


def pin(dist: Dist) -> Pin:
    du = dist.direct_url
    if not du or not du.get("url"):
        return Pin(dist.key, dist.version, f"{dist.name}=={dist.version}", False, False)
    url, redacted = redact_url(du["url"])
    editable = bool((du.get("dir_info") or {}).get("editable"))
    vcs = du.get("vcs_info")
    if vcs:
        ref = f"{vcs.get('vcs', 'git')}+{url}@{vcs.get('commit_id', '')}"
        subdir = du.get("subdirectory")
        if subdir:
            ref += f"#subdirectory={subdir}"
        return Pin(dist.key, dist.version, f"{dist.name} @ {ref}", editable, redacted)
    archive = du.get("archive_info")
    if archive is not None:
        hashes = archive.get("hashes") or {}
        digest = hashes.get("sha256") or _legacy_sha256(archive.get("hash"))
        if digest:
            url = f"{url.split('#', 1)[0]}#sha256={digest}"
    return Pin(dist.key, dist.version, f"{dist.name} @ {url}", editable, redacted)


def _legacy_sha256(value: str | None) -> str | None:
    if value and value.startswith("sha256="):
        return value[len("sha256=") :]
    return None
