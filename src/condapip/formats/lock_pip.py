"""The pip layer of a lock, resolved for one platform by ``uv pip compile``.

pip cannot resolve for another machine; uv can (``--python-platform``,
``--python-version``). The environment file's pip section goes in as written
(its options, ``-r``/``-c`` files, markers, VCS and local paths). Every Python
dist of that platform's conda layer is offered as a metadata-only wheel
versioned ``V+conda`` and pinned to it: uv then treats the conda layer as
installed and satisfied (pixi's way), never replaces it, and never follows its
PyPI dependencies, which conda already met. uv's PEP 751 output names, per
package, the one artifact this platform installs and its sha256.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from condapip.errors import CondapipError, Refused
from condapip.formats.layers import PipArtifact
from condapip.formats.pip_requirements import PipSection, write_temporary
from condapip.support.redact import redact, redact_url

_LOCAL = "conda"  # the local version label of the conda layer's stand-in wheels


@dataclass(frozen=True)
class CondaDist:
    """A Python dist the conda layer installs: its PyPI name and the conda package."""

    name: str  # PyPI name, normalized
    version: str
    conda_name: str


@dataclass(frozen=True)
class Target:
    platform: str  # conda subdir
    python: str  # "3.11"
    virtual: Mapping[str, str]
    host: bool  # this machine's platform: an sdist can be built and checked here


def uv_executable() -> str:
    """uv beside this interpreter (the test extra installs it there), else on PATH."""
    beside = Path(sys.executable).parent / ("uv.exe" if os.name == "nt" else "uv")
    if beside.exists():
        return str(beside)
    found = shutil.which("uv")
    if found is None:
        raise CondapipError("locking a pip section needs uv: pip install uv")
    return found


def resolve(section: PipSection, target: Target, conda: Sequence[CondaDist]) -> list[PipArtifact]:
    """The pip layer for ``target``: one artifact per dist, or a refusal naming why."""
    _refuse_replacing(section, target, conda)
    with tempfile.TemporaryDirectory(prefix="condapip-lock-") as tmp:
        work = Path(tmp)
        stubs = work / "conda-layer"
        stubs.mkdir()
        for dist in conda:
            _stub_wheel(stubs, dist)
        pins = work / "conda-layer.txt"
        pins.write_text("".join(f"{d.name}=={d.version}+{_LOCAL}\n" for d in conda))
        reqs = write_temporary(section, work)
        doc = _compile(reqs, pins, stubs, target, own_index=_names_index(section))
    ours = {d.name for d in conda}
    packages = [p for p in doc.get("packages") or () if canonicalize_name(p["name"]) not in ours]
    return sorted((_artifact(p, target) for p in packages), key=lambda a: a.name)


def _refuse_replacing(section: PipSection, target: Target, conda: Sequence[CondaDist]) -> None:
    """A requirement the conda layer's own version does not meet would replace it."""
    from condapip.ledger.platform import marker_environment

    env = marker_environment(target.python, target.platform)
    have = {d.name: d for d in conda}
    for req in section.all_requirements():
        dist = have.get(req.name or "")
        if dist is None or req.path is not None:
            continue
        try:
            parsed = Requirement(req.text)
        except ValueError:
            continue  # a URL requirement: uv says whether it fits
        if parsed.marker is not None and not parsed.marker.evaluate(env):
            continue
        if not parsed.specifier.contains(dist.version, prereleases=True):
            raise Refused(
                f"pip requirement {req.text!r} would replace conda's {dist.conda_name} "
                f"{dist.version} on {target.platform}"
            )


def python_platform(platform: str, virtual: Mapping[str, str]) -> str:
    """uv's ``--python-platform`` for a conda subdir: glibc from ``__glibc``."""
    system, _, arch = platform.partition("-")
    cpu = {"64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64"}.get(arch)
    if cpu is None:
        raise CondapipError(f"cannot lock a pip layer for {platform}: uv has no target for it")
    if system == "linux":
        glibc = virtual.get("__glibc", "2.17").split(".")
        return f"{cpu}-manylinux_{glibc[0]}_{glibc[1] if len(glibc) > 1 else 0}"
    if system == "osx":
        return f"{cpu}-apple-darwin"
    return f"{cpu}-pc-windows-msvc"


def _names_index(section: PipSection) -> bool:
    """The section, or a file it includes, sets ``--index-url`` (or ``-i``)."""
    return any(o.flag == "--index-url" for o in section.options) or any(
        _names_index(i.section) for i in section.includes
    )


def _compile(
    reqs: Path, pins: Path, stubs: Path, target: Target, *, own_index: bool
) -> dict[str, Any]:
    """uv resolves against the indexes, find-links and constraints pip would install
    from (its configuration files and ``PIP_*``, which uv does not read), and
    under conda's ``offline: true`` with no network."""
    from condapip.change.engines.pip import NotLocal, missing
    from condapip.ledger import condarc, pip_config
    from condapip.support.proc import LONG, run
    from condapip.support.toml_input import loads

    offline = condarc.offline()
    args = [
        uv_executable(),
        "pip",
        "compile",
        str(reqs),
        *pip_config.read().args(own_index=own_index),
        "--constraint",
        str(pins),
        "--find-links",
        str(stubs),
        "--python-platform",
        python_platform(target.platform, target.virtual),
        "--python-version",
        target.python,
        "--format",
        "pylock.toml",
        "--no-header",
        "--quiet",
        *(["--offline"] if offline is not None else []),
    ]
    env = dict(os.environ)
    if "__osx" in target.virtual:  # the oldest macOS whose wheels may be chosen
        env["MACOSX_DEPLOYMENT_TARGET"] = target.virtual["__osx"]
    done = run(args, timeout=LONG, env=env, cwd=reqs.parent)
    if done.returncode != 0:
        if offline is not None and (name := missing(done.stderr)) is not None:
            raise NotLocal(name, offline, done.stderr)
        detail = " ".join(redact(done.stderr).replace(str(stubs), "<conda layer>").split())[:600]
        raise Refused(f"the pip layer cannot be resolved for {target.platform}: {detail}")
    return loads(done.stdout, "uv pip compile output")


def _artifact(pkg: Mapping[str, Any], target: Target) -> PipArtifact:
    name = canonicalize_name(pkg["name"])
    version = str(pkg.get("version") or "")
    wheels = pkg.get("wheels") or []
    if wheels:
        return _from_index(name, version, wheels[0])
    if "sdist" in pkg:
        if not target.host:
            raise Refused(
                f"{name} {version} has only a source distribution for {target.platform}: "
                "it cannot be verified without building it there"
            )
        return _from_index(name, version, pkg["sdist"])
    if "archive" in pkg:
        archive = dict(pkg["archive"])
        if "url" not in archive:  # a local file, by its path (absolute: the section's are)
            archive["url"] = Path(archive["path"]).as_uri()
        url = archive["url"]
        return _hashed(name, version, f"{name} @ {url}", "url", archive)
    if "vcs" in pkg:
        vcs = pkg["vcs"]
        kind, url, commit = vcs.get("type", "git"), redact(vcs["url"]), vcs["commit-id"]
        sub = vcs.get("subdirectory")
        requirement = f"{name} @ {kind}+{url}@{commit}" + (f"#subdirectory={sub}" if sub else "")
        return PipArtifact(
            name, version, requirement, "vcs", url, vcs=kind, commit=commit, subdirectory=sub
        )
    if "directory" in pkg:
        folder = Path(pkg["directory"]["path"]).absolute().as_uri()
        editable = bool(pkg["directory"].get("editable"))
        return PipArtifact(
            name, version, f"{name} @ {folder}", "directory", folder, editable=editable
        )
    raise CondapipError(f"uv named no artifact for {name} {version} on {target.platform}")


def _from_index(name: str, version: str, file: Mapping[str, Any]) -> PipArtifact:
    """An index file stays ``name==version`` (pip records it as one); a find-links file
    is installed by its URL, since ``create --lock`` does not know the folder."""
    url = str(file.get("url") or "")
    if url.startswith("file:"):
        return _hashed(name, version, f"{name} @ {url}", "url", file)
    return _hashed(name, version, f"{name}=={version}", "index", file)


def _hashed(name: str, version: str, requirement: str, source: Any, file: Any) -> PipArtifact:
    sha256 = (file.get("hashes") or {}).get("sha256")
    url = redact_url(str(file.get("url")))[0]  # pip takes the credential from netrc/keyring
    if not sha256:
        raise CondapipError(f"uv gave no sha256 for {url}")
    return PipArtifact(name, version, redact(requirement), source, url, sha256=sha256)


def conda_dist(conda_name: str, version: str, purl_names: Sequence[str]) -> CondaDist | None:
    """The PyPI side of a conda package, when it is a Python dist with a PEP 440 version."""
    from condapip.ledger.names import conda_to_pypi

    try:
        Version(version)
    except InvalidVersion:
        return None
    name = purl_names[0] if purl_names else conda_to_pypi(conda_name)
    return CondaDist(canonicalize_name(name), version, conda_name)


def _stub_wheel(folder: Path, dist: CondaDist) -> None:
    """A wheel holding only metadata: the conda layer's dist, as uv is to see it."""
    norm = dist.name.replace("-", "_")
    version = f"{dist.version}+{_LOCAL}"
    info = f"{norm}-{version}.dist-info"
    files = {
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist.name}\nVersion: {version}\n\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: condapip\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
        f"{info}/RECORD": "",
    }
    with zipfile.ZipFile(folder / f"{norm}-{version}-py3-none-any.whl", "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
