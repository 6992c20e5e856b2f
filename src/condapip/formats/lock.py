"""``condapip.lock.yml``: both layers pinned to artifacts and hashes.

conda: each package's URL, sha256 and md5, under the platform it was made
for. pip: each dist's artifact URL and sha256 (from ``direct_url.json`` where
it has them, else from the pip engine's dry-run report for the exact pin), or
a VCS URL and commit, which is what pip can verify for a VCS install.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from condapip import __version__
from condapip.change.engines.base import SolvedPackage, channel_and_subdir
from condapip.errors import CondapipError, read_input
from condapip.formats.artifacts import pip_artifacts
from condapip.formats.layers import Layers, PipArtifact, select
from condapip.ledger.prefix import Prefix
from condapip.support.redact import TOKEN, store, store_channel, store_spec, store_url

LOCK_VERSION = 1
DEFAULT_NAME = "condapip.lock.yml"


@dataclass(frozen=True)
class CondaLocked:
    name: str
    version: str
    build: str
    subdir: str
    url: str
    sha256: str | None
    md5: str | None

    def solved(self) -> SolvedPackage:
        channel, _ = channel_and_subdir(self.url)
        return SolvedPackage(
            name=self.name,
            version=self.version,
            build=self.build,
            channel=channel,
            subdir=self.subdir,
            url=self.url,
            sha256=self.sha256,
            md5=self.md5,
        )


@dataclass(frozen=True)
class PlatformLock:
    conda: tuple[CondaLocked, ...]
    pip: tuple[PipArtifact, ...]
    virtual: tuple[str, ...] = ()  # ``__glibc=2.28``: what a lock -f solve assumed


@dataclass(frozen=True)
class Lock:
    name: str | None
    channels: tuple[str, ...]
    requested: tuple[str, ...]  # the conda specs the user asked for, from history
    platforms: dict[str, PlatformLock]


@dataclass(frozen=True)
class Locked:
    lock: Lock
    warnings: tuple[str, ...]


def build(prefix: Prefix, *, pip_engine: str | None = None) -> Locked:
    """Lock what ``prefix`` holds, both layers, with the export's choices."""
    from condapip.ledger.history import requested_specs

    layers = select(prefix)
    warnings = list(layers.warnings)
    conda = tuple(_conda_locked(layers, warnings))
    pip = tuple(pip_artifacts(prefix, layers.pip, pip_engine, warnings))
    specs = requested_specs(prefix.history)
    lock = Lock(
        name=layers.name,
        channels=layers.channels,
        requested=tuple(specs[n] for n in sorted(specs)),
        platforms={layers.platform: PlatformLock(conda=conda, pip=pip)},
    )
    return Locked(lock=lock, warnings=tuple(warnings))


def _conda_locked(layers: Layers, warnings: list[str]) -> list[CondaLocked]:
    out = []
    for rec in layers.records:
        if not rec.url:
            raise CondapipError(f"cannot lock {rec.dist_str}: its conda-meta record has no URL")
        if not (rec.sha256 or rec.md5):
            warnings.append(f"{rec.dist_str} has no sha256 or md5 in conda-meta")
        url = store_url(rec.url)
        if url != rec.url:
            warnings.append(
                f"{rec.name}: the credential in its URL is not written; "
                "create --lock takes it from your condarc"
            )
        out.append(
            CondaLocked(
                name=rec.name,
                version=rec.version,
                build=rec.build,
                subdir=rec.subdir,
                url=url,
                sha256=rec.sha256,
                md5=rec.md5,
            )
        )
    return out


# --- the file ----------------------------------------------------------------------


def dumps(lock: Lock) -> str:
    from ruamel.yaml import YAML

    doc: dict[str, Any] = {
        "version": LOCK_VERSION,
        "created-by": f"condapip {__version__}",
    }
    if lock.name:
        doc["name"] = lock.name
    # no credential is written, whoever built the lock: as conda writes a record
    doc["channels"] = [store_channel(c) for c in lock.channels]
    doc["requested"] = [store_spec(s) for s in lock.requested]
    doc["platforms"] = {
        plat: {
            **({"virtual-packages": list(pl.virtual)} if pl.virtual else {}),
            "conda": [_conda_doc(c) for c in pl.conda],
            "pip": [_pip_doc(a) for a in pl.pip],
        }
        for plat, pl in sorted(lock.platforms.items())
    }
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # a pin stays on one line, as grep and diff expect
    buf = StringIO()
    buf.write(
        "# condapip lock: `condapip create --lock FILE -p PREFIX` installs exactly this,\n"
        "# conda first, then pip with hash checking.\n"
    )
    yaml.dump(doc, buf)
    return buf.getvalue()


def _conda_doc(c: CondaLocked) -> dict[str, Any]:
    doc = {
        "name": c.name,
        "version": c.version,
        "build": c.build,
        "subdir": c.subdir,
        "url": store_url(c.url),
    }
    if c.sha256:
        doc["sha256"] = c.sha256
    if c.md5:
        doc["md5"] = c.md5
    return doc


def _pip_doc(a: PipArtifact) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": a.name,
        "version": a.version,
        "requirement": store(a.requirement),
        "source": a.source,
    }
    for key in ("url", "sha256", "vcs", "commit", "subdirectory"):
        value = getattr(a, key)
        if value:
            doc[key] = store_url(value) if key == "url" else value
    if a.editable:
        doc["editable"] = True
    return doc


def load(path: Path) -> Lock:
    return loads(read_input(path, "lock file"), source=str(path))


_HEX = re.compile(r"^[0-9a-f]+$")
_VIRTUAL = re.compile(r"^__[a-z0-9_]+=[0-9A-Za-z._+]+$")
_URL = re.compile(r"^(?:https?|file)://\S+$")


def loads(text: str, source: str = DEFAULT_NAME) -> Lock:
    """Read and validate a lock: every name, URL and hash is checked as data."""
    from condapip.support.yaml_input import load

    return from_data(load(text, source), source)


def from_data(data: Any, source: str) -> Lock:
    """A condapip lock's parsed YAML, validated."""
    bad = Bad(source)
    if not isinstance(data, dict):
        raise bad("top level is not a mapping")
    if data.get("version") != LOCK_VERSION:
        raise bad(f"unsupported lock version {data.get('version')!r}")
    platforms = data.get("platforms")
    if not isinstance(platforms, dict) or not platforms:
        raise bad("no platforms")
    out: dict[str, PlatformLock] = {}
    for plat, body in platforms.items():
        if not isinstance(plat, str) or not re.match(r"^[a-z0-9]+-[a-z0-9_]+$", plat):
            raise bad(f"invalid platform {plat!r}")
        if not isinstance(body, dict):
            raise bad(f"platform {plat} is not a mapping")
        conda = tuple(conda_entry(e, bad) for e in _list(body.get("conda"), "conda", bad))
        pip = tuple(pip_entry(e, bad) for e in _list(body.get("pip"), "pip", bad))
        virtual = tuple(str(v) for v in _list(body.get("virtual-packages"), "virtual", bad))
        if not all(_VIRTUAL.match(v) for v in virtual):
            raise bad(f"platform {plat} has an invalid virtual package")
        out[plat] = PlatformLock(conda=conda, pip=pip, virtual=virtual)
    channels = tuple(str(c) for c in _list(data.get("channels"), "channels", bad))
    requested = _list(data.get("requested"), "requested", bad)
    from condapip.ledger.specs import check_conda_spec

    try:
        for spec in requested:
            check_conda_spec(str(spec))
    except CondapipError as exc:
        raise bad(str(exc)) from None
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or "/" in name):
        raise bad(f"invalid name {name!r}")
    return Lock(
        name=name,
        channels=channels,
        requested=tuple(str(s) for s in requested),
        platforms=out,
    )


class Bad:
    def __init__(self, source: str) -> None:
        self.source = source

    def __call__(self, what: str) -> CondapipError:
        return CondapipError(f"malformed {self.source}: {what}")


def _list(value: Any, key: str, bad: Bad) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad(f"{key} is not a list")
    return value


def _str(entry: dict[str, Any], key: str, bad: Bad, *, required: bool = True) -> str | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str | int | float) or not str(value).strip():
        raise bad(f"entry {entry.get('name')!r} has no valid {key}")
    return str(value)


def _hash(entry: dict[str, Any], key: str, size: int, bad: Bad) -> str | None:
    value = _str(entry, key, bad, required=False)
    if value is not None and (len(value) != size or not _HEX.match(value)):
        raise bad(f"entry {entry.get('name')!r} has an invalid {key}")
    return value


def _url(entry: dict[str, Any], bad: Bad, *, required: bool = True) -> str | None:
    from condapip.ledger.specs import URL_UNSAFE

    value = _str(entry, "url", bad, required=required)
    # conda's own placeholder for a token the lock does not keep
    checked = value.replace(f"/t/{TOKEN}/", "/t/TOKEN/") if value is not None else None
    if checked is not None and (not _URL.match(checked) or URL_UNSAFE.search(checked)):
        raise bad(f"entry {entry.get('name')!r} has an invalid url")
    return value


def conda_entry(entry: Any, bad: Bad) -> CondaLocked:
    from condapip.ledger.specs import check_conda_spec

    if not isinstance(entry, dict):
        raise bad("a conda entry is not a mapping")
    name, version, build = (_str(entry, k, bad) or "" for k in ("name", "version", "build"))
    try:
        check_conda_spec(f"{name}=={version}={build}")
    except CondapipError:
        raise bad(f"invalid conda package {name!r} {version!r} {build!r}") from None
    url = _url(entry, bad) or ""
    if not url.endswith((f"/{name}-{version}-{build}.conda", f"/{name}-{version}-{build}.tar.bz2")):
        raise bad(f"the url of {name} does not name {name}-{version}-{build}")
    sha256 = _hash(entry, "sha256", 64, bad)
    md5 = _hash(entry, "md5", 32, bad)
    if sha256 is None and md5 is None:
        raise bad(f"{name} has neither sha256 nor md5")
    subdir = _str(entry, "subdir", bad) or ""
    if not re.match(r"^[a-z0-9]+(?:-[a-z0-9_]+)?$", subdir):
        raise bad(f"{name} has an invalid subdir {subdir!r}")
    return CondaLocked(
        name=name, version=version, build=build, subdir=subdir, url=url, sha256=sha256, md5=md5
    )


_SOURCES = ("index", "url", "vcs", "directory")


def pip_entry(entry: Any, bad: Bad) -> PipArtifact:
    from condapip.ledger.specs import check_pip_requirement

    if not isinstance(entry, dict):
        raise bad("a pip entry is not a mapping")
    name = _str(entry, "name", bad) or ""
    requirement = _str(entry, "requirement", bad) or ""
    source = _str(entry, "source", bad)
    if source not in _SOURCES:
        raise bad(f"{name} has an invalid source {source!r}")
    # a source tree uv locks has no version (PEP 751 leaves it out): its folder is the pin
    tree = source == "directory" and not entry.get("version")
    version = "" if tree else _str(entry, "version", bad) or ""
    try:
        req = check_pip_requirement(requirement)
    except CondapipError:
        raise bad(f"{name} has an invalid requirement {requirement!r}") from None
    if canonicalize_name(req.name) != canonicalize_name(name):
        raise bad(f"the requirement of {name} names {req.name}")
    if not tree and not re.match(r"^[A-Za-z0-9.+!_-]+$", version):
        raise bad(f"{name} has an invalid version {version!r}")
    url = _url(entry, bad, required=source != "index")
    sha256 = _hash(entry, "sha256", 64, bad)
    commit = _str(entry, "commit", bad, required=False)
    if source in ("index", "url") and sha256 is None:
        raise bad(f"{name} has no sha256")
    if source == "vcs" and (commit is None or not re.match(r"^[0-9a-f]{7,64}$", commit)):
        raise bad(f"{name} has no valid commit")
    vcs = _str(entry, "vcs", bad, required=False)
    if vcs is not None and vcs not in ("git", "hg", "svn", "bzr"):
        raise bad(f"{name} has an invalid vcs {vcs!r}")
    subdirectory = _str(entry, "subdirectory", bad, required=False)
    if subdirectory is not None and not re.match(r"^[A-Za-z0-9._/-]+$", subdirectory):
        raise bad(f"{name} has an invalid subdirectory")
    return PipArtifact(
        name=canonicalize_name(name),
        version=version,
        requirement=requirement,
        source=source,  # type: ignore[arg-type]
        url=url,
        sha256=sha256,
        vcs=vcs,
        commit=commit,
        subdirectory=subdirectory,
        editable=bool(entry.get("editable")),
    )
