"""Long work shows progress on a terminal, each message on its own line, and nothing in
pipes or under --json: ``channel build``'s bar, ``lock``, ``export --format pylock``."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.helpers import condapip
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


def _on_a_terminal(*args: str) -> tuple[subprocess.CompletedProcess[str], bytes]:
    """condapip with stderr on a terminal (stdout piped): its result and what stderr showed.

    The terminal is read while condapip runs: a spinner may write more than it holds.
    """
    import threading

    main, child_end = pty.openpty()
    seen = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal's other end is closed: all was read
                return
            if not chunk:
                return
            seen.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    proc = subprocess.run(
        [sys.executable, "-m", "condapip", *args],
        stdout=subprocess.PIPE,
        stderr=child_end,
        text=True,
        check=False,
    )
    os.close(child_end)
    reader.join(timeout=30)
    os.close(main)
    return proc, bytes(seen)


def test_channel_build_on_a_terminal_shows_progress(tmp_path: Path) -> None:
    proc, seen = _on_a_terminal(
        "channel", "build", str(_wheels(tmp_path)), "-o", str(tmp_path / "c")
    )
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


def test_lock_and_pylock_export_show_progress_on_a_terminal_only(make_env, tmp_path: Path) -> None:
    prefix = make_env()
    lock = ["lock", "-p", str(prefix), "-o", str(tmp_path / "l.yml")]
    pylock = ["export", "-p", str(prefix), "--format", "pylock", "-o", str(tmp_path / "p.toml")]
    for args, words in ((lock, b"locking"), (pylock, b"resolving the pip layer")):
        proc, seen = _on_a_terminal(*args)
        assert proc.returncode == 0, seen
        assert words in seen and b"done" in seen
        piped = condapip(*args)
        assert piped.returncode == 0 and piped.stderr == "", piped.stderr
    as_json, seen = _on_a_terminal(*lock, "--json")
    assert as_json.returncode == 0 and b"locking" not in seen, seen


def test_a_step_that_lets_rattler_draw_ends_on_a_line_of_its_own(monkeypatch) -> None:
    import io

    from condapip.support import progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    with progress.step("linking the conda layer", spinner=False):
        err.write("[00:00:01] ██████████ 12/12 linking")  # a bar with no newline after it
    shown = err.getvalue()
    bar_end = shown.index("linking", shown.index("12/12"))
    assert "\r\x1b[2K" in shown[bar_end:]  # the bar's line is cleared, not written after
    assert shown.endswith("done\x1b[0m linking the conda layer\n")  # a whole line of its own
