"""The CLI in-process: ``condapip.cli.run``, the parse, run and rendering a user's
command gets, without starting a Python (about 0.3 s of CPU each, most of it typer's
setup and imports). ``tests.helpers.condapip`` runs here; ``condapip_process`` runs the
installed CLI for what only the process does (``__main__``'s fast path, the redaction of
its streams, the scrub of rattler's cache and ``os._exit`` at exit), and ``kill_at`` and
the lock tests run it as a process to kill or race it.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import condapip

MAIN = str(Path(condapip.__file__).with_name("__main__.py"))


@contextlib.contextmanager
def _streams(
    cwd: Path | None, args: tuple[str, ...]
) -> Iterator[tuple[io.TextIOWrapper, io.TextIOWrapper]]:
    # --json writes bytes to sys.stdout.buffer: text streams over bytes, as a pipe has
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    saved = sys.stdin, os.getcwd(), sys.argv
    sys.stdin = io.StringIO("")  # no terminal, as under `condapip(...)`'s pipes
    sys.argv = [MAIN, *args]  # as `python -m condapip ARGS` sets it (history records it)
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield out, err
    finally:
        sys.stdin, sys.argv = saved[0], saved[2]
        os.chdir(saved[1])


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``condapip ARGS`` in this process: its exit code, stdout and stderr."""
    from condapip.cli import run

    with _streams(cwd, args) as (out, err):
        code = run(list(args))
        out.flush()
        err.flush()
        stdout = out.buffer.getvalue().decode()  # type: ignore[attr-defined]
        stderr = err.buffer.getvalue().decode()  # type: ignore[attr-defined]
    return subprocess.CompletedProcess(["condapip", *args], code, stdout, stderr)


def cli(*args: str) -> tuple[int, str]:
    """A read verb in-process: its exit code and stdout."""
    done = run_cli(*args)
    sys.stderr.write(done.stderr)  # left to pytest's capture, as a direct call leaves it
    return done.returncode, done.stdout
