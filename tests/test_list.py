"""`condapip list`: both ledgers of a real prefix, with honest owners."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from tests.helpers import condapip, copy_prefix, pip, tree_digest
from tests.inprocess import run_cli


@pytest.fixture(scope="module")
def pip_env(created_env, tmp_path_factory, wheelhouse) -> Path:
    """The same after pip installs epsilon and beta 2.0 (over conda's 1.0); only read."""
    prefix = copy_prefix(created_env, tmp_path_factory.mktemp("pip-env") / "env")
    proc = pip(prefix, "install", "epsilon", "beta==2.0", find_links=wheelhouse)
    assert proc.returncode == 0, proc.stderr
    return prefix


def _by_name(result) -> dict[str, dict]:
    assert result.returncode == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_conda_installed_packages_are_owned_by_conda(created_env):
    prefix = created_env
    rows = _by_name(condapip("list", "-p", str(prefix), "--json"))
    assert rows["alpha"]["owner"] == "conda"
    assert rows["beta"]["owner"] == "conda"
    assert rows["python"]["owner"] == "conda"
    assert rows["alpha"]["installer"] == "conda"
    assert {"name", "version", "build", "channel", "owner", "installer"} <= set(rows["alpha"])


def test_pip_installed_package_is_owned_by_pip(pip_env):
    prefix = pip_env
    rows = _by_name(run_cli("list", "-p", str(prefix), "--json"))
    assert rows["epsilon"]["owner"] == "pip"
    assert rows["epsilon"]["installer"] == "pip"
    assert rows["epsilon"]["channel"] == "pypi"
    assert rows["epsilon"]["build"] == "pypi_0"  # as conda list shows pip's packages


def test_pip_upgrade_of_conda_package_is_pip_over_conda(pip_env):
    prefix = pip_env
    rows = _by_name(run_cli("list", "-p", str(prefix), "--json"))
    assert rows["beta"]["owner"] == "pip-over-conda"
    assert rows["beta"]["version"] == "2.0"
    assert rows["beta"]["conda_version"] == "1.0"
    assert (rows["beta"]["build"], rows["beta"]["conda_build"]) == ("pypi_0", "pyh_0")
    assert rows["alpha"]["owner"] == "conda"


def test_human_output_lists_each_package_once_sorted(created_env):
    prefix = created_env
    result = run_cli("list", "-p", str(prefix))
    assert result.returncode == 0
    names = [ln.split()[0] for ln in result.stdout.splitlines() if ln.startswith("  ")]
    assert names == sorted(names, key=str.lower)
    assert len(names) == len(set(names))


def test_list_finds_env_by_name_in_conda_envs_path(make_env, monkeypatch):
    prefix = make_env(name="named")
    monkeypatch.setenv("CONDA_ENVS_PATH", str(prefix.parent))
    rows = _by_name(run_cli("list", "-n", "named", "--json"))
    assert "alpha" in rows


def _listed_prefix(result) -> str:
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    return first.removeprefix("# packages in environment at ").removesuffix(":")


def test_named_env_is_found_in_conda_envs_path_then_condarc_envs_dirs(
    make_env, monkeypatch, tmp_path
):
    first = make_env(name="first/named")
    second = make_env(name="second/named")
    condarc = tmp_path / "condarc"
    condarc.write_text(f"envs_dirs:\n  - {second.parent}\n")
    monkeypatch.setenv("CONDARC", str(condarc))
    assert _listed_prefix(run_cli("list", "-n", "named")) == str(second)
    monkeypatch.setenv("CONDA_ENVS_PATH", str(first.parent))
    assert _listed_prefix(run_cli("list", "-n", "named")) == str(first)


def test_named_env_is_found_in_environments_txt_then_home_conda_envs(
    make_env, monkeypatch, tmp_path
):
    home = tmp_path / "home"
    listed = make_env(name="elsewhere/listed")
    default = make_env(name="home/.conda/envs/plain")
    (home / ".conda" / "environments.txt").write_text(f"{listed}\n/gone/env\n")
    monkeypatch.setenv("HOME", str(home))
    assert _listed_prefix(run_cli("list", "-n", "listed")) == str(listed)
    assert _listed_prefix(run_cli("list", "-n", "plain")) == str(default)
    missing = run_cli("list", "-n", "gone")
    assert missing.returncode == 2 and "no environment named 'gone'" in missing.stderr


def test_hostile_env_names_are_bad_input(tmp_path):
    for name in ["x; rm -rf /", "$(touch pwned)", "../etc", "a/b"]:
        _assert_bad_input(condapip("list", "-n", name, cwd=tmp_path), "environment name")
    assert list(tmp_path.iterdir()) == []


def test_list_defaults_to_conda_prefix(created_env, monkeypatch):
    monkeypatch.setenv("CONDA_PREFIX", str(created_env))
    assert "alpha" in _by_name(run_cli("list", "--json"))


def _assert_bad_input(result, needle: str) -> None:
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("condapip: error: ")
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


def test_missing_prefix_is_bad_input(tmp_path: Path):
    _assert_bad_input(condapip("list", "-p", str(tmp_path / "nope")), "does not exist")


def test_folder_without_conda_meta_is_bad_input(tmp_path: Path):
    _assert_bad_input(run_cli("list", "-p", str(tmp_path)), "not a conda prefix")


def test_truncated_conda_meta_json_is_bad_input_and_changes_nothing(make_env):
    prefix = make_env()
    # corrupt input on purpose: the one case where a test writes conda-meta by hand
    record = next((prefix / "conda-meta").glob("alpha-*.json"))
    data = record.read_bytes()
    record.unlink()  # the file is a hardlink into rattler's cache; never edit in place
    record.write_bytes(data[: len(data) // 2])
    before = tree_digest(prefix)
    _assert_bad_input(run_cli("list", "-p", str(prefix)), record.name)
    assert tree_digest(prefix) == before


def test_dist_info_without_metadata_is_read_as_no_dist_and_changes_nothing(pip_env, tmp_path):
    """What a pip killed mid-install leaves: not a dist, not bad input (doctor names it)."""
    prefix = copy_prefix(pip_env, tmp_path / "env")
    dist_info = next(prefix.glob("lib/python*/site-packages/epsilon-1.0.dist-info"))
    (dist_info / "METADATA").unlink()
    before = tree_digest(prefix)
    assert "epsilon" not in _by_name(run_cli("list", "-p", str(prefix), "--json"))
    doctor = run_cli("doctor", "-p", str(prefix))
    assert doctor.returncode == 1 and "epsilon-1.0.dist-info" in doctor.stdout, doctor.stdout
    assert tree_digest(prefix) == before


@pytest.mark.slow
def test_real_numpy_scipy_prefix_imports_scipy_linalg(healthy_sci, tmp_path):
    import subprocess

    prefix = copy_prefix(healthy_sci, tmp_path / "sci")  # its Python writes bytecode
    rows = _by_name(run_cli("list", "-p", str(prefix), "--json"))
    assert rows["numpy"]["version"] == "1.26.4" and rows["numpy"]["owner"] == "conda"
    assert rows["scipy"]["version"] == "1.11.4" and rows["scipy"]["owner"] == "conda"
    proc = subprocess.run(
        [str(prefix / "bin" / "python"), "-c", "import scipy.linalg; print('ok')"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.stdout.strip() == "ok", proc.stderr


def test_channel_build_of_a_bad_wheel_is_bad_input_and_writes_nothing(tmp_path, wheelhouse):
    corrupt = tmp_path / "broken-1.0-py3-none-any.whl"
    corrupt.write_bytes(b"not a zip")
    misnamed = tmp_path / "junk.whl"
    misnamed.write_bytes(b"")
    good = wheelhouse / "epsilon-1.0-py3-none-any.whl"
    for bad, needle in [(corrupt, "not a readable wheel"), (misnamed, "not a wheel file name")]:
        out = tmp_path / "chan"
        _assert_bad_input(condapip("channel", "build", str(good), str(bad), "-o", str(out)), needle)
        assert not out.exists()


def test_dist_without_installer_is_unknown_and_egg_info_is_read(pip_env, tmp_path):
    prefix = copy_prefix(pip_env, tmp_path / "env")
    site = next(prefix.glob("lib/python*/site-packages"))
    (site / "epsilon-1.0.dist-info" / "INSTALLER").unlink()
    # an old setup.py install leaves an egg-info; no installer today writes one
    egg = site / "Legacy_Pkg-0.3-py3.11.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: Legacy-Pkg\nVersion: 0.3\n")
    rows = _by_name(run_cli("list", "-p", str(prefix), "--json"))
    assert (rows["epsilon"]["owner"], rows["epsilon"]["installer"]) == ("unknown", None)
    assert (rows["legacy-pkg"]["version"], rows["legacy-pkg"]["owner"]) == ("0.3", "unknown")


def test_channel_build_makes_conda_packages_from_wheel_metadata(channel, tmp_path):
    from conda_package_handling.api import extract

    def info(pkg: str) -> Path:
        out = tmp_path / pkg
        extract(str(next(channel.glob(f"noarch/{pkg}-*.conda"))), dest_dir=str(out))
        return out

    alpha, gamma = info("alpha"), info("gamma")
    index = json.loads((alpha / "info" / "index.json").read_text())
    assert index["name"] == "alpha" and index["noarch"] == "python"
    assert "beta >=1.0" in index["depends"]
    assert any(d.startswith("python") for d in index["depends"])
    # gamma's only requirement has a marker false for any python 3
    gamma_deps = json.loads((gamma / "info" / "index.json").read_text())["depends"]
    assert not any(d.startswith("beta") for d in gamma_deps)
    paths = json.loads((alpha / "info" / "paths.json").read_text())["paths"]
    files = (alpha / "info" / "files").read_text().split()
    assert sorted(p["_path"] for p in paths) == sorted(files)
    for entry in paths:
        data = (alpha / entry["_path"]).read_bytes()
        assert entry["size_in_bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert json.loads((alpha / "info" / "link.json").read_text())["noarch"]["type"] == "python"
    assert (alpha / "info" / "about.json").is_file()
    installer = next(alpha.glob("site-packages/alpha-1.0.dist-info/INSTALLER"))
    assert installer.read_text().strip() == "conda"
    assert (channel / "noarch" / "repodata.json").is_file()


def test_created_env_has_history_in_condas_format(created_env):
    prefix = created_env
    text = (prefix / "conda-meta" / "history").read_text()
    assert re.search(r"^==> \d{4}-\d\d-\d\d \d\d:\d\d:\d\d <==$", text, re.M)
    assert re.search(r"^# cmd: condapip create", text, re.M)
    assert re.search(r"^\+file://.+::alpha-1\.0-pyh_0$", text, re.M)
    assert re.search(r"^# update specs: \[.*'alpha'.*\]$", text, re.M)
