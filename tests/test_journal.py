"""kill -9 at every phase of install, create and rebuild, driven by the journal.

``CONDAPIP_TEST_PAUSE_AT=PHASE`` makes condapip stop right after its journal
says it entered PHASE and tell us so through a fifo; the test then kills it.
No sleeps and no timing windows: the kill lands exactly where it is meant to.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from condapip.change import transaction
from tests.helpers import condapip, copy_prefix, kill_at, tree_digest


def _install(prefix: Path, channel: Path, *specs: str) -> subprocess.CompletedProcess[str]:
    return condapip("install", "-p", str(prefix), "-c", str(channel), "--yes", *specs)


def _names(prefix: Path) -> set[str]:
    """``list --json``, in-process: these tests are about what a kill leaves, and
    every verb that acts on it runs as a real process."""
    from condapip.commands import list_packages

    rows = list_packages.run(prefix=str(prefix)).as_json()
    return {row["name"] for row in rows}


def _interrupted(prefix: Path) -> dict:
    result = condapip("doctor", "-p", str(prefix), "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    [finding] = [
        f for f in json.loads(result.stdout)["findings"] if f["rule"] == "interrupted-change"
    ]
    assert finding["severity"] == "error"
    return finding


def _healthy(prefix: Path) -> None:
    """doctor's all-clear, in-process (``_interrupted`` reads the real CLI's findings)."""
    from condapip.commands import doctor

    diagnosis = doctor.run(prefix=str(prefix))
    assert diagnosis.exit_code == 0, diagnosis.as_json()


@pytest.mark.parametrize("phase", ["start", "change", "conda", "pip", "record"])
def test_an_install_killed_at_any_phase_is_reported_refused_unchanged_unconfirmed_and_rolled_back(
    fresh, channel, find_links, tmp_path, phase
):
    prefix = copy_prefix(fresh, tmp_path / "env")
    before = _names(prefix)
    args = ("install", "-p", str(prefix), "-c", str(channel), "--yes", "zeta", "epsilon")
    kill_at(tmp_path, phase, *args)
    finding = _interrupted(prefix)
    assert finding["fix"] == f"condapip rollback -p {prefix}"
    again = _install(prefix, channel, "gamma")
    assert again.returncode == 1 and "interrupted" in again.stderr, again.stderr
    killed = tree_digest(prefix)
    asked = condapip("rollback", "-p", str(prefix))  # no --yes, no terminal: nothing changes
    assert asked.returncode == 2 and "no terminal" in asked.stderr, asked.stderr
    assert tree_digest(prefix) == killed
    rolled = condapip("rollback", "-p", str(prefix), "--yes")
    assert rolled.returncode == 0, rolled.stderr
    assert _names(prefix) == before
    _healthy(prefix)
    assert not list(prefix.glob("conda-meta/condapip/tmp/*"))


@pytest.mark.parametrize("phase", ["conda", "pip"])
def test_a_create_killed_midway_is_reported_refused_and_removed_by_rollback(
    channel, find_links, tmp_path, phase
):
    yml = tmp_path / "environment.yml"
    yml.write_text(
        f"channels:\n  - {channel}\ndependencies:\n  - python\n  - pip\n  - alpha\n"
        "  - pip:\n      - epsilon\n"
    )
    prefix = tmp_path / "made"
    kill_at(tmp_path, phase, "create", "-f", str(yml), "-p", str(prefix), "--yes")
    assert _interrupted(prefix)["fix"] == f"condapip rollback -p {prefix}"
    assert _install(prefix, channel, "gamma").returncode == 1
    assert condapip("create", "-f", str(yml), "-p", str(prefix), "--yes").returncode == 1
    assert condapip("rollback", "-p", str(prefix), "--yes").returncode == 0
    assert not prefix.exists()
    made = condapip("create", "-f", str(yml), "-p", str(prefix), "--yes")
    assert made.returncode == 0, made.stderr


@pytest.mark.parametrize("phase", ["start", "set-aside", "build", "check", "remove-old"])
def test_a_rebuild_killed_at_any_phase_is_never_healthy_unchanged_unconfirmed_and_finished_next(
    installed, channel, find_links, tmp_path, phase
):
    prefix = copy_prefix(installed, tmp_path / "env")
    want = _names(prefix)
    assert "epsilon" in want
    kill_at(tmp_path, phase, "rebuild", "-p", str(prefix), "--yes")
    doctor = condapip("doctor", "-p", str(prefix), "--json")
    assert doctor.returncode == 1, doctor.stdout + doctor.stderr  # never "healthy"
    if not prefix.exists():
        assert f"run condapip rebuild -p {prefix}" in doctor.stderr
    if prefix.is_dir():
        assert _interrupted(prefix)["fix"] == f"condapip rebuild -p {prefix}"
        assert _install(prefix, channel, "gamma").returncode == 1
    old = prefix.with_name(prefix.name + ".condapip-old")
    left = {p: tree_digest(p) for p in (prefix, old) if p.is_dir()}
    asked = condapip("rebuild", "-p", str(prefix))  # no --yes, no terminal: nothing changes
    assert asked.returncode == 2 and "no terminal" in asked.stderr, asked.stderr
    assert {p: tree_digest(p) for p in (prefix, old) if p.is_dir()} == left
    result = condapip("rebuild", "-p", str(prefix), "--yes")
    assert result.returncode == 0, result.stderr
    assert _names(prefix) == want
    assert not prefix.with_name(prefix.name + ".condapip-old").exists()
    _healthy(prefix)


def test_snapshots_survive_a_rebuild_and_rollback_undoes_the_change_before_it(
    fresh, installed, find_links, tmp_path
):
    before = _names(fresh)  # read only
    prefix = copy_prefix(installed, tmp_path / "env")  # fresh, then epsilon by condapip
    assert _names(prefix) == before | {"epsilon"}
    assert condapip("rebuild", "-p", str(prefix), "--yes").returncode == 0
    rolled = condapip("rollback", "-p", str(prefix), "--yes")
    assert rolled.returncode == 0, rolled.stderr
    assert _names(prefix) == before


def test_a_no_op_install_takes_no_snapshot(installed, channel, find_links, tmp_path):
    prefix = copy_prefix(installed, tmp_path / "env")  # epsilon installed by condapip
    count = len(transaction.snapshots(prefix))
    assert _install(prefix, channel, "alpha").returncode == 0
    assert len(transaction.snapshots(prefix)) == count
    assert condapip("rollback", "-p", str(prefix), "--yes").returncode == 0
    assert "epsilon" not in _names(prefix)


def test_a_symlinked_prefix_is_rebuilt_in_its_target_and_the_link_stays(fresh, tmp_path):
    prefix = copy_prefix(fresh, tmp_path / "env")
    link = tmp_path / "link"
    link.symlink_to(prefix)
    result = condapip("rebuild", "-p", str(link), "--yes")
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and link.resolve() == prefix
    assert "alpha" in _names(prefix)
    assert transaction.lock_path(link) == transaction.lock_path(prefix)


def test_an_install_through_a_symlink_waits_for_the_lock_on_the_real_prefix(
    fresh, channel, tmp_path
):
    prefix = copy_prefix(fresh, tmp_path / "env")
    link = tmp_path / "link"
    link.symlink_to(prefix)
    before = tree_digest(prefix)
    code = (
        "import sys; from pathlib import Path\n"
        "from condapip.change.transaction import locked\n"
        f"with locked(Path({str(prefix)!r})):\n"
        "    print('held', flush=True); sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    env = {**os.environ, transaction.LOCK_TIMEOUT_ENV: "0"}
    result = condapip("install", "-p", str(link), "-c", str(channel), "--yes", "zeta", env=env)
    holder.communicate("")
    assert result.returncode == 1 and "another condapip" in result.stderr, result.stderr
    assert tree_digest(prefix) == before
