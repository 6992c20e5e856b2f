"""Files condapip writes keep the umask and an existing mode; temporary files stay
under the prefix and are swept; a child process dies with condapip."""

from __future__ import annotations

import os
import select
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from condapip.support.atomic import write_atomic
from tests.helpers import condapip


def _with_umask(mask: int, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "condapip", *args],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=lambda: os.umask(mask),
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("verb", ["export", "lock"])
def test_a_written_file_follows_the_umask_and_keeps_an_existing_mode(make_env, tmp_path, verb):
    prefix = make_env(("python", "alpha"))
    new = tmp_path / "new.yml"
    assert _with_umask(0o022, verb, "-p", str(prefix), "-o", str(new)).returncode == 0
    assert _mode(new) == 0o644
    other = tmp_path / "other.yml"
    assert _with_umask(0o027, verb, "-p", str(prefix), "-o", str(other)).returncode == 0
    assert _mode(other) == 0o640
    existing = tmp_path / "existing.yml"
    existing.write_text("old\n")
    existing.chmod(0o664)
    assert _with_umask(0o077, verb, "-p", str(prefix), "-o", str(existing)).returncode == 0
    assert _mode(existing) == 0o664 and existing.read_text() != "old\n"


def test_write_atomic_leaves_no_temporary_file_when_it_fails(tmp_path: Path) -> None:
    target = tmp_path / "folder-in-the-way"
    target.mkdir()
    with pytest.raises(OSError):
        write_atomic(target, "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder-in-the-way"]


def test_temporary_folders_live_under_the_prefix_and_a_killed_runs_are_swept(
    make_env, channel, find_links, tmp_path
):
    prefix = make_env()
    leftover = prefix / "conda-meta" / "condapip" / "tmp" / "pip-killed"
    leftover.mkdir(parents=True)
    (leftover / "conda-constraints.txt").write_text("alpha==1.0\n")
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    result = condapip("install", "-p", str(prefix), "-c", str(channel), "--yes", "epsilon", env=env)
    assert result.returncode == 0, result.stderr
    assert not leftover.exists()
    assert not (prefix / "conda-meta" / "condapip" / "tmp").exists()
    assert not [p.name for p in tmpdir.iterdir() if p.name.startswith("condapip")]


def test_a_child_process_dies_with_condapip(tmp_path: Path) -> None:
    fifo = tmp_path / "child-pid"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDWR)
    child = (
        "import os, threading\n"
        f"with open({str(fifo)!r}, 'w') as fh: fh.write(f'{{os.getpid()}}\\n')\n"
        "threading.Event().wait()\n"
    )
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from condapip.support.proc import run; run(sys.argv[1:], timeout=600)",
            sys.executable,
            "-c",
            child,
        ]
    )
    with os.fdopen(reader) as fh:
        pid = int(fh.readline())
    pidfd = os.pidfd_open(pid)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    # the harness bounds the wait; the assertion is only that the child ended
    ended, _, _ = select.select([pidfd], [], [], 60)
    os.close(pidfd)
    assert ended, "the child outlived condapip"
