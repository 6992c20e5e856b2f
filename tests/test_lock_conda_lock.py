"""conda-lock 4.0.3 (the test extra) with the real conda as its solver: it installs the
conda-lock.yml that `condapip lock -f` writes, and `create --lock` installs the one it
writes itself."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import lockworld
from tests.helpers import condapip

pytestmark = pytest.mark.conda


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> lockworld.World:
    return lockworld.build(tmp_path_factory.mktemp("lockworld"), tmp_path_factory)


def conda_lock(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """conda-lock, given a ``conda`` that runs the real conda (pip's conda has no other CLI)."""
    launcher = tmp_path / "bin" / "conda"
    launcher.parent.mkdir(exist_ok=True)
    launcher.write_text(f'#!/bin/sh\nexec {sys.executable} -m conda "$@"\n')
    launcher.chmod(0o755)
    exe = shutil.which("conda-lock") or str(Path(sys.executable).parent / "conda-lock")
    command, *rest = args
    argv = [exe, command, "--conda", str(launcher), "--no-mamba", "--no-micromamba", *rest]
    return subprocess.run(argv, capture_output=True, text=True, check=False, cwd=tmp_path)


def test_conda_lock_install_installs_condapips_conda_lock_output(world, tmp_path, condarc):
    from condapip.ledger.prefix import read_prefix

    file = tmp_path / "environment.yml"
    file.write_text(
        f"channels: [{world.channel}]\ndependencies:\n  - python\n  - pip\n  - alpha\n"
        f"  - pip:\n    - --no-index\n    - --find-links {world.find_links}\n    - fastcore\n"
    )
    out = tmp_path / "conda-lock.yml"
    args = ["-f", str(file), "--platform", "linux-64", "--platform", "win-64"]
    made = condapip("lock", *args, "--format", "conda-lock", "-o", str(out))
    assert made.returncode == 0, made.stderr
    env = tmp_path / "env"
    done = conda_lock(tmp_path, "install", "-p", str(env), str(out))
    assert done.returncode == 0, done.stderr
    prefix = read_prefix(env)
    assert {"python", "pip", "alpha", "beta"} <= set(prefix.records)
    assert "fastcore" in prefix.dists_by_key


def test_a_conda_lock_yml_written_by_conda_lock_itself_installs(world, tmp_path, condarc):
    from condapip.ledger.prefix import read_prefix

    file = tmp_path / "environment.yml"
    file.write_text(f"channels: [{world.channel.as_uri()}]\ndependencies: [python, pip, alpha]\n")
    out = tmp_path / "conda-lock.yml"
    args = ["-f", str(file), "-p", "linux-64", "-p", "win-64", "--lockfile", str(out)]
    made = conda_lock(tmp_path, "lock", *args)
    assert made.returncode == 0, made.stderr
    env = tmp_path / "env"
    result = condapip("create", "-p", str(env), "--lock", str(out), "--yes")
    assert result.returncode == 0, result.stderr
    assert {"python", "pip", "alpha", "beta"} <= set(read_prefix(env).records)
    check = condapip("lock", "-f", str(file), "--check", str(out))
    assert check.returncode == 0, check.stdout + check.stderr
