"""A pip package from a local directory in a lock: PEP 751 writes its folder as a
filesystem path (absolute, or relative to the lock file's folder), and every reader
gives back the ``file://`` URL of that folder, wherever it is run from.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from condapip.support.toml_input import loads
from tests import lockworld
from tests.gitrepo import make_git_package
from tests.helpers import condapip, pip

ENV = """\
channels:
  - {channel}
platforms: [{platforms}]
dependencies:
  - python
  - pip
  - pip:
    - --no-index
    - --find-links {find_links}
    - -e ./proj
    - ./other
"""


def project(folder: Path, name: str, version: str) -> Path:
    """A local project folder (no .git), as a user's checkout."""
    repo, _ = make_git_package(folder.parent / f"{name}-repo", name, version)
    shutil.copytree(repo, folder, ignore=shutil.ignore_patterns(".git"))
    return folder


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> lockworld.World:
    return lockworld.build(tmp_path_factory.mktemp("lockworld"), tmp_path_factory)


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding ``proj`` (theta 0.1) and ``other`` (kappa 0.2)."""
    work = tmp_path_factory.mktemp("work")
    project(work / "proj", "theta", "0.1")
    project(work / "other", "kappa", "0.2")
    return work


def envfile(work: Path, world: lockworld.World, platforms: str = "linux-64") -> Path:
    path = work / f"environment-{platforms.replace(', ', '-')}.yml"
    text = ENV.format(channel=world.channel, find_links=world.find_links, platforms=platforms)
    path.write_text(text)
    return path


def read_pip(path: Path, cwd: Path) -> dict[str, tuple[str, str, str]]:
    """What condapip reads back from a lock, run from ``cwd``: name -> (source, url, version)."""
    from condapip.formats.locks import read_any

    here = Path.cwd()
    os.chdir(cwd)
    try:
        (body,) = read_any(path).platforms.values()
    finally:
        os.chdir(here)
    return {a.name: (a.source, a.url or "", a.version) for a in body.pip}


# --- lock -p: a pip-installed local directory ---------------------------------------


@pytest.fixture
def editable_env(make_env, tmp_path) -> tuple[Path, Path]:
    work = project(tmp_path / "src" / "proj", "theta", "0.1")
    prefix = make_env()
    result = pip(prefix, "install", "-e", str(work), find_links=tmp_path)
    assert result.returncode == 0, result.stderr
    return prefix, work


def test_prefix_pylock_writes_the_folder_as_a_path_that_reads_back_as_its_url(
    editable_env, tmp_path
):
    prefix, work = editable_env
    out = tmp_path / "locks" / "pylock.toml"
    result = condapip("lock", "-p", str(prefix), "--format", "pylock", "-o", str(out))
    assert result.returncode == 0, result.stderr
    (pkg,) = loads(out.read_text(), str(out))["packages"]
    assert pkg["directory"] == {"path": str(work), "editable": True}
    assert pkg["version"] == "0.1"
    assert read_pip(out, cwd=tmp_path) == {"theta": ("directory", work.as_uri(), "0.1")}
    plan = condapip("create", "-p", str(tmp_path / "t"), "--lock", str(out), "--dry-run")
    assert plan.returncode == 0, plan.stderr
    assert f"theta @ {work.as_uri()}" in plan.stdout


def test_a_relative_directory_path_is_relative_to_the_lock_files_folder(editable_env, tmp_path):
    prefix, work = editable_env
    out = tmp_path / "locks" / "pylock.mine.toml"
    result = condapip("lock", "-p", str(prefix), "--format", "pylock", "-o", str(out))
    assert result.returncode == 0, result.stderr
    relative = os.path.relpath(work, out.parent)
    assert relative.startswith("..")
    out.write_text(out.read_text().replace(f'"{work}"', f'"{relative}"'))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert read_pip(out, cwd=elsewhere)["theta"] == ("directory", work.as_uri(), "0.1")


def test_the_condapip_lock_keeps_the_installed_version_of_a_local_folder(editable_env, tmp_path):
    prefix, work = editable_env
    out = tmp_path / "condapip.lock.yml"
    result = condapip("lock", "-p", str(prefix), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert read_pip(out, cwd=tmp_path) == {"theta": ("directory", work.as_uri(), "0.1")}


# --- -o for pylock: a folder, or one PEP 751-named file ------------------------------


@pytest.mark.parametrize("name", ["x.toml", "pylock.a.b.toml"])
def test_a_toml_output_not_named_as_pep_751_says_is_bad_usage(editable_env, tmp_path, name):
    prefix, _ = editable_env
    out = tmp_path / name
    result = condapip("lock", "-p", str(prefix), "--format", "pylock", "-o", str(out))
    assert result.returncode == 2
    assert result.stderr.startswith("condapip: error: ") and "pylock.NAME.toml" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_a_pylock_folder_output_holds_one_file_per_platform(editable_env, tmp_path):
    from condapip.ledger.platform import current_subdir

    prefix, work = editable_env
    out = tmp_path / "out"
    result = condapip("lock", "-p", str(prefix), "--format", "pylock", "-o", str(out))
    assert result.returncode == 0, result.stderr
    (written,) = out.iterdir()
    assert written.name == f"pylock.{current_subdir()}.toml"
    (pkg,) = loads(written.read_text(), str(written))["packages"]
    assert pkg["directory"]["path"] == str(work)
    assert read_pip(written, cwd=tmp_path)["theta"] == ("directory", work.as_uri(), "0.1")


# --- lock -f: `-e ./proj` and `./other` in the pip section --------------------------


@pytest.mark.parametrize("fmt, name", [("pylock", "pylock.toml"), ("condapip", "c.lock.yml")])
def test_lock_file_local_folders_read_back_as_their_urls(world, projects, tmp_path, fmt, name):
    out = tmp_path / name
    file = envfile(projects, world)
    result = condapip("lock", "-f", str(file), "--format", fmt, "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    if fmt == "pylock":
        paths = {
            p["name"]: p["directory"]["path"] for p in loads(out.read_text(), str(out))["packages"]
        }
        assert paths == {"theta": str(projects / "proj"), "kappa": str(projects / "other")}
    # uv gives a source tree no version: none is written, and the lock still reads
    assert read_pip(out, cwd=tmp_path) == {
        "theta": ("directory", (projects / "proj").as_uri(), ""),
        "kappa": ("directory", (projects / "other").as_uri(), ""),
    }


def test_create_lock_installs_the_local_folders_a_lock_file_names(world, projects, tmp_path):
    from condapip.ledger.prefix import read_prefix

    out = tmp_path / "pylock.toml"
    file = envfile(projects, world)
    assert condapip("lock", "-f", str(file), "--format", "pylock", "-o", str(out)).returncode == 0
    env = tmp_path / "env"
    result = condapip("create", "-p", str(env), "--lock", str(out), "--yes")
    assert result.returncode == 0, result.stderr
    dists = read_prefix(env).dists_by_key
    assert [d.version for d in dists["theta"]] == ["0.1"]
    assert [d.version for d in dists["kappa"]] == ["0.2"]
    # no version in the lock is no drift: a second sync has nothing to do
    again = condapip("sync", "--lock", str(out), "-p", str(env), "--yes", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["done"].startswith("nothing to do")


def test_a_pylock_file_output_for_two_platforms_is_bad_usage(world, projects, tmp_path):
    out = tmp_path / "pylock.toml"
    file = envfile(projects, world, "linux-64, win-64")
    result = condapip("lock", "-f", str(file), "--format", "pylock", "-o", str(out))
    assert result.returncode == 2
    assert "holds one platform" in result.stderr and "give -o a folder" in result.stderr
    assert not out.exists()
