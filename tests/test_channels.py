"""`condapip channels`: merged view with sources, and a --fix that keeps comments."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from condapip.cli.confirm import NO_TERMINAL
from tests.helpers import condapip
from tests.inprocess import run_cli

COMMENTED = """\
# my condarc: hand-written, keep my notes
channels:   # order matters
  - defaults   # anaconda's
  - bioconda
  - conda-forge  # the community one
channel_priority: flexible  # a colleague said so
always_yes: true
"""


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("CONDARC", raising=False)
    return home


def test_channels_shows_merged_channels_with_the_file_each_came_from(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home / ".condarc").write_text("channels:\n  - defaults\n  - bioconda\n")
    env_rc = tmp_path / "env.condarc"
    env_rc.write_text("channels:\n  - conda-forge\nchannel_priority: strict\n")
    monkeypatch.setenv("CONDARC", str(env_rc))

    done = run_cli("channels", "--json")

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["channels"] == [
        {
            "channel": "conda-forge",
            "urls": ["https://conda.anaconda.org/conda-forge"],
            "source": str(env_rc),
        },
        {
            "channel": "defaults",
            "urls": ["https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r"],
            "source": str(home / ".condarc"),
        },
        {
            "channel": "bioconda",
            "urls": ["https://conda.anaconda.org/bioconda"],
            "source": str(home / ".condarc"),
        },
    ]
    assert report["channel_priority"] == {"value": "strict", "source": str(env_rc)}
    assert report["problems"] == []


def test_channels_without_conda_forge_first_and_strict_is_a_finding(home: Path) -> None:
    (home / ".condarc").write_text(COMMENTED)

    done = run_cli("channels")

    assert done.returncode == 1
    assert "defaults" in done.stdout and str(home / ".condarc") in done.stdout
    assert "channel_priority: flexible" in done.stdout
    assert "--fix" in done.stdout


def test_channels_fix_keeps_comments_and_order_and_writes_a_backup(home: Path) -> None:
    rc = home / ".condarc"
    rc.write_text(COMMENTED)

    done = run_cli("channels", "--fix", "--yes")

    assert done.returncode == 0, done.stderr
    assert (home / ".condarc.bak").read_text() == COMMENTED
    text = rc.read_text()
    assert text.splitlines() == [
        "# my condarc: hand-written, keep my notes",
        "channels:   # order matters",
        "  - conda-forge  # the community one",
        "  - defaults   # anaconda's",
        "  - bioconda",
        "channel_priority: strict    # a colleague said so",
        "always_yes: true",
    ]
    after = run_cli("channels", "--json")
    assert after.returncode == 0 and json.loads(after.stdout)["problems"] == []


def test_channels_fix_dry_run_shows_the_diff_and_writes_nothing(home: Path) -> None:
    rc = home / ".condarc"
    rc.write_text(COMMENTED)

    done = run_cli("channels", "--fix", "--dry-run")

    assert done.returncode == 0, done.stderr
    assert "-channel_priority: flexible" in done.stdout
    assert "+channel_priority: strict" in done.stdout
    assert rc.read_text() == COMMENTED
    assert not (home / ".condarc.bak").exists()


def test_channels_fix_without_yes_in_a_pipe_refuses(home: Path) -> None:
    (home / ".condarc").write_text(COMMENTED)

    done = condapip("channels", "--fix")  # a process: its stdin is no terminal

    assert (done.returncode, done.stderr) == (2, f"condapip: error: {NO_TERMINAL}\n")
    assert (home / ".condarc").read_text() == COMMENTED


def test_channels_fix_creates_the_condarc_conda_config_would(home: Path) -> None:
    done = run_cli("channels", "--fix", "--yes")

    assert done.returncode == 0, done.stderr
    assert (home / ".condarc").read_text() == (
        "channels:\n  - conda-forge\n  - defaults\nchannel_priority: strict\n"
    )
    assert not (home / ".condarc.bak").exists()


def test_channels_fix_writes_the_condarc_named_by_CONDARC(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rc = tmp_path / "team.condarc"
    rc.write_text("channels:\n- conda-forge\nchannel_priority: strict\n")
    monkeypatch.setenv("CONDARC", str(rc))
    before = os.stat(rc).st_mtime_ns

    done = run_cli("channels", "--fix", "--yes")

    assert done.returncode == 0, done.stderr
    assert "already" in done.stdout
    assert os.stat(rc).st_mtime_ns == before
    assert not (home / ".condarc").exists()


def test_channels_on_a_malformed_condarc_is_bad_input(home: Path) -> None:
    (home / ".condarc").write_text("channels: [conda-forge\n")

    done = run_cli("channels", "--fix", "--yes")

    assert done.returncode == 2
    assert done.stderr.startswith("condapip: error:") and "Traceback" not in done.stderr
    assert (home / ".condarc").read_text() == "channels: [conda-forge\n"


def test_channels_json_names_defaults_where_the_text_does(home: Path) -> None:
    text = run_cli("channels")
    as_json = json.loads(run_cli("channels", "--json").stdout)
    assert "defaults" in text.stdout
    assert [c["channel"] for c in as_json["channels"]] == ["defaults"]
    assert as_json["channels"][0]["source"] == "conda's default (no condarc sets channels)"


def test_channels_and_install_use_the_envs_own_channels_when_no_condarc_sets_any(
    created_env: Path, channel: Path
) -> None:
    prefix = created_env
    shown = json.loads(run_cli("channels", "-p", str(prefix), "--json").stdout)
    assert [c["channel"] for c in shown["channels"]] == [channel.as_uri()]
    assert shown["channels"][0]["urls"] == [channel.as_uri()]
    plan = run_cli("install", "-p", str(prefix), "zeta", "--dry-run")
    assert plan.returncode == 0, plan.stderr
    assert f"channels: {channel.as_uri()}" in plan.stdout
    assert "+ zeta 1.0" in plan.stdout  # the dry run solved: it shows versions


def test_offline_reads_only_local_channels_and_says_so(
    created_env: Path, channel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = created_env
    rc = tmp_path / "offline.condarc"
    rc.write_text("offline: true\nchannels: []\n")
    monkeypatch.setenv("CONDARC", str(rc))
    assert f"offline: true ({rc})" in run_cli("channels", "-p", str(prefix)).stdout
    local = run_cli("install", "-p", str(prefix), "zeta", "--dry-run")
    assert local.returncode == 0, local.stderr
    remote = run_cli("install", "-p", str(prefix), "-c", "conda-forge", "zeta", "--dry-run")
    assert remote.returncode == 2, remote.stdout + remote.stderr
    [line] = remote.stderr.splitlines()
    assert "https://conda.anaconda.org/conda-forge is not available locally" in line
    assert "offline: true" in line


def test_install_of_what_is_there_is_nothing_to_do_and_writes_nothing(created_env: Path) -> None:
    from tests.helpers import tree_digest

    prefix = created_env
    before = tree_digest(prefix)
    done = run_cli("install", "-p", str(prefix), "alpha", "--yes")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"nothing to do: {prefix} already has what was asked"
    assert tree_digest(prefix) == before  # no snapshot, no history entry


def test_an_install_plan_shows_the_pip_layers_versions_too(
    created_env: Path, find_links: Path
) -> None:
    prefix = created_env
    plan = run_cli("install", "-p", str(prefix), "epsilon", "zeta", "--dry-run")
    assert plan.returncode == 0, plan.stderr
    assert "+ epsilon 1.0" in plan.stdout and "+ zeta 1.0" in plan.stdout
