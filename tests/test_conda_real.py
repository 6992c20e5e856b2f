"""condapip's environments as the real conda sees them, and condapip driving the real conda."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import conda, condapip

pytestmark = pytest.mark.conda


@pytest.fixture
def env_file(tmp_path: Path, channel: Path, find_links: Path) -> Path:
    path = tmp_path / "environment.yml"
    path.write_text(
        f"channels: [{channel.as_uri()}]\n"
        "dependencies:\n  - python\n  - pip\n  - alpha\n  - pip:\n    - epsilon\n"
    )
    return path


@pytest.fixture
def made(tmp_path: Path, env_file: Path, condarc: Path) -> Path:
    """An environment made by ``condapip create -p``: a conda layer and a pip layer."""
    prefix = tmp_path / "made"
    proc = condapip("create", "-f", str(env_file), "-p", str(prefix), "--yes")
    assert proc.returncode == 0, proc.stderr
    return prefix


def conda_layer_by_condapip(prefix: Path) -> dict[str, tuple[str, str, str]]:
    rows = json.loads(condapip("list", "-p", str(prefix), "--json").stdout)
    conda_rows = (r for r in rows if r["owner"] == "conda")
    return {r["name"]: (r["version"], r["build"], r["channel"]) for r in conda_rows}


def pip_layer_by_condapip(prefix: Path) -> dict[str, str]:
    rows = json.loads(condapip("list", "-p", str(prefix), "--json").stdout)
    return {r["name"]: r["version"] for r in rows if r["owner"] == "pip"}


def test_conda_list_shows_the_conda_layer_condapip_lists(made):
    rows = json.loads(conda("list", "-p", str(made), "--json", check=True).stdout)
    seen = {
        r["name"]: (r["version"], r["build_string"], r["base_url"])
        for r in rows
        if r["channel"] != "pypi"
    }
    assert seen == conda_layer_by_condapip(made)
    assert {"alpha", "beta", "pip", "python"} <= set(seen)


def test_conda_list_revisions_reads_condapip_history(made, channel, find_links):
    proc = condapip("install", "-p", str(made), "-c", str(channel), "--yes", "zeta")
    assert proc.returncode == 0, proc.stderr
    out = conda("list", "-p", str(made), "--revisions", check=True).stdout
    rev0, rev1 = out.split("(rev 1)")
    assert "(rev 0)" in rev0
    assert f"+alpha-1.0 ({channel.as_uri()}/noarch)" in rev0
    assert f"+zeta-1.0 ({channel.as_uri()}/noarch)" in rev1
    history = (made / "conda-meta" / "history").read_text()
    assert f"+{channel.as_uri()}/noarch::zeta-1.0-pyh_0" in history.splitlines()


def test_conda_env_list_and_doctor_see_condapip_made_envs_as_condas_own(
    made, tmp_path, channel, condarc
):
    own = tmp_path / "own"
    conda("create", "-y", "-q", "-p", str(own), "-c", channel.as_uri(), "python", check=True)
    listed = json.loads(conda("env", "list", "--json", check=True).stdout)["envs"]
    # conda run as root reads the pw homes' lists, not $HOME's: alike for both
    assert (str(made) in listed) == (str(own) in listed)
    for prefix in (made, own):
        doctor = conda("doctor", "-p", str(prefix), "environment-txt", check=True).stdout
        assert "✅ The environment is listed in the environments.txt file." in doctor


def test_conda_env_list_sees_a_named_condapip_env(env_file, condarc, tmp_path):
    proc = condapip("create", "-f", str(env_file), "-n", "named", "--yes")
    assert proc.returncode == 0, proc.stderr
    listed = json.loads(conda("env", "list", "--json", check=True).stdout)["envs"]
    assert str(tmp_path / "conda-envs" / "named") in listed


def test_install_with_engine_conda_changes_a_real_env_through_conda(made, channel, find_links):
    proc = condapip(
        "install", "-p", str(made), "--engine", "conda", "-c", str(channel), "--yes", "zeta"
    )
    assert proc.returncode == 0, proc.stderr
    assert "zeta" in conda_layer_by_condapip(made)
    assert pip_layer_by_condapip(made) == {"epsilon": "1.0"}
    history = (made / "conda-meta" / "history").read_text()
    last = history.split("==>")[-1]
    # one entry for the change, conda's own lines, the user's spec
    assert "# conda version: 26.7.1" in last
    assert f"+{channel.as_uri()}/noarch::zeta-1.0-pyh_0" in last
    assert "# update specs: ['zeta']" in last
    command = last.splitlines()[1]
    assert command.startswith("# cmd: ") and "condapip" in command and " install -p " in command
    assert list((made / "conda-meta" / "condapip").glob("snapshot-*.json"))
    report = json.loads(condapip("doctor", "-p", str(made), "--json", "--strict").stdout)
    assert report["findings"] == []


def test_create_with_engine_conda_makes_a_clean_env(env_file, condarc, tmp_path):
    prefix = tmp_path / "by-conda"
    proc = condapip("create", "-f", str(env_file), "-p", str(prefix), "--engine", "conda", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert (prefix / "conda-meta" / "history").read_text().count("==>") == 1
    report = json.loads(condapip("doctor", "-p", str(prefix), "--json", "--strict").stdout)
    assert report["findings"] == []


def test_export_then_conda_env_create_round_trips_both_layers(made, tmp_path):
    exported = tmp_path / "exported.yml"
    proc = condapip("export", "-p", str(made), "-o", str(exported))
    assert proc.returncode == 0, proc.stderr
    copy = tmp_path / "copy"
    conda("env", "create", "-q", "-f", str(exported), "-p", str(copy), check=True)
    assert conda_layer_by_condapip(copy) == conda_layer_by_condapip(made)
    assert pip_layer_by_condapip(copy) == pip_layer_by_condapip(made) == {"epsilon": "1.0"}


def test_conda_export_format_condapip_is_condapips_export(made):
    ours = condapip("export", "-p", str(made)).stdout
    assert conda("export", "-p", str(made), "--format", "condapip", check=True).stdout == ours


def test_conda_env_create_installs_a_condapip_lock(made, tmp_path):
    lock = tmp_path / "condapip.lock.yml"
    conda("export", "-p", str(made), "--format", "condapip-lock", "--file", str(lock), check=True)
    assert "sha256:" in lock.read_text()
    copy = tmp_path / "from-lock"
    conda("env", "create", "-q", "-f", str(lock), "-p", str(copy), check=True)
    assert conda_layer_by_condapip(copy) == conda_layer_by_condapip(made)
    assert pip_layer_by_condapip(copy) == {"epsilon": "1.0"}
