"""A channel and a find-links folder for three platforms, built offline for the lock tests.

linux-64 and noarch hold real ``.conda`` files (condapip's channel build), so a
linux-64 lock installs. osx-arm64 and win-64 hold the same packages' repodata
entries with their subdir changed (a lock never downloads), each python record
needing its platform's virtual package. ``accel`` has a CPU build (noarch, a
real file) and a CUDA build on linux-64 and win-64 that needs ``__cuda``.
``linuxonly`` exists on linux-64 alone. The find-links folder holds
``fastcore`` as one wheel per platform, ``winonly`` (required on Windows by a
marker) and ``slowpkg`` as a source distribution only.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import host_channel
from tests.wheelmaker import make_wheel

PLATFORMS = ("linux-64", "osx-arm64", "win-64")
CP = f"cp{sys.version_info.major}{sys.version_info.minor}"
WHEEL_TAGS = {
    "linux-64": f"{CP}-{CP}-manylinux_2_17_x86_64",
    "osx-arm64": f"{CP}-{CP}-macosx_11_0_arm64",
    "win-64": f"{CP}-{CP}-win_amd64",
}
_PYTHON_NEEDS = {"osx-arm64": ["__osx >=11.0"], "win-64": ["__win"]}


@dataclass(frozen=True)
class World:
    channel: Path
    find_links: Path
    wheels: dict[str, Path]  # fastcore's wheel per platform


def build(root: Path, tmp_path_factory: pytest.TempPathFactory) -> World:
    wheels_in = root / "conda-wheels"
    for name, version, requires in [
        ("alpha", "1.0", ["beta>=1.0"]),
        ("beta", "1.0", []),
        ("accel", "1.0", []),
        ("linuxonly", "1.0", []),
    ]:
        make_wheel(wheels_in, name, version, requires)
    channel = root / "channel"
    host_channel(tmp_path_factory, [wheels_in], channel)
    _move_to_linux(channel, "linuxonly")
    linux = _repodata(channel, "linux-64")
    _add_cuda_build(channel, linux)
    for plat in PLATFORMS[1:]:
        copy_to_subdir(channel, plat)
    return World(channel, *_find_links(root / "find-links"))


def _repodata(channel: Path, subdir: str) -> dict:
    return json.loads((channel / subdir / "repodata.json").read_text())


def _save(channel: Path, subdir: str, data: dict) -> None:
    (channel / subdir).mkdir(exist_ok=True)
    (channel / subdir / "repodata.json").write_text(json.dumps(data, indent=1))


def _move_to_linux(channel: Path, name: str) -> None:
    """A noarch package moved to linux-64 only: missing on the other platforms."""
    noarch = _repodata(channel, "noarch")
    linux = _repodata(channel, "linux-64")
    for key in ("packages", "packages.conda"):
        for fn in [fn for fn in noarch.get(key, {}) if fn.startswith(f"{name}-")]:
            rec = noarch[key].pop(fn)
            linux.setdefault(key, {})[fn] = rec
            shutil.move(channel / "noarch" / fn, channel / "linux-64" / fn)
    _save(channel, "noarch", noarch)
    _save(channel, "linux-64", linux)


def _add_cuda_build(channel: Path, linux: dict) -> None:
    noarch = _repodata(channel, "noarch")
    fn, cpu = next((k, v) for k, v in noarch["packages.conda"].items() if k.startswith("accel-"))
    cuda_fn = "accel-1.0-cuda_1.conda"
    data = (channel / "noarch" / fn).read_bytes()
    (channel / "linux-64" / cuda_fn).write_bytes(data)
    cuda = {
        **cpu,
        "build": "cuda_1",
        "build_number": 1,
        "subdir": "linux-64",
        "depends": [*cpu.get("depends", []), "__cuda >=12"],
        "sha256": hashlib.sha256(data).hexdigest(),
        "md5": hashlib.md5(data).hexdigest(),
    }
    cuda.pop("noarch", None)
    linux["packages.conda"][cuda_fn] = cuda
    _save(channel, "linux-64", linux)


def copy_to_subdir(channel: Path, plat: str) -> None:
    """linux-64's repodata as ``plat``'s: each record's subdir changed, no files copied."""
    out = _repodata(channel, "linux-64")
    out["info"] = {"subdir": plat}
    for key in ("packages", "packages.conda"):
        for fn in [fn for fn in out.get(key, {}) if fn.startswith("linuxonly-")]:
            del out[key][fn]
        for rec in out.get(key, {}).values():
            rec["subdir"] = plat
            if rec["name"] == "python":
                rec["depends"] = list(_PYTHON_NEEDS.get(plat, []))
                # another build string, still ending in the _cpXY python_abi asks for
                rec["build"] = plat.replace("-", "") + "_" + rec["build"]
            if rec["name"] == "accel" and plat == "osx-arm64":
                rec["depends"] = ["__cuda >=99"]  # no CUDA build for macOS: never chosen
    out["packages.conda"] = {
        f"{rec['name']}-{rec['version']}-{rec['build']}.conda": rec
        for rec in out.get("packages.conda", {}).values()
    }
    _save(channel, plat, out)


def _find_links(folder: Path) -> tuple[Path, dict[str, Path]]:
    wheels = {
        plat: make_wheel(folder, "fastcore", "1.0", tag=tag) for plat, tag in WHEEL_TAGS.items()
    }
    make_wheel(folder, "winonly", "1.0")
    make_wheel(folder, "epsilon", "1.0")
    make_wheel(folder, "epsilon", "2.0")
    make_wheel(folder, "usesalpha", "1.0", ["alpha>=1.0"])
    make_wheel(folder, "beta", "2.0")
    _sdist(folder, "slowpkg", "1.0")
    return folder, wheels


def _sdist(folder: Path, name: str, version: str) -> None:
    """A source distribution whose metadata is static (uv reads it without building)."""
    stage = folder / f"stage-{name}" / f"{name}-{version}"
    stage.mkdir(parents=True)
    (stage / "PKG-INFO").write_text(f"Metadata-Version: 2.2\nName: {name}\nVersion: {version}\n\n")
    (stage / "pyproject.toml").write_text(
        f'[build-system]\nrequires = []\nbuild-backend = "none"\n'
        f'[project]\nname = "{name}"\nversion = "{version}"\n'
    )
    with tarfile.open(folder / f"{name}-{version}.tar.gz", "w:gz") as tf:
        tf.add(stage, arcname=f"{name}-{version}")
    shutil.rmtree(stage.parent)
