"""condapip keeps ~/.conda/environments.txt as conda does (HOME is the test's own)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import condapip


def _listed() -> list[str]:
    path = Path.home() / ".conda" / "environments.txt"
    return path.read_text().splitlines() if path.exists() else []


def test_create_registers_the_prefix_once_and_other_changes_keep_it_once(
    tmp_path, channel, find_links
):
    env_file = tmp_path / "environment.yml"
    env_file.write_text(f"channels: [{channel}]\ndependencies: [python, pip, alpha]\n")
    prefix = tmp_path / "envs" / "made"
    proc = condapip("create", "-f", str(env_file), "-p", str(prefix), "--yes")
    assert proc.returncode == 0, proc.stderr
    assert _listed() == [str(prefix)]
    proc = condapip("install", "-p", str(prefix), "-c", str(channel), "--yes", "zeta")
    assert proc.returncode == 0, proc.stderr
    assert condapip("rollback", "-p", str(prefix), "--yes").returncode == 0
    assert _listed() == [str(prefix)]
    survey = json.loads(condapip("doctor", "--all", "--json").stdout)
    assert str(prefix) in [row["prefix"] for row in survey["envs"]]


def test_a_dry_run_or_a_failed_create_registers_nothing(tmp_path, channel):
    bad, good = tmp_path / "bad.yml", tmp_path / "good.yml"
    bad.write_text(f"channels: [{channel}]\ndependencies: [python, no-such-package]\n")
    good.write_text(f"channels: [{channel}]\ndependencies: [python]\n")
    prefix = tmp_path / "never"
    assert condapip("create", "-f", str(bad), "-p", str(prefix), "--yes").returncode == 1
    assert condapip("create", "-f", str(good), "-p", str(prefix), "--dry-run").returncode == 0
    assert _listed() == []


def test_an_unwritable_registry_warns_and_the_change_goes_on(tmp_path, channel):
    home = tmp_path / "home"
    (home / ".conda").mkdir(parents=True)
    (home / ".conda" / "environments.txt").mkdir()  # a folder: no file can be written
    env_file = tmp_path / "environment.yml"
    env_file.write_text(f"channels: [{channel}]\ndependencies: [python]\n")
    prefix = tmp_path / "made"
    proc = condapip("create", "-f", str(env_file), "-p", str(prefix), "--yes")
    assert proc.returncode == 0, proc.stderr
    assert "could not register" in proc.stderr
