"""``channel build`` shows a progress bar on a terminal, and nothing in pipes or under --json."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.conftest import condapip
from tests.wheelmaker import make_wheel


def _wheels(tmp_path: Path) -> Path:
    folder = tmp_path / "wheels"
    for name in ("kappa", "mu"):
        make_wheel(folder, name, "1.0")
    return folder


def test_channel_build_in_a_pipe_prints_only_its_result(tmp_path: Path) -> None:
    done = condapip("channel", "build", str(_wheels(tmp_path)), "-o", str(tmp_path / "c"), "--json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert sorted(p["name"] for p in json.loads(done.stdout)) == ["kappa", "mu"]


def test_channel_build_on_a_terminal_shows_progress(tmp_path: Path) -> None:
    main, child_end = pty.openpty()
    args = ["channel", "build", str(_wheels(tmp_path)), "-o", str(tmp_path / "c")]
    proc = subprocess.run(
        [sys.executable, "-m", "condapip", *args],
        stdout=subprocess.PIPE,
        stderr=child_end,
        text=True,
        check=False,
    )
    os.close(child_end)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal's other end is closed: all was read
            break
        if not chunk:
            break
        seen += chunk
    os.close(main)
    assert proc.returncode == 0
    assert b"building the channel" in seen
    assert "indexed 2 package(s)" in proc.stdout
