"""No false positives at scale: a healthy 500-record mixed prefix gives zero findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import condapip, host_channel, make_prefix, pip
from tests.inprocess import run_cli
from tests.wheelmaker import make_wheel

N = 500


def _name(i: int) -> str:
    return f"pkg{i:03d}"


@pytest.fixture(scope="module")
def big_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~500 conda records that depend on each other, then a pip layer that needs them."""
    wheels = tmp_path_factory.mktemp("big-wheels")
    for i in range(N):
        requires = [f"{_name(i - 1)}>=1.0,<2"] if i else []
        if i % 7 == 0:
            requires.append('py2-only; python_version < "3"')
        if i % 11 == 0:
            requires.append('docs-only>=1; extra == "docs"')
        make_wheel(wheels, _name(i), f"1.{i % 10}", requires)
    chan = tmp_path_factory.mktemp("big-channel")
    host_channel(tmp_path_factory, [wheels], chan)

    prefix = tmp_path_factory.mktemp("big") / "env"
    make_prefix(prefix, chan, ["python", "pip", _name(N - 1)])

    pip_wheels = tmp_path_factory.mktemp("big-pip-wheels")
    for j in range(5):
        make_wheel(pip_wheels, f"piponly{j}", "0.1", [f"{_name(j * 97)}>=1.0", "pip"])
    names = [f"piponly{j}" for j in range(5)]
    proc = pip(prefix, "install", "--no-deps", *names, find_links=pip_wheels)
    assert proc.returncode == 0, proc.stderr
    return prefix


def test_healthy_500_record_env_has_zero_findings(big_env):
    assert len(list((big_env / "conda-meta").glob("*.json"))) >= N
    result = condapip("doctor", "-p", str(big_env), "--json", "--verify", "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["findings"] == []


def test_one_break_in_500_records_is_found_once(big_env, tmp_path):
    # This breaks the module's env on purpose, so it stays the last test in the file.
    wheels = tmp_path / "wheels"
    make_wheel(wheels, _name(250), "3.0")
    proc = pip(big_env, "install", "--no-deps", f"{_name(250)}==3.0", find_links=wheels)
    assert proc.returncode == 0, proc.stderr
    result = run_cli("doctor", "-p", str(big_env), "--json")  # in-process: the findings count
    findings = json.loads(result.stdout)["findings"]
    assert result.returncode == 1
    assert sorted((f["rule"], f["package"]) for f in findings) == [
        ("broken-requirement", _name(251)),
        ("pip-overwrote-conda", _name(250)),
    ]
