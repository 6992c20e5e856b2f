"""Turn Python wheels into real conda packages and index them into a channel.

This is the job whl2conda and conda-pypi do: it brings a pip-only wheel under
conda's sovereignty. ``host_python`` also packages the running interpreter,
so that a prefix can be made offline exactly as conda-forge's python would.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

from condapip.errors import CondapipError
from condapip.ledger.names import pypi_to_conda
from condapip.ledger.platform import current_subdir, marker_environment

# The placeholder conda-build writes into text files; the installer rewrites
# it to the real prefix at link time.
PREFIX_PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3"
# zstd level 3: level 19 (conda's default) takes over a minute for scipy.
_ZSTD_LEVEL = 3


@dataclass(frozen=True)
class BuiltPackage:
    name: str
    version: str
    build: str
    subdir: str
    path: Path


def build_channel(
    inputs: Iterable[Path],
    out: Path,
    *,
    host_python: bool = False,
    python_version: str | None = None,
) -> list[BuiltPackage]:
    """Build every wheel in ``inputs`` (files or folders) into ``out`` and index it."""
    wheels: list[Path] = []
    for item in inputs:
        if item.is_dir():
            wheels.extend(sorted(item.glob("*.whl")))
        elif item.suffix == ".whl" and item.is_file():
            wheels.append(item)
        else:
            raise CondapipError(f"not a wheel or a folder of wheels: {item}")
    # one build per wheel file (--host-python adds the bundled pip, which may
    # be given too), and every wheel checked before anything is written
    wheels = list({whl.name: whl for whl in wheels}.values())
    for whl in wheels:
        _check_wheel(whl)
    pyver = python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "noarch").mkdir(exist_ok=True)
    built: list[BuiltPackage] = []
    if host_python:
        built.extend(build_host_python(out))
    for whl in wheels:
        built.append(wheel_to_conda(whl, out, python_version=pyver))
    index_channel(out)
    return built


def index_channel(channel_dir: Path) -> None:
    import asyncio

    from rattler.index import index_fs

    (channel_dir / "noarch").mkdir(parents=True, exist_ok=True)
    asyncio.run(index_fs(channel_dir, write_zst=False, write_shards=False, force=True))


def wheel_to_conda(whl: Path, out: Path, *, python_version: str) -> BuiltPackage:
    """One wheel -> one ``.conda`` whose dist-info says ``INSTALLER: conda``."""
    try:
        wname, wversion, _, tags = parse_wheel_filename(whl.name)
    except ValueError as exc:
        raise CondapipError(f"not a wheel file name: {whl.name} ({exc})") from None
    pure = all(t.abi == "none" and t.platform == "any" for t in tags)
    name = pypi_to_conda(canonicalize_name(wname))
    version = str(wversion)
    py_tag = python_version.replace(".", "")
    subdir = "noarch" if pure else current_subdir()
    build = "pyh_0" if pure else f"py{py_tag}_0"
    sp_prefix = "site-packages" if pure else f"lib/python{python_version}/site-packages"
    bin_prefix = "python-scripts" if pure else "bin"

    with tempfile.TemporaryDirectory(prefix="condapip-whl-") as tmp:
        stage = Path(tmp)
        with zipfile.ZipFile(whl) as zf:
            members = zf.infolist()
            dist_info = _dist_info_dir(zf, whl)
            metadata = HeaderParser().parsestr(
                zf.read(f"{dist_info}/METADATA").decode("utf-8", "replace").partition("\n\n")[0]
            )
            for info in members:
                if info.is_dir():
                    continue
                target = _wheel_member_target(info.filename, sp_prefix, bin_prefix, dist_info)
                if target is None:
                    continue
                dest = stage / target
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, dest.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
                mode = (info.external_attr >> 16) & 0o777
                if mode & 0o111 or target.startswith(bin_prefix + "/"):
                    dest.chmod(0o755)
            entry_points = _console_scripts(zf, dist_info)
        (stage / sp_prefix / dist_info / "INSTALLER").write_text("conda\n")
        _append_record(stage / sp_prefix / dist_info)

        depends = _depends_from_metadata(metadata, python_version)
        if pure:
            requires_python = metadata.get("Requires-Python")
            depends.append(_python_dep(requires_python))
        else:
            depends.append(f"python >={python_version},<{_next_minor(python_version)}.0a0")
            depends.append(f"python_abi {python_version}.* *_cp{py_tag}")

        info_dir = stage / "info"
        info_dir.mkdir()
        index: dict[str, object] = {
            "name": name,
            "version": version,
            "build": build,
            "build_number": 0,
            "depends": sorted(set(depends)),
            "license": metadata.get("License-Expression") or metadata.get("License") or "",
            "subdir": subdir,
            "timestamp": _timestamp(whl),
        }
        if pure:
            index["noarch"] = "python"
        else:
            index["arch"], index["platform"] = _arch_platform(subdir)
        placeholders: dict[str, str] = {}
        if not pure:
            for script in entry_points:
                rel = f"bin/{script[0]}"
                _write_entry_point(stage / rel, script[1], f"{PREFIX_PLACEHOLDER}/bin/python")
                placeholders[rel] = PREFIX_PLACEHOLDER
        else:
            link = {
                "noarch": {
                    "type": "python",
                    "entry_points": [f"{n} = {target}" for n, target in entry_points],
                },
                "package_metadata_version": 1,
            }
            (info_dir / "link.json").write_text(json.dumps(link, indent=2))
        about = {
            "summary": metadata.get("Summary", ""),
            "home": metadata.get("Home-page", ""),
            "license": index["license"],
            "extra": {"built_by": "condapip channel build", "wheel": whl.name},
        }
        (info_dir / "about.json").write_text(json.dumps(about, indent=2))
        (info_dir / "index.json").write_text(json.dumps(index, indent=2, sort_keys=True))
        files = _write_paths(stage, placeholders)
        return _archive(stage, files, out / subdir, name, version, build, subdir)


def _check_wheel(whl: Path) -> None:
    try:
        parse_wheel_filename(whl.name)
    except ValueError as exc:
        raise CondapipError(f"not a wheel file name: {whl.name} ({exc})") from None
    try:
        with zipfile.ZipFile(whl) as zf:
            _dist_info_dir(zf, whl)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CondapipError(f"not a readable wheel: {whl} ({exc})") from None


def _dist_info_dir(zf: zipfile.ZipFile, whl: Path) -> str:
    dirs = {
        n.split("/", 1)[0]
        for n in zf.namelist()
        if n.split("/", 1)[0].endswith(".dist-info") and n.endswith("/METADATA")
    }
    if len(dirs) != 1:
        raise CondapipError(f"wheel has no single .dist-info: {whl}")
    return dirs.pop()


def _wheel_member_target(member: str, sp: str, bin_prefix: str, dist_info: str) -> str | None:
    if member.startswith("/") or ".." in member.split("/"):
        raise CondapipError(f"wheel member escapes its root: {member}")
    top, _, rest = member.partition("/")
    if top.endswith(".data") and rest:
        scheme, _, inner = rest.partition("/")
        if scheme in ("purelib", "platlib"):
            return f"{sp}/{inner}"
        if scheme == "scripts":
            return f"{bin_prefix}/{inner}"
        if scheme == "data":
            return inner
        if scheme == "headers":
            return f"include/{inner}"
        return None
    if top == dist_info and rest == "INSTALLER":
        return None
    return f"{sp}/{member}"


def _console_scripts(zf: zipfile.ZipFile, dist_info: str) -> list[tuple[str, str]]:
    try:
        text = zf.read(f"{dist_info}/entry_points.txt").decode()
    except KeyError:
        return []
    import configparser

    cp = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read_string(text)
    if not cp.has_section("console_scripts"):
        return []
    return sorted((k.strip(), v.strip()) for k, v in cp.items("console_scripts"))


def _write_entry_point(path: Path, target: str, python: str) -> None:
    module, _, func = target.partition(":")
    func = func.split("[", 1)[0].strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"#!{python}\n"
        "import sys\n"
        f"from {module.strip()} import {func.split('.')[0]}\n"
        "if __name__ == '__main__':\n"
        f"    sys.exit({func}())\n"
    )
    path.chmod(0o755)


def _append_record(dist_info: Path) -> None:
    record = dist_info / "RECORD"
    if not record.exists():
        return
    data = (dist_info / "INSTALLER").read_bytes()
    digest = _urlsafe_sha256(data)
    with record.open("a") as fh:
        fh.write(f"{dist_info.name}/INSTALLER,sha256={digest},{len(data)}\n")


def _urlsafe_sha256(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _depends_from_metadata(metadata: object, python_version: str) -> list[str]:
    env = marker_environment(python_version)
    depends: list[str] = []
    for text in metadata.get_all("Requires-Dist") or []:  # type: ignore[attr-defined]
        try:
            req = Requirement(text)
        except InvalidRequirement:
            raise CondapipError(f"invalid Requires-Dist: {text!r}") from None
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        if req.url:
            continue
        name = pypi_to_conda(canonicalize_name(req.name))
        spec = ",".join(sorted(str(s) for s in req.specifier))
        depends.append(f"{name} {spec}" if spec else name)
    return depends


def _python_dep(requires_python: str | None) -> str:
    if not requires_python:
        return "python"
    from packaging.specifiers import SpecifierSet

    try:
        spec = SpecifierSet(requires_python)
    except ValueError:
        return "python"
    return f"python {','.join(sorted(str(s) for s in spec))}" if spec else "python"


def _next_minor(python_version: str) -> str:
    major, minor = python_version.split(".")[:2]
    return f"{major}.{int(minor) + 1}"


def _arch_platform(subdir: str) -> tuple[str, str]:
    plat, _, arch = subdir.partition("-")
    return {"64": "x86_64", "32": "x86"}.get(arch, arch), plat


def _timestamp(path: Path) -> int:
    return int(path.stat().st_mtime * 1000)


def _write_paths(stage: Path, placeholders: dict[str, str]) -> list[str]:
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


def _archive(
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
    base = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    version = platform.python_version()
    major_minor = f"{sys.version_info.major}.{sys.version_info.minor}"
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    subdir = current_subdir()
    built = []
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
        for link in ("python", "python3", f"python{major_minor}"):
            (bindir / link).symlink_to(base)
        sp = stage / "lib" / f"python{major_minor}" / "site-packages"
        sp.mkdir(parents=True)
        (sp / "README.txt").write_text(
            "This directory exists so that 3rd party packages can be installed here.\n"
        )
        info = stage / "info"
        info.mkdir()
        index = {
            "name": "python",
            "version": version,
            "build": f"0_host_{tag}",
            "build_number": 0,
            "depends": [],
            "constrains": [f"python_abi {major_minor}.* *_{tag}"],
            "license": "Python-2.0",
            "subdir": subdir,
            "timestamp": 0,
        }
        index["arch"], index["platform"] = _arch_platform(subdir)
        (info / "index.json").write_text(json.dumps(index, indent=2, sort_keys=True))
        about = {
            "summary": f"The host interpreter {base}, linked as a venv",
            "license": "Python-2.0",
        }
        (info / "about.json").write_text(json.dumps(about, indent=2))
        files = _write_paths(stage, {})
        built.append(
            _archive(stage, files, out / subdir, "python", version, index["build"], subdir)
        )

    with tempfile.TemporaryDirectory(prefix="condapip-abi-") as tmp:
        stage = Path(tmp)
        (stage / "info").mkdir()
        abi_build = f"8_{tag}"
        index = {
            "name": "python_abi",
            "version": major_minor,
            "build": abi_build,
            "build_number": 8,
            "depends": [],
            "constrains": [f"python {major_minor}.* *_{tag}"],
            "license": "BSD-3-Clause",
            "subdir": subdir,
            "timestamp": 0,
        }
        index["arch"], index["platform"] = _arch_platform(subdir)
        (stage / "info" / "index.json").write_text(json.dumps(index, indent=2, sort_keys=True))
        files = _write_paths(stage, {})
        built.append(
            _archive(stage, files, out / subdir, "python_abi", major_minor, abi_build, subdir)
        )
    return built
