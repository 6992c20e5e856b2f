"""The same conda failure exits with the same code, whichever engine met it."""

from __future__ import annotations

from pathlib import Path

import pytest

from condapip.change.engines.failures import conda_failed, kind_of
from condapip.change.engines.rattler import RattlerEngine
from condapip.errors import CondapipError


def _failure(call: object) -> tuple[str, int]:
    """The lead of the one error line, and the exit code."""
    assert callable(call)
    with pytest.raises(CondapipError) as caught:
        call()
    return str(caught.value).split(":")[0], caught.value.exit_code


@pytest.mark.parametrize(
    "exception_name, rattler_case",
    [
        ("PackagesNotFoundError", "unsatisfiable"),
        ("UnsatisfiableError", "unsatisfiable"),
        ("InvalidMatchSpec", "bad-spec"),
        ("UnavailableInvalidChannel", "channel"),
    ],
)
def test_conda_and_rattler_failures_exit_alike(
    exception_name: str, rattler_case: str, channel: Path, tmp_path: Path
) -> None:
    engine = RattlerEngine(progress=False)
    chans = {
        "unsatisfiable": [str(channel)],
        "bad-spec": [str(channel)],
        "channel": ["http://127.0.0.1:9/no-such-channel"],  # nothing listens on port 9
    }[rattler_case]
    spec = {"unsatisfiable": "alpha>=99", "bad-spec": "alpha[[[", "channel": "alpha"}[rattler_case]
    by_rattler = _failure(lambda: engine.solve(tmp_path / "env", chans, [spec]))
    conda = conda_failed(kind_of(exception_name, solving=True), "x")
    assert by_rattler == (str(conda).split(":")[0], conda.exit_code)


def test_a_failed_install_is_a_refused_change_with_every_engine() -> None:
    assert conda_failed(kind_of(None, solving=False), "x").exit_code == 1
    assert conda_failed(kind_of("CondaHTTPError", solving=False), "x").exit_code == 2
