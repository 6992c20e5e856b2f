"""cuda-mismatch: a pip CUDA framework against conda's CUDA packages and the driver.

The CUDA packages are synthetic: conda packages built from small wheels whose
metadata says what the real ones say (cudatoolkit 11.8, cuda-version 12.1),
and a pip torch 2.1.0+cu121 that requires nvidia-cuda-runtime-cu12.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import host_channel, make_prefix, pip
from tests.inprocess import run_cli
from tests.wheelmaker import make_wheel


@pytest.fixture(scope="module")
def cuda_channel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheels = tmp_path_factory.mktemp("cuda-conda-wheels")
    make_wheel(wheels, "cudatoolkit", "11.8.0")
    make_wheel(wheels, "cuda-version", "12.1")
    out = tmp_path_factory.mktemp("cuda-channel")
    host_channel(tmp_path_factory, [wheels], out)
    return out


@pytest.fixture(scope="module")
def pip_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cuda-pip-wheels")
    make_wheel(out, "torch", "2.1.0+cu121", ["nvidia-cuda-runtime-cu12==12.1.105"])
    make_wheel(out, "nvidia-cuda-runtime-cu12", "12.1.105")
    make_wheel(out, "jax", "0.4.20", ['nvidia-cuda-runtime-cu12; sys_platform == "linux"'])
    make_wheel(out, "tensorflow", "2.14.0", ['nvidia-cudnn-cu11; extra == "and-cuda"'])
    make_wheel(out, "nvidia-cudnn-cu11", "8.6.0")
    make_wheel(out, "torchcpu", "2.1.0")
    return out


def _conda_install(prefix: Path, specs: list[str], chan: Path) -> None:
    make_prefix(prefix, chan, specs, argv=["condapip", "install", *specs])


@pytest.fixture(scope="module")
def cuda_env(tmp_path_factory, cuda_channel: Path, pip_wheels: Path) -> Callable[..., Path]:
    """The prefix with conda's ``conda`` (beside python and pip), then pip's ``pkgs``: made
    once per module for each combination (tests only read them)."""
    root = tmp_path_factory.mktemp("cuda-envs")
    made: dict[tuple[str, ...], Path] = {}

    def _make(conda: str | None, *pkgs: str) -> Path:
        key = (str(conda), *pkgs)
        if key not in made:
            prefix = root / f"env-{conda}-{'-'.join(pkgs)}"
            _conda_install(prefix, ["python", "pip", *([conda] if conda else [])], cuda_channel)
            proc = pip(prefix, "install", "--no-deps", *pkgs, find_links=pip_wheels)
            assert proc.returncode == 0, proc.stderr
            made[key] = prefix
        return made[key]

    return _make


def cuda_findings(prefix: Path) -> tuple[int, list[dict]]:
    # in-process: the findings are the point (tests/test_doctor.py runs doctor's process)
    result = run_cli("doctor", "-p", str(prefix), "--json")
    assert result.returncode in (0, 1), result.stderr
    findings = json.loads(result.stdout)["findings"]
    return result.returncode, [f for f in findings if f["rule"] == "cuda-mismatch"]


@pytest.fixture(autouse=True)
def _no_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    # conda's override: an empty value means "no CUDA driver", whatever the machine has.
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "")


def test_pip_torch_cu121_over_conda_cudatoolkit_11_is_a_mismatch(cuda_env):
    prefix = cuda_env("cudatoolkit", "torch", "nvidia-cuda-runtime-cu12")
    code, [finding] = cuda_findings(prefix)
    assert code == 1
    assert finding["severity"] == "error" and finding["package"] == "torch"
    assert finding["message"] == (
        "torch 2.1.0+cu121 (pip) is built for CUDA 12 (+cu121), "
        "but conda has cudatoolkit 11.8.0 (CUDA 11)"
    )
    assert "torch==2.1.0 --index-url https://download.pytorch.org/whl/cu118" in finding["fix"]


def test_cuda_major_from_nvidia_requirement_is_a_mismatch(cuda_env):
    prefix = cuda_env("cudatoolkit", "jax")
    code, [finding] = cuda_findings(prefix)
    assert code == 1
    assert finding["package"] == "jax"
    assert "CUDA 12 (requires nvidia-cuda-runtime-cu12)" in finding["message"]


def test_extra_taken_is_known_from_the_nvidia_dist_on_disk(cuda_env):
    prefix = cuda_env("cuda-version", "tensorflow", "nvidia-cudnn-cu11")
    _, [finding] = cuda_findings(prefix)
    assert "tensorflow 2.14.0 (pip) is built for CUDA 11" in finding["message"]
    assert "cuda-version 12.1 (CUDA 12)" in finding["message"]


def test_matching_cuda_majors_are_silent(cuda_env):
    prefix = cuda_env("cuda-version", "torch", "nvidia-cuda-runtime-cu12")
    assert cuda_findings(prefix) == (0, [])


def test_extra_not_taken_is_silent(cuda_env):
    prefix = cuda_env("cuda-version", "tensorflow")
    assert cuda_findings(prefix) == (0, [])


def test_cpu_framework_and_no_conda_cuda_are_silent(cuda_env):
    prefix = cuda_env("cudatoolkit", "torchcpu")
    assert cuda_findings(prefix) == (0, [])
    prefix = cuda_env(None, "torch", "nvidia-cuda-runtime-cu12")
    assert cuda_findings(prefix) == (0, [])


def test_driver_older_than_the_framework_cuda_is_a_mismatch(cuda_env, monkeypatch):
    prefix = cuda_env(None, "torch", "nvidia-cuda-runtime-cu12")
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "11.8")
    code, [finding] = cuda_findings(prefix)
    assert code == 1
    assert finding["message"] == (
        "torch 2.1.0+cu121 (pip) needs CUDA 12 (+cu121), but the driver supports CUDA 11.8"
    )
    assert "https://download.pytorch.org/whl/cu118" in finding["fix"]
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "12.4")
    assert cuda_findings(prefix) == (0, [])
