"""Turn Python wheels into real conda packages and index them into a channel.

This is the job whl2conda and conda-pypi do: it brings a pip-only wheel under
conda's sovereignty. ``host_python`` also packages the running interpreter,
so that a prefix can be made offline exactly as conda-forge's python would.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from email.message import Message
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

from condapip.channel_build.package import (
    BuiltPackage,
    arch_platform,
    archive,
    build_host_python,
    write_paths,
)
from condapip.channel_build.wheel import WheelContents, read_wheel
from condapip.errors import CondapipError
from condapip.ledger.names import pypi_to_conda
from condapip.ledger.platform import current_subdir, marker_environment
from condapip.support.progress import counted

# The placeholder conda-build writes into text files; the installer rewrites
# it to the real prefix at link time.
PREFIX_PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3"
_NOT_BUILT = " (sdists are not built: make a wheel with `pip wheel --no-deps`, then build that)"


def build_channel(
    inputs: Iterable[Path],
    out: Path,
    *,
    host_python: bool = False,
    python_version: str | None = None,
    progress: bool = False,
) -> list[BuiltPackage]:
    """Build every wheel in ``inputs`` (files or folders) into ``out`` and index it.

    ``progress``: a bar on a terminal (stderr), one step per package and the index.
    """
    wheels: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found = sorted(item.glob("*.whl"))
            if not found:
                raise CondapipError(f"no wheel in {item}{_sdists(item)}")
            wheels.extend(found)
        elif item.suffix == ".whl" and item.is_file():
            wheels.append(item)
        elif item.name.endswith((".tar.gz", ".zip")) and item.is_file():
            raise CondapipError(f"{item} is an sdist{_NOT_BUILT}")
        else:
            raise CondapipError(f"not a wheel or a folder of wheels: {item}")
    # one build per wheel file (--host-python adds the bundled pip, which may
    # be given too), and every wheel checked before anything is written
    wheels = list({whl.name: whl for whl in wheels}.values())
    for whl in wheels:
        _layout(whl)  # every path every wheel names, checked before any write
    pyver = python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "noarch").mkdir(exist_ok=True)
    built: list[BuiltPackage] = []
    steps = len(wheels) + 1 + (1 if host_python else 0)
    with counted("building the channel", steps, show=progress) as done:
        if host_python:
            built.extend(build_host_python(out))
            done("python")
        for whl in wheels:
            host = host_python and parse_wheel_filename(whl.name)[0] == "pip"
            built.append(wheel_to_conda(whl, out, python_version=pyver, host=host))
            done(whl.name)
        index_channel(out)
        done("index")
    return built


def _sdists(folder: Path) -> str:
    """The sdists a folder holds, named for the error: condapip builds no sdist."""
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith((".tar.gz", ".zip")))
    if not names:
        return ""
    return f", only the sdist {', '.join(names)}{_NOT_BUILT}"


def index_channel(channel_dir: Path) -> None:
    import asyncio

    from rattler.index import index_fs

    (channel_dir / "noarch").mkdir(parents=True, exist_ok=True)
    scratch = channel_dir / ".tmp"
    ours = not scratch.exists()
    asyncio.run(index_fs(channel_dir, write_zst=False, write_shards=False, force=True))
    if ours:  # rattler's scratch folder: no part of a channel
        shutil.rmtree(scratch, ignore_errors=True)


def license_of(metadata: Message) -> str:
    """The short license conda-forge puts in repodata: the SPDX expression, else a
    one-line ``License`` value, else the classifier's name; never a whole license text."""
    expression = (metadata.get("License-Expression") or "").strip()
    if expression:
        return expression
    value = (metadata.get("License") or "").strip()
    if value and "\n" not in value and len(value) <= 64:
        return value
    classifiers = [
        c.rsplit("::", 1)[-1].strip()
        for c in metadata.get_all("Classifier") or []
        if c.startswith("License ::") and c.count("::") >= 2
    ]
    return " AND ".join(classifiers)


def _layout(
    whl: Path, python_version: str = "3", *, host: bool = False
) -> tuple[bool, WheelContents]:
    """Whether ``whl`` is built noarch (pure, not for the host), and its contents placed
    and checked for containment."""
    try:
        tags = parse_wheel_filename(whl.name)[3]
    except ValueError as exc:
        raise CondapipError(f"not a wheel file name: {whl.name} ({exc})") from None
    pure = not host and all(t.abi == "none" and t.platform == "any" for t in tags)
    sp_prefix = "site-packages" if pure else f"lib/python{python_version}/site-packages"
    bin_prefix = "python-scripts" if pure else "bin"
    return pure, read_wheel(whl, sp_prefix, bin_prefix)


def wheel_to_conda(
    whl: Path, out: Path, *, python_version: str, host: bool = False
) -> BuiltPackage:
    """One wheel -> one ``.conda`` whose dist-info says ``INSTALLER: conda``.

    ``host``: built for the running interpreter (the pip ``--host-python`` adds), with its
    bytecode, as conda's python-specific builds ship it: an env's first pip run then
    compiles nothing.
    """
    pure, contents = _layout(whl, python_version, host=host)
    wname, wversion, _, _ = parse_wheel_filename(whl.name)
    name = pypi_to_conda(canonicalize_name(wname))
    version = str(wversion)
    py_tag = python_version.replace(".", "")
    subdir = "noarch" if pure else current_subdir()
    build = "pyh_0" if pure else f"py{py_tag}_0"
    sp_prefix = "site-packages" if pure else f"lib/python{python_version}/site-packages"
    metadata = contents.metadata

    with tempfile.TemporaryDirectory(prefix="condapip-whl-") as tmp:
        stage = Path(tmp).resolve()
        _extract(whl, contents, stage)
        dist_info = contents.dist_info
        entry_points = list(contents.console_scripts)
        (stage / sp_prefix / dist_info / "INSTALLER").write_text("conda\n")
        _append_record(stage / sp_prefix / dist_info)
        if host:
            _compile(stage / sp_prefix)

        depends = _depends(metadata, python_version, pure)
        info_dir = stage / "info"
        info_dir.mkdir()
        index: dict[str, object] = {
            "name": name,
            "version": version,
            "build": build,
            "build_number": 0,
            "depends": sorted(set(depends)),
            "license": license_of(metadata),
            "subdir": subdir,
            "timestamp": _timestamp(whl),
        }
        if pure:
            index["noarch"] = "python"
        else:
            index["arch"], index["platform"] = arch_platform(subdir)
        placeholders = _scripts(stage, pure, entry_points)
        about = {
            "summary": metadata.get("Summary", ""),
            "home": metadata.get("Home-page", ""),
            "license": index["license"],
            "extra": {"built_by": "condapip channel build", "wheel": whl.name},
        }
        (info_dir / "about.json").write_text(json.dumps(about, indent=2))
        (info_dir / "index.json").write_text(json.dumps(index, indent=2, sort_keys=True))
        files = write_paths(stage, placeholders)
        return archive(stage, files, out / subdir, name, version, build, subdir)


def _scripts(stage: Path, pure: bool, entry_points: list[tuple[str, str]]) -> dict[str, str]:
    """Console scripts: written for a platform build, in link.json for a noarch one."""
    placeholders: dict[str, str] = {}
    if not pure:
        for script, target in entry_points:
            rel = f"bin/{script}"
            python = f"{PREFIX_PLACEHOLDER}/bin/python"
            _write_entry_point(_inside(stage, rel), target, python)
            placeholders[rel] = PREFIX_PLACEHOLDER
        return placeholders
    link = {
        "noarch": {
            "type": "python",
            "entry_points": [f"{n} = {target}" for n, target in entry_points],
        },
        "package_metadata_version": 1,
    }
    (stage / "info" / "link.json").write_text(json.dumps(link, indent=2))
    return placeholders


def _extract(whl: Path, contents: WheelContents, stage: Path) -> None:
    with zipfile.ZipFile(whl) as zf:
        for member in contents.members:
            dest = _inside(stage, member.target)
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(member.info) as src, dest.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            if member.executable:
                dest.chmod(0o755)


def _compile(site_packages: Path) -> None:
    """Bytecode for the running interpreter. Hash-checked, not timestamped: valid whatever
    mtime a link gives its source, so Python never rewrites it and its sha256 in
    ``paths.json`` stays true (doctor's ``--verify`` sees no change)."""
    import compileall
    import py_compile

    compileall.compile_dir(
        site_packages,
        quiet=2,
        stripdir=str(site_packages),
        invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
    )


def _inside(stage: Path, rel: str) -> Path:
    # Belt and braces after read_wheel's checks: the real path, links followed.
    dest = (stage / rel).resolve()
    if not dest.is_relative_to(stage) or dest == stage:
        raise CondapipError(f"wheel path escapes the package: {rel!r}")
    return dest


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


def _depends(metadata: Message, python_version: str, pure: bool) -> list[str]:
    """The wheel's requirements, then the python a noarch build needs, or the one
    interpreter (and its ABI) a python-specific build is for."""
    depends = _depends_from_metadata(metadata, python_version)
    if pure:
        return [*depends, _python_dep(metadata.get("Requires-Python"))]
    py_tag = python_version.replace(".", "")
    return [
        *depends,
        f"python >={python_version},<{_next_minor(python_version)}.0a0",
        f"python_abi {python_version}.* *_cp{py_tag}",
    ]


def _depends_from_metadata(metadata: Message, python_version: str) -> list[str]:
    env = marker_environment(python_version)
    depends: list[str] = []
    for text in metadata.get_all("Requires-Dist") or []:
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


def _timestamp(path: Path) -> int:
    return int(path.stat().st_mtime * 1000)
