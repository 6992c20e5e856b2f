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


def test_a_folder_with_only_an_sdist_is_bad_input_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / "kappa-1.0.tar.gz").write_bytes(b"")
    done = condapip("channel", "build", str(folder), "-o", str(tmp_path / "c"))
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("condapip: error:") and "kappa-1.0.tar.gz" in line
    assert "sdists are not built" in line
    assert not (tmp_path / "c").exists()


def test_a_built_channel_holds_no_scratch_folder(tmp_path: Path) -> None:
    done = condapip("channel", "build", str(_wheels(tmp_path)), "-o", str(tmp_path / "c"))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["noarch"]


def _metadata(**headers: object):
    from email.message import Message

    msg = Message()
    for key, value in headers.items():
        for one in value if isinstance(value, list) else [value]:
            msg[key.replace("_", "-")] = one
    return msg


MIT_TEXT = "MIT License\n\nCopyright (c) 2024 Someone\n\nPermission is hereby granted, free..."


def test_repodata_license_is_the_short_name_never_the_whole_text() -> None:
    from condapip.channel_build.build import license_of

    classifier = "License :: OSI Approved :: MIT License"
    assert license_of(_metadata(License_Expression="MIT", License=MIT_TEXT)) == "MIT"
    assert license_of(_metadata(License="BSD-3-Clause")) == "BSD-3-Clause"
    assert license_of(_metadata(License=MIT_TEXT, Classifier=[classifier])) == "MIT License"
    assert license_of(_metadata(License=MIT_TEXT)) == ""
