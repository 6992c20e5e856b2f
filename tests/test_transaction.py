"""Every change is a transaction: a lock, a snapshot first, and a way back after kill -9."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from condapip.change import transaction
from tests.helpers import condapip, kill_at, tree_digest
from tests.inprocess import cli


def _install(prefix: Path, channel: Path, *specs: str, env: dict[str, str] | None = None):
    return condapip("install", "-p", str(prefix), "-c", str(channel), "--yes", *specs, env=env)


def _names(prefix: Path) -> dict[str, str]:
    """``list`` in-process (the process boundary is not what these tests check)."""
    code, out = cli("list", "-p", str(prefix), "--json")
    assert code == 0, out
    return {row["name"]: row["owner"] for row in json.loads(out)}


def _hold_lock(prefix: Path) -> subprocess.Popen[str]:
    """Another process holding the prefix's lock, as a running condapip would, until
    the test writes a line to it: no timing window decides what the test sees."""
    code = (
        "import sys; from pathlib import Path\n"
        "from condapip.change.transaction import locked\n"
        f"with locked(Path({str(prefix)!r})):\n"
        "    print('held', flush=True); sys.stdin.readline()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def _release(holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None
    holder.stdin.write("release\n")
    holder.stdin.close()
    assert holder.wait() == 0


def test_a_second_condapip_gives_up_cleanly_at_the_lock_timeout_or_waits_then_proceeds(
    make_env, channel, find_links
):
    prefix = make_env()
    before = tree_digest(prefix)
    holder = _hold_lock(prefix)
    # the timeout: a clean failure, nothing changed
    env = {**os.environ, transaction.LOCK_TIMEOUT_ENV: "0.5"}
    result = _install(prefix, channel, "epsilon", env=env)
    assert result.returncode == 1
    assert "gave up after 0.5s" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(prefix) == before
    # a long timeout: it waits, and goes on once the lock is free
    env = {**os.environ, transaction.LOCK_TIMEOUT_ENV: "600"}
    installing = subprocess.Popen(
        [sys.executable, "-m", "condapip", "install", "-p", str(prefix), "-c", str(channel)]
        + ["--yes", "epsilon"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert installing.stderr is not None
    said = []
    for line in installing.stderr:  # it says it waits before it waits
        said.append(line)
        if "waiting for another condapip" in line:
            break
    assert "waiting for another condapip" in "".join(said), said
    _release(holder)
    _, err = installing.communicate()
    assert installing.returncode == 0, "".join(said) + err
    assert _names(prefix)["epsilon"] == "pip"


def test_snapshot_records_exact_urls_hashes_and_pip_pins(make_env, channel, find_links):
    prefix = make_env()
    assert _install(prefix, channel, "epsilon").returncode == 0
    assert _install(prefix, channel, "zeta").returncode == 0
    snap = transaction.latest(prefix)
    assert snap is not None and snap.complete
    assert "zeta" in snap.command
    by_name = {p.name: p for p in snap.state.conda}
    assert "zeta" not in by_name  # taken before the change
    assert by_name["alpha"].url.endswith(".conda") and len(by_name["alpha"].sha256 or "") == 64
    assert [(p.name, p.requirement) for p in snap.state.pip] == [("epsilon", "epsilon==1.0")]
    assert snap.state.pip_requests == {"epsilon": "epsilon"}


def test_rollback_returns_to_the_snapshot_before_the_last_change(make_env, channel, find_links):
    prefix = make_env()
    history = (prefix / "conda-meta" / "history").read_text()
    assert _install(prefix, channel, "zeta", "epsilon").returncode == 0
    result = condapip("rollback", "-p", str(prefix), "--yes")
    assert result.returncode == 0, result.stderr
    names = _names(prefix)
    assert "zeta" not in names and "epsilon" not in names
    assert names["alpha"] == "conda"
    assert (prefix / "conda-meta" / "history").read_text() == history
    again = condapip("rollback", "-p", str(prefix), "--yes")
    assert again.returncode == 1
    assert "no condapip snapshot" in again.stderr


def _kill_after_conda_step(tmp_path: Path, prefix: Path, channel: Path, *specs: str) -> None:
    """Run `condapip install` and kill -9 it as it enters the phase after its conda step
    (``record``: this install sets no pip package aside, so it has no ``pip`` phase)."""
    kill_at(tmp_path, "record", "install", "-p", str(prefix), "-c", str(channel), "--yes", *specs)
    assert list((prefix / "conda-meta").glob("zeta-*.json")), "killed before zeta was linked"
    assert _names(prefix)["epsilon"] == "pip"  # the pip layer as it was


@pytest.fixture
def killed_install(make_env, channel, find_links, tmp_path) -> Path:
    """An env with a pip layer whose re-layering install was killed after its conda step."""
    prefix = make_env()
    assert _install(prefix, channel, "epsilon").returncode == 0
    _kill_after_conda_step(tmp_path, prefix, channel, "zeta")
    snap = transaction.latest(prefix)
    assert snap is not None and not snap.complete
    return prefix


@pytest.mark.parametrize("verb", ["rollback", "rebuild"])
def test_change_after_a_killed_install_is_refused_until_recovered_by_rollback_or_rebuild(
    killed_install, channel, verb
):
    prefix = killed_install
    result = _install(prefix, channel, "gamma")
    assert result.returncode == 1
    assert "interrupted" in result.stderr and "rollback" in result.stderr
    result = condapip(verb, "-p", str(prefix), "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    names = _names(prefix)
    assert "zeta" not in names
    assert names["alpha"] == "conda"
    assert names["epsilon"] == "pip"
    assert transaction.interrupted(prefix) is None
    assert not prefix.with_name(prefix.name + ".condapip-old").exists()
    check = subprocess.run(
        [str(prefix / "bin" / "python"), "-c", "import alpha, epsilon"], check=False
    )
    assert check.returncode == 0
    doctor = condapip("doctor", "-p", str(prefix), "--json")
    assert doctor.returncode == 0, doctor.stdout
