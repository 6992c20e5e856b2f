"""The pip layer as a PEP 751 ``pylock.toml``: every artifact with its hash."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from condapip.formats.layers import PipArtifact
from condapip.ledger.prefix import Prefix


def pylock_text(prefix: Prefix, artifacts: Sequence[PipArtifact]) -> str:
    """PEP 751 ``pylock.toml`` for the pip layer."""
    import tomli_w

    doc: dict[str, Any] = {"lock-version": "1.0", "created-by": "condapip"}
    if prefix.python_version:
        doc["requires-python"] = f"=={prefix.python_version}.*"
    doc["packages"] = [package_table(a, url_as_archive=True) for a in artifacts]
    return tomli_w.dumps(doc)


def package_table(a: PipArtifact, *, url_as_archive: bool) -> dict[str, Any]:
    """One PEP 751 ``[[packages]]`` table: the VCS commit, the local directory (by its
    absolute filesystem path, as PEP 751 writes one), or the file with its hash.
    ``url_as_archive`` writes a direct URL install as ``archive``, not ``wheels``/``sdist``.
    """
    pkg: dict[str, Any] = {"name": a.name}
    if a.version:  # a source tree uv locks has none; PEP 751 leaves it out then
        pkg["version"] = a.version
    if a.source == "vcs":
        vcs: dict[str, Any] = {"type": a.vcs or "git", "url": a.url, "commit-id": a.commit}
        if a.subdirectory:
            vcs["subdirectory"] = a.subdirectory
        pkg["vcs"] = vcs
    elif a.source == "directory":
        pkg["directory"] = {"path": _file_path(a.url or ""), "editable": a.editable}
    else:
        filename = (a.url or "").split("#", 1)[0].rsplit("/", 1)[-1]
        entry = {"name": filename, "url": a.url, "hashes": {"sha256": a.sha256}}
        if a.source == "url" and url_as_archive:
            pkg["archive"] = {"url": a.url, "hashes": {"sha256": a.sha256}}
        elif filename.endswith(".whl"):
            pkg["wheels"] = [entry]
        else:
            pkg["sdist"] = entry
    return pkg


def _file_path(url: str) -> str:
    from urllib.parse import urlsplit
    from urllib.request import url2pathname  # unquoted; a drive path on Windows

    parts = urlsplit(url)
    return url2pathname(parts.path) if parts.scheme == "file" else url


def path_url(path: str, lock_folder: Path) -> str:
    """A PEP 751 ``path`` as the ``file://`` URL condapip keeps: a relative one is
    relative to the lock file's folder, as the PEP says (``..`` folded, as pip's URL has
    none; links are kept, as pip kept them)."""
    import os

    return Path(os.path.normpath(lock_folder.absolute() / path)).as_uri()
