"""pixi's ``pixi.lock``, written and read by py-rattler's own ``LockFile``.

rattler writes the conda records as solved (every field pixi reads) and the
pypi packages by location; its API takes no pypi hash, so each pypi entry's
sha256 is added to the file rattler wrote, in the place pixi's format keeps it
(rattler reads it back). Reading takes the ``default`` environment, as pixi
installs it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from io import StringIO
from pathlib import Path
from typing import Any

from condapip.errors import CondapipError
from condapip.formats.layers import PipArtifact
from condapip.formats.lock import Bad, Lock, PlatformLock, conda_entry, pip_entry

DEFAULT_NAME = "pixi.lock"
ENVIRONMENT = "default"


def write(lock: Lock, records: Mapping[str, tuple[Any, ...]], out: Path) -> list[Path]:
    from rattler import LockChannel, LockFile, LockPlatform

    from condapip.support.atomic import write_atomic

    platforms = {
        plat: LockPlatform(plat, virtual_packages=list(body.virtual))
        for plat, body in sorted(lock.platforms.items())
    }
    lockfile = LockFile(list(platforms.values()))
    lockfile.set_channels(ENVIRONMENT, [LockChannel(c) for c in lock.channels])
    hashes: dict[str, str] = {}
    for plat, target in platforms.items():
        for rec in records[plat]:
            lockfile.add_conda_package(ENVIRONMENT, target, rec)
        for a in lock.platforms[plat].pip:
            location = _location(a)
            lockfile.add_pypi_package(ENVIRONMENT, target, a.name, a.version, location)
            if a.sha256:
                hashes[location] = a.sha256
    with tempfile.TemporaryDirectory(prefix="condapip-pixi-") as tmp:
        written = Path(tmp) / DEFAULT_NAME
        lockfile.to_path(written)
        text = written.read_text(encoding="utf-8")
    write_atomic(out, _with_hashes(text, hashes) if hashes else text)
    return [out]


def _location(a: PipArtifact) -> str:
    if a.source == "vcs":
        return f"{a.vcs or 'git'}+{a.url}#{a.commit}"
    if not a.url:
        raise CondapipError(f"cannot write {a.name} to pixi.lock: it has no artifact URL")
    return a.url


def _with_hashes(text: str, hashes: Mapping[str, str]) -> str:
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.width = 4096
    doc = yaml.load(text)
    for pkg in doc.get("packages") or ():
        sha256 = hashes.get(str(pkg.get("pypi")))
        if sha256:
            pkg["sha256"] = sha256
    buf = StringIO()
    yaml.dump(doc, buf)
    return buf.getvalue()


def is_pixi(data: Any) -> bool:
    return isinstance(data, dict) and "environments" in data and data.get("version") in (5, 6, 7)


def read(path: Path) -> Lock:
    """``path``'s default environment: every platform, conda and pypi, checked as data."""
    from rattler import LockFile

    bad = Bad(str(path))
    try:
        lockfile = LockFile.from_path(path)
    except Exception as exc:  # rattler's own parse errors
        raise bad(" ".join(str(exc).split())[:300]) from None
    env = lockfile.environment(ENVIRONMENT)
    if env is None:
        raise bad(f"no {ENVIRONMENT!r} environment")
    out: dict[str, PlatformLock] = {}
    for target in lockfile.platforms():
        conda = env.conda_repodata_records_for_platform(target) or []
        pypi = env.pypi_packages_for_platform(target) or []
        out[target.name] = PlatformLock(
            conda=tuple(conda_entry(_conda_doc(r), bad) for r in conda),
            pip=tuple(pip_entry(_pypi_doc(p), bad) for p in pypi),
            virtual=tuple(target.virtual_packages),
        )
    channels = tuple(str(c).rstrip("/") for c in env.channels())
    return Lock(name=None, channels=channels, requested=(), platforms=out)


def _conda_doc(rec: Any) -> dict[str, Any]:
    return {
        "name": rec.name.normalized,
        "version": str(rec.version),
        "build": str(rec.build),
        "subdir": rec.subdir,
        "url": str(rec.url),
        "sha256": rec.sha256.hex() if rec.sha256 else None,
        "md5": rec.md5.hex() if rec.md5 else None,
    }


def _pypi_doc(pkg: Any) -> dict[str, Any]:
    location = str(pkg.location)
    sha256 = pkg.hashes.sha256.hex() if pkg.hashes.sha256 else None
    if location.startswith(("git+", "hg+")):
        url, _, commit = location.partition("#")
        kind, _, bare = url.partition("+")
        return {
            "name": pkg.name,
            "version": str(pkg.version),
            "requirement": f"{pkg.name} @ {url}@{commit}",
            "source": "vcs",
            "url": bare,
            "vcs": kind,
            "commit": commit,
        }
    if "://" not in location:
        location = Path(location).absolute().as_uri()
    return {
        "name": pkg.name,
        "version": str(pkg.version),
        "requirement": f"{pkg.name} @ {location}",
        "source": "url",
        "url": location,
        "sha256": sha256,
    }
