"""Every prefix conda's reader reads: eggs, egg links, editables, Windows and 3.13t layouts,
and markers judged for the prefix's own platform, not this machine's.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.gitrepo import make_git_package
from tests.helpers import condapip, pip
from tests.inprocess import run_cli


def _pkg_info(name: str, version: str) -> str:
    return f"Metadata-Version: 1.1\nName: {name}\nVersion: {version}\n\nLong text.\n"


def _site_packages(prefix: Path) -> Path:
    return next((prefix / "lib").glob("python3*/site-packages"))


def _rows(prefix: Path) -> dict[str, dict]:
    result = run_cli("list", "-p", str(prefix), "--json")  # in-process: the rows count
    assert result.returncode == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_list_shows_eggs_egg_links_single_file_egg_info_and_pep660_editables(tmp_path, make_env):
    prefix = make_env()
    sp = _site_packages(prefix)
    # an .egg folder, with its requirements in requires.txt as setuptools writes them
    egg = sp / "kappa-1.0-py3.11.egg"
    (egg / "EGG-INFO").mkdir(parents=True)
    (egg / "EGG-INFO" / "PKG-INFO").write_text(_pkg_info("kappa", "1.0"))
    (egg / "EGG-INFO" / "requires.txt").write_text("beta>=1\n")
    # a zipped egg
    with zipfile.ZipFile(sp / "lam-2.0-py3.11.egg", "w") as zf:
        zf.writestr("EGG-INFO/PKG-INFO", _pkg_info("lam", "2.0"))
        zf.writestr("lam/__init__.py", "")
    # setup.py develop's link to a project folder holding its egg-info
    project = tmp_path / "mu-src"
    (project / "mu.egg-info").mkdir(parents=True)
    (project / "mu.egg-info" / "PKG-INFO").write_text(_pkg_info("mu", "0.3"))
    (sp / "mu.egg-link").write_text(f"{project}\n.")
    # distutils' single-file egg-info
    (sp / "nu-0.1-py3.11.egg-info").write_text(_pkg_info("nu", "0.1"))
    # a PEP 660 editable install by real pip (dist-info + .pth)
    repo, _ = make_git_package(tmp_path / "xi-src", "xi", "0.2")
    done = pip(prefix, "install", "--no-deps", "--isolated", "--no-index", "-e", str(repo))
    assert done.returncode == 0, done.stderr

    rows = _rows(prefix)
    assert {n: rows[n]["version"] for n in ("kappa", "lam", "mu", "nu", "xi")} == {
        "kappa": "1.0",
        "lam": "2.0",
        "mu": "0.3",
        "nu": "0.1",
        "xi": "0.2",
    }
    doctor = condapip("doctor", "-p", str(prefix), "--json")
    assert "Traceback" not in doctor.stderr


def _record(prefix: Path, name: str, version: str, subdir: str, files: list[str]) -> None:
    # A real install of a foreign platform can't be made here: the record is written.
    meta = prefix / "conda-meta"
    meta.mkdir(parents=True, exist_ok=True)
    (meta / f"{name}-{version}-0.json").write_text(
        json.dumps(
            {
                "name": name,
                "version": version,
                "build": "0",
                "build_number": 0,
                "channel": f"https://conda.anaconda.org/conda-forge/{subdir}",
                "subdir": subdir,
                "url": f"https://conda.anaconda.org/conda-forge/{subdir}/{name}-{version}-0.conda",
                "depends": [],
                "files": files,
            }
        )
    )


def _dist_info(sp: Path, name: str, version: str, requires: list[str]) -> None:
    info = sp / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    (info / "METADATA").write_text(meta)
    (info / "INSTALLER").write_text("pip\n")


KEYRING = [
    'SecretStorage>=3.2; sys_platform == "linux"',
    'pywin32-ctypes>=0.2.0; sys_platform == "win32"',
    'pyobjc-core; sys_platform == "darwin"',
]


def _broken(prefix: Path) -> list[str]:
    result = run_cli("doctor", "-p", str(prefix), "--json")
    assert "Traceback" not in result.stderr, result.stderr
    findings = json.loads(result.stdout)["findings"]
    return [f["message"] for f in findings if f["rule"] == "broken-requirement"]


def test_a_windows_prefix_is_read_from_lib_site_packages_with_windows_markers(tmp_path):
    prefix = tmp_path / "win"
    sp = prefix / "Lib" / "site-packages"
    _record(prefix, "python", "3.11.9", "win-64", ["python.exe"])
    _dist_info(sp, "keyring", "25.0", KEYRING)
    _dist_info(sp, "pywin32-ctypes", "0.2.2", [])
    assert {"keyring", "pywin32-ctypes"} <= set(_rows(prefix))
    assert _broken(prefix) == []


def test_a_macos_prefix_is_judged_by_macos_markers(tmp_path):
    prefix = tmp_path / "osx"
    sp = prefix / "lib" / "python3.11" / "site-packages"
    _record(prefix, "python", "3.11.9", "osx-64", ["bin/python3.11"])
    _dist_info(sp, "keyring", "25.0", KEYRING)
    broken = _broken(prefix)
    assert not any("secretstorage" in m.lower() for m in broken), broken
    assert any("pyobjc-core" in m.lower() for m in broken), broken


def test_a_free_threaded_prefix_is_read_from_lib_python3_13t(tmp_path):
    prefix = tmp_path / "ft"
    sp = prefix / "lib" / "python3.13t" / "site-packages"
    _record(prefix, "python", "3.13.1", "linux-64", ["bin/python3.13t"])
    _dist_info(sp, "omicron", "1.0", [])
    assert _rows(prefix)["omicron"]["version"] == "1.0"
