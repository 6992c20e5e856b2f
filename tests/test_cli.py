"""What a user reads from the command line itself: help, the version, usage errors."""

from __future__ import annotations

import os

import pytest

from tests.helpers import condapip_process as condapip

VERBS = [
    ["list"], ["doctor"], ["export"], ["lock"], ["clean"], ["channels"], ["dockerfile"],
    ["install"], ["create"], ["rebuild"], ["rollback"], ["demo"], ["channel", "build"],
]  # fmt: skip


@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_help_names_values_as_a_user_reads_them(verb: list[str]) -> None:
    result = condapip(*verb, "--help", env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    for python_type in ("<bool>", "<str>", "<path>", "<list[Path]>", "<list[str]>"):
        assert python_type not in result.stdout, python_type


def test_version_is_one_line() -> None:
    from condapip import __version__

    result = condapip("--version")
    assert (result.returncode, result.stdout) == (0, f"condapip {__version__}\n")


def test_a_missing_argument_is_one_line_with_a_help_hint() -> None:
    result = condapip("install")
    assert result.returncode == 2
    assert result.stderr == (
        "condapip: error: Missing argument 'SPEC'. (see condapip install --help)\n"
    )
