"""The one subprocess runner: a hung child is stopped; a missing program is one line."""

from __future__ import annotations

import sys

import pytest

from condapip.errors import CondapipError
from condapip.support.proc import run

# Reads a pipe that nobody ever writes to: blocks until killed, whatever the machine's speed.
BLOCKS_FOREVER = "import os; r, w = os.pipe(); os.read(r, 1)"


def test_a_child_past_its_limit_is_stopped_and_reported() -> None:
    with pytest.raises(CondapipError, match="did not finish within 1 s") as caught:
        run([sys.executable, "-c", BLOCKS_FOREVER], timeout=1)
    assert caught.value.exit_code == 1


def test_a_missing_program_is_bad_input() -> None:
    with pytest.raises(CondapipError, match="no such program") as caught:
        run(["/nonexistent/condapip-test-tool"], timeout=5)
    assert caught.value.exit_code == 2


def test_output_and_exit_code_are_the_callers() -> None:
    done = run([sys.executable, "-c", "import sys; print('out'); sys.exit(3)"], timeout=60)
    assert (done.returncode, done.stdout) == (3, "out\n")
