"""The benchmark's synthetic prefix is one condapip reads as a healthy, real-shaped prefix."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bench.synthetic import build_prefix, conda_files, site_packages
from tests.inprocess import run_cli

N = 20


@pytest.fixture(scope="module")
def prefix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic prefix, built once; every test here only reads it."""
    return build_prefix(N, tmp_path_factory.mktemp("synthetic"))


def test_synthetic_prefix_lists_every_record_and_pip_dist(prefix: Path):
    result = run_cli("list", "-p", str(prefix), "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    owners = [row["owner"] for row in rows]
    assert owners.count("conda") == N
    assert owners.count("pip") == N // 5
    assert {r["channel"] for r in rows if r["owner"] == "conda"} == {"conda-forge"}


def test_synthetic_prefix_records_hash_their_files(prefix: Path):
    import hashlib

    meta = next((prefix / "conda-meta").glob("syn-pkg-*.json"))
    record = json.loads(meta.read_text())
    assert record["files"] == sorted(p["_path"] for p in record["paths_data"]["paths"])
    for entry in record["paths_data"]["paths"]:
        data = (prefix / entry["_path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["size_in_bytes"]
    assert all(p.is_file() for p in conda_files(prefix))


def test_synthetic_prefix_has_a_working_interpreter_with_pip(prefix: Path):
    proc = subprocess.run(
        [str(prefix / "bin" / "python"), "-m", "pip", "list", "--path", str(site_packages(prefix))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "pypi-only-0000" in proc.stdout


def test_synthetic_prefix_is_healthy_to_doctor(prefix: Path):
    result = run_cli("doctor", "-p", str(prefix), "--json")
    assert json.loads(result.stdout)["findings"] == []
    assert result.returncode == 0
