"""`condapip list`: both ledgers of a real prefix, with honest owners."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import condapip, pip, tree_digest


def _by_name(result) -> dict[str, dict]:
    assert result.returncode == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_conda_installed_packages_are_owned_by_conda(make_env):
    prefix = make_env()
    rows = _by_name(condapip("list", "-p", str(prefix), "--json"))
    assert rows["alpha"]["owner"] == "conda"
    assert rows["beta"]["owner"] == "conda"
    assert rows["python"]["owner"] == "conda"
    assert rows["alpha"]["installer"] == "conda"
    assert {"name", "version", "build", "channel", "owner", "installer"} <= set(rows["alpha"])


def test_pip_installed_package_is_owned_by_pip(make_env, wheelhouse):
    prefix = make_env()
    assert pip(prefix, "install", "epsilon", find_links=wheelhouse).returncode == 0
    rows = _by_name(condapip("list", "-p", str(prefix), "--json"))
    assert rows["epsilon"]["owner"] == "pip"
    assert rows["epsilon"]["installer"] == "pip"
    assert rows["epsilon"]["channel"] == "pypi"


def test_pip_upgrade_of_conda_package_is_pip_over_conda(make_env, wheelhouse):
    prefix = make_env()
    assert pip(prefix, "install", "beta==2.0", find_links=wheelhouse).returncode == 0
    rows = _by_name(condapip("list", "-p", str(prefix), "--json"))
    assert rows["beta"]["owner"] == "pip-over-conda"
    assert rows["beta"]["version"] == "2.0"
    assert rows["beta"]["conda_version"] == "1.0"
    assert rows["alpha"]["owner"] == "conda"


def test_human_output_lists_each_package_once_sorted(make_env):
    prefix = make_env()
    result = condapip("list", "-p", str(prefix))
    assert result.returncode == 0
    names = [ln.split()[0] for ln in result.stdout.splitlines() if ln.startswith("  ")]
    assert names == sorted(names, key=str.lower)
    assert len(names) == len(set(names))


def test_list_finds_env_by_name_in_conda_envs_path(make_env, monkeypatch):
    prefix = make_env(name="named")
    monkeypatch.setenv("CONDA_ENVS_PATH", str(prefix.parent))
    rows = _by_name(condapip("list", "-n", "named", "--json"))
    assert "alpha" in rows


def test_list_defaults_to_conda_prefix(make_env, monkeypatch):
    prefix = make_env()
    monkeypatch.setenv("CONDA_PREFIX", str(prefix))
    assert "alpha" in _by_name(condapip("list", "--json"))


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
    _assert_bad_input(condapip("list", "-p", str(tmp_path)), "not a conda prefix")


def test_truncated_conda_meta_json_is_bad_input_and_changes_nothing(make_env):
    prefix = make_env()
    # corrupt input on purpose: the one case where a test writes conda-meta by hand
    record = next((prefix / "conda-meta").glob("alpha-*.json"))
    data = record.read_bytes()
    record.unlink()  # the file is a hardlink into rattler's cache; never edit in place
    record.write_bytes(data[: len(data) // 2])
    before = tree_digest(prefix)
    _assert_bad_input(condapip("list", "-p", str(prefix)), record.name)
    assert tree_digest(prefix) == before


def test_dist_info_without_metadata_is_bad_input_and_changes_nothing(make_env, wheelhouse):
    prefix = make_env()
    assert pip(prefix, "install", "epsilon", find_links=wheelhouse).returncode == 0
    dist_info = next(prefix.glob("lib/python*/site-packages/epsilon-1.0.dist-info"))
    (dist_info / "METADATA").unlink()
    before = tree_digest(prefix)
    _assert_bad_input(condapip("list", "-p", str(prefix), "--json"), "epsilon-1.0.dist-info")
    assert tree_digest(prefix) == before


def test_real_numpy_scipy_prefix_imports_scipy_linalg(real_channel, tmp_path):
    import subprocess

    from condapip import conda_layer
    from condapip.engines.rattler import RattlerEngine

    prefix = tmp_path / "sci"
    engine = RattlerEngine(progress=False)
    pkgs = conda_layer.solve(engine, prefix, [str(real_channel)], ["python", "scipy", "pip"])
    conda_layer.apply(engine, prefix, pkgs, ["python", "scipy", "pip"])
    rows = _by_name(condapip("list", "-p", str(prefix), "--json"))
    assert rows["numpy"]["version"] == "1.26.4" and rows["numpy"]["owner"] == "conda"
    assert rows["scipy"]["version"] == "1.11.4" and rows["scipy"]["owner"] == "conda"
    proc = subprocess.run(
        [str(prefix / "bin" / "python"), "-c", "import scipy.linalg; print('ok')"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.stdout.strip() == "ok", proc.stderr
