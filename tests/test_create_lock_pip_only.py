"""A lock that holds a pip layer and no python to install it with (a pylock another tool
wrote, named for this platform): create --lock refuses it in one line, dry run and real
run alike, nothing made; sync --lock refuses it rather than remove the env's python."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from condapip.ledger.platform import current_subdir
from tests.helpers import condapip, uv_executable


@pytest.fixture
def uv_pylock(tmp_path: Path, wheelhouse: Path) -> Path:
    uv = uv_executable()
    if uv is None:
        pytest.skip("uv is not installed")
    (tmp_path / "r.in").write_text("epsilon==1.0\n")
    out = tmp_path / f"pylock.{current_subdir()}.toml"
    args = ["pip", "compile", "r.in", "--no-index", "--find-links", str(wheelhouse)]
    done = subprocess.run(
        [uv, *args, "--format", "pylock.toml", "-o", str(out), "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize("how", ["--dry-run", "--yes"])
def test_a_lock_with_pip_packages_and_no_python_is_refused_before_anything_is_made(
    uv_pylock: Path, tmp_path: Path, how: str
) -> None:
    prefix = tmp_path / "env"
    result = condapip("create", "--lock", str(uv_pylock), "-p", str(prefix), how)
    assert result.returncode == 2, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "no python" in errors[0], result.stderr
    assert not prefix.exists()


def test_sync_to_a_lock_with_no_python_is_refused_and_leaves_the_env_as_it_was(
    uv_pylock: Path, make_env
) -> None:
    from tests.helpers import tree_digest

    prefix = make_env()
    before = tree_digest(prefix)
    result = condapip("sync", "--lock", str(uv_pylock), "-p", str(prefix), "--yes")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "no python" in result.stderr
    assert tree_digest(prefix) == before


def test_a_pylock_without_condapips_table_says_it_holds_python_packages_only(
    uv_pylock: Path, tmp_path: Path
) -> None:
    plain = uv_pylock.with_name("pylock.toml")  # as uv names it: no platform in the name
    plain.write_bytes(uv_pylock.read_bytes())
    result = condapip("create", "--lock", str(plain), "-p", str(tmp_path / "env"), "--dry-run")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and "malformed" not in result.stderr
    assert "Python packages only (created by uv)" in result.stderr
