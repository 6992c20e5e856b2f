"""create -f judges a package asked of both layers by the file's channels' purls, as the
CLI runs it (test_create checks the helper alone; dockerfile -f takes no local channel)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import condapip, purl_channel


def _file(tmp_path: Path, chan: str, conda: str, pip: str) -> Path:
    yml = tmp_path / "environment.yml"
    yml.write_text(
        f"name: purls\nchannels:\n  - {chan}\ndependencies:\n  - {conda}\n  - pip:\n    - {pip}\n"
    )
    return yml


@pytest.fixture
def chan(tmp_path: Path) -> str:
    purls = {"kappa-tool": ["pkg:pypi/kappa"], "lambda": ["pkg:pypi/other"]}
    return purl_channel(tmp_path, {name: {"purls": p} for name, p in purls.items()}).as_uri()


def test_a_conda_package_whose_purl_names_the_pip_project_is_refused(tmp_path, chan):
    yml = _file(tmp_path, chan, "kappa-tool", "kappa")
    result = condapip("create", "-f", str(yml), "-p", str(tmp_path / "new"), "--dry-run")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "kappa is asked of both layers" in result.stderr


def test_a_conda_package_whose_purl_names_another_project_is_not_refused(tmp_path, chan):
    yml = _file(tmp_path, chan, "lambda", "lambda")
    result = condapip("create", "-f", str(yml), "-p", str(tmp_path / "new"), "--dry-run")
    assert "asked of both layers" not in result.stderr, result.stderr
