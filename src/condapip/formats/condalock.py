"""conda-lock's ``conda-lock.yml`` (version 1), written and read.

One ``package`` list for every platform; conda entries carry md5 (conda-lock
requires it) and sha256, pip entries are ``manager: pip`` with the wheel's
URL and sha256. conda-lock's ``content_hash`` is an input hash that condapip
does not use (``lock --check`` checks the specs themselves); it is written as
the sha256 of the platform's locked entries, so conda-lock's parser has its
field.
"""

from __future__ import annotations

import hashlib
import json
from io import StringIO
from pathlib import Path
from typing import Any

from condapip import __version__
from condapip.errors import CondapipError
from condapip.formats.layers import PipArtifact
from condapip.formats.lock import Bad, CondaLocked, Lock, PlatformLock, conda_entry, pip_entry

VERSION = 1
DEFAULT_NAME = "conda-lock.yml"


def dumps(lock: Lock, sources: list[str]) -> str:
    from ruamel.yaml import YAML

    packages: list[dict[str, Any]] = []
    for plat, body in sorted(lock.platforms.items()):
        packages += [_conda(plat, c) for c in body.conda]
        packages += [_pip(plat, a) for a in body.pip]
    doc: dict[str, Any] = {
        "version": VERSION,
        "metadata": {
            "content_hash": {
                plat: hashlib.sha256(
                    json.dumps([p for p in packages if p["platform"] == plat]).encode()
                ).hexdigest()
                for plat in sorted(lock.platforms)
            },
            "channels": [{"url": c, "used_env_vars": []} for c in lock.channels],
            "platforms": sorted(lock.platforms),
            "sources": sources,
            "custom_metadata": {"created-by": f"condapip {__version__}"},
        },
        "package": packages,
    }
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 4096
    buf = StringIO()
    buf.write("# conda-lock.yml written by condapip lock -f; conda-lock install reads it.\n")
    yaml.dump(doc, buf)
    return buf.getvalue()


def _conda(platform: str, c: CondaLocked) -> dict[str, Any]:
    if not c.md5:
        raise CondapipError(f"cannot write {c.name} to conda-lock.yml: its repodata has no md5")
    digest = {"md5": c.md5, **({"sha256": c.sha256} if c.sha256 else {})}
    return {
        "name": c.name,
        "version": c.version,
        "manager": "conda",
        "platform": platform,
        "dependencies": {},
        "url": c.url,
        "hash": digest,
        "build": c.build,
        "category": "main",
        "optional": False,
    }


def _pip(platform: str, a: PipArtifact) -> dict[str, Any]:
    if a.source == "vcs" or not a.url or not a.sha256:
        raise CondapipError(
            f"cannot write {a.name} to conda-lock.yml: it holds pip artifacts with a sha256 only"
        )
    return {
        "name": a.name,
        "version": a.version,
        "manager": "pip",
        "platform": platform,
        "dependencies": {},
        "url": a.url,
        "hash": {"sha256": a.sha256},
        "category": "main",
        "optional": False,
    }


def is_condalock(data: Any) -> bool:
    return isinstance(data, dict) and "package" in data and "metadata" in data


def from_data(data: dict[str, Any], source: str) -> Lock:
    """A conda-lock.yml's data as condapip's lock: every entry checked as condapip's own."""
    bad = Bad(source)
    if data.get("version") != VERSION:
        raise bad(f"unsupported conda-lock version {data.get('version')!r}")
    meta = data.get("metadata")
    if not isinstance(meta, dict) or not isinstance(data.get("package"), list):
        raise bad("no metadata or package list")
    platforms: dict[str, tuple[list[CondaLocked], list[PipArtifact]]] = {
        str(p): ([], []) for p in meta.get("platforms") or ()
    }
    for entry in data["package"]:
        if not isinstance(entry, dict) or entry.get("platform") not in platforms:
            raise bad("a package names no platform of the lock")
        if entry.get("category", "main") != "main" or entry.get("optional"):
            continue  # optional categories are installed only when asked for
        conda, pip = platforms[entry["platform"]]
        if entry.get("manager") == "conda":
            conda.append(conda_entry(_as_condapip_conda(entry, bad), bad))
        elif entry.get("manager") == "pip":
            pip.append(pip_entry(_as_condapip_pip(entry), bad))
        else:
            raise bad(f"{entry.get('name')!r} has an unknown manager")
    channels = tuple(
        str(c.get("url") if isinstance(c, dict) else c) for c in meta.get("channels") or ()
    )
    return Lock(
        name=None,
        channels=channels,
        requested=(),
        platforms={
            p: PlatformLock(conda=tuple(c), pip=tuple(pp)) for p, (c, pp) in platforms.items()
        },
    )


def _as_condapip_conda(entry: dict[str, Any], bad: Bad) -> dict[str, Any]:
    url = str(entry.get("url") or "")
    filename = url.rsplit("/", 1)[-1]
    stem = filename.removesuffix(".conda").removesuffix(".tar.bz2")
    build = entry.get("build") or stem.rsplit("-", 1)[-1]
    digest: dict[str, Any] = entry["hash"] if isinstance(entry.get("hash"), dict) else {}
    subdir = url.rsplit("/", 2)[-2] if url.count("/") >= 2 else ""
    if not filename:
        raise bad(f"{entry.get('name')!r} has no url")
    return {
        "name": entry.get("name"),
        "version": entry.get("version"),
        "build": build,
        "subdir": subdir,
        "url": url,
        "sha256": digest.get("sha256"),
        "md5": digest.get("md5"),
    }


def _as_condapip_pip(entry: dict[str, Any]) -> dict[str, Any]:
    url = str(entry.get("url") or "")
    digest: dict[str, Any] = entry["hash"] if isinstance(entry.get("hash"), dict) else {}
    return {
        "name": entry.get("name"),
        "version": entry.get("version"),
        "requirement": f"{entry.get('name')} @ {url}",
        "source": "url",
        "url": url,
        "sha256": digest.get("sha256"),
    }


def write(lock: Lock, out: Path, sources: list[str]) -> list[Path]:
    from condapip.support.atomic import write_atomic

    write_atomic(out, dumps(lock, sources))
    return [out]
