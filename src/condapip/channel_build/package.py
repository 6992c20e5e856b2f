"""The conda side of ``channel build``: info/paths.json, the ``.conda`` archive, host python."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from condapip.ledger.platform import current_subdir

# zstd level 3: level 19 (conda's default) takes over a minute for scipy.
_ZSTD_LEVEL = 3


@dataclass(frozen=True)
class BuiltPackage:
    name: str
    version: str
    build: str
    subdir: str
    path: Path


def arch_platform(subdir: str) -> tuple[str, str]:
    plat, _, arch = subdir.partition("-")
    return {"64": "x86_64", "32": "x86"}.get(arch, arch), plat


def write_paths(stage: Path, placeholders: dict[str, str]) -> list[str]:
    """Write info/paths.json and info/files for every staged file."""
    paths = []
    files = []
    for p in sorted(stage.rglob("*")):
        if p.is_dir() and not p.is_symlink():
            continue
        rel = p.relative_to(stage).as_posix()
        if rel.startswith("info/"):
            continue
        files.append(rel)
        if p.is_symlink():
            target = os.readlink(p).encode()
            entry = {
                "_path": rel,
                "path_type": "softlink",
                "sha256": hashlib.sha256(target).hexdigest(),
                "size_in_bytes": len(target),
            }
        else:
            data = p.read_bytes()
            entry = {
                "_path": rel,
                "path_type": "hardlink",
                "sha256": hashlib.sha256(data).hexdigest(),
                "size_in_bytes": len(data),
            }
            if rel in placeholders:
                entry["prefix_placeholder"] = placeholders[rel]
                entry["file_mode"] = "text"
        paths.append(entry)
    info = stage / "info"
    (info / "paths.json").write_text(json.dumps({"paths": paths, "paths_version": 1}, indent=2))
    (info / "files").write_text("".join(f + "\n" for f in files))
    info_files = sorted(p.relative_to(stage).as_posix() for p in info.rglob("*") if p.is_file())
    return info_files + files


def archive(
    stage: Path, files: list[str], out: Path, name: str, version: str, build: str, subdir: str
) -> BuiltPackage:
    from conda_package_handling.conda_fmt import CondaFormat_v2

    out.mkdir(parents=True, exist_ok=True)
    fn = f"{name}-{version}-{build}.conda"
    target = out / fn
    if target.exists():
        target.unlink()
    CondaFormat_v2.create(str(stage), files, fn, str(out), compression_level=_ZSTD_LEVEL)
    return BuiltPackage(name=name, version=version, build=build, subdir=subdir, path=target)


def build_host_python(out: Path) -> list[BuiltPackage]:
    """``python`` and ``python_abi`` packages made from the running interpreter.

    Offline, no conda python can be had. A prefix that gets this package is a
    working interpreter with its own site-packages, exactly what
    ``python -m venv --without-pip`` makes.
    """
    return [_host_python(out), _python_abi(out)]


def _host_python(out: Path) -> BuiltPackage:
    base = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    version = platform.python_version()
    major_minor, tag = _python_tags()
    with tempfile.TemporaryDirectory(prefix="condapip-python-") as tmp:
        stage = Path(tmp)
        (stage / "pyvenv.cfg").write_text(
            f"home = {base.parent}\n"
            "include-system-site-packages = false\n"
            f"version = {version}\n"
            f"executable = {base}\n"
        )
        bindir = stage / "bin"
        bindir.mkdir()
        _copy_interpreter(base, stage, f"python{major_minor}")
        for link in ("python", "python3"):
            (bindir / link).symlink_to(f"python{major_minor}")
        sp = stage / "lib" / f"python{major_minor}" / "site-packages"
        sp.mkdir(parents=True)
        (sp / "README.txt").write_text(
            "This directory exists so that 3rd party packages can be installed here.\n"
        )
        about = {
            "summary": f"The host interpreter {base}, linked as a venv",
            "license": "Python-2.0",
        }
        constrains = f"python_abi {major_minor}.* *_{tag}"
        return _staged(stage, out, "python", version, f"0_host_{tag}", constrains, about)


def _copy_interpreter(base: Path, stage: Path, name: str) -> None:
    """The interpreter copied, as ``venv --copies`` does, never a link out of the prefix:
    conda-build refuses such links, and so does condapip when it links a package.

    An interpreter that finds its libpython relative to itself gets a copy of it too.
    """
    import shutil
    import sysconfig

    from condapip.support.proc import QUICK, run

    exe = stage / "bin" / name
    shutil.copy2(base, exe)
    if run([str(exe), "-c", "pass"], timeout=QUICK).returncode == 0:
        return
    libdir, library = sysconfig.get_config_var("LIBDIR"), sysconfig.get_config_var("LDLIBRARY")
    if libdir and library and (Path(libdir) / library).is_file():
        (stage / "lib").mkdir(exist_ok=True)
        shutil.copy2(Path(libdir) / library, stage / "lib" / library)


def _python_abi(out: Path) -> BuiltPackage:
    major_minor, tag = _python_tags()
    with tempfile.TemporaryDirectory(prefix="condapip-abi-") as tmp:
        constrains = f"python {major_minor}.* *_{tag}"
        return _staged(Path(tmp), out, "python_abi", major_minor, f"8_{tag}", constrains, None)


def _python_tags() -> tuple[str, str]:
    """``3.11`` and ``cp311`` for the running interpreter."""
    major, minor = sys.version_info.major, sys.version_info.minor
    return f"{major}.{minor}", f"cp{major}{minor}"


def _staged(
    stage: Path,
    out: Path,
    name: str,
    version: str,
    build: str,
    constrains: str,
    about: dict[str, str] | None,
) -> BuiltPackage:
    """Write ``info/`` for the files staged in ``stage`` and pack them as a .conda."""
    subdir = current_subdir()
    index: dict[str, object] = {
        "name": name,
        "version": version,
        "build": build,
        "build_number": int(build.split("_", 1)[0]),
        "depends": [],
        "constrains": [constrains],
        "license": "Python-2.0" if name == "python" else "BSD-3-Clause",
        "subdir": subdir,
        "timestamp": 0,
    }
    index["arch"], index["platform"] = arch_platform(subdir)
    info = stage / "info"
    info.mkdir()
    (info / "index.json").write_text(json.dumps(index, indent=2, sort_keys=True))
    if about is not None:
        (info / "about.json").write_text(json.dumps(about, indent=2))
    files = write_paths(stage, {})
    return archive(stage, files, out / subdir, name, version, build, subdir)
