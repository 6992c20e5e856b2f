"""``condapip check``: a real prefix (rattler, then real pip) against its file or lock."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import condapip, copy_prefix, pip, tree_digest


@pytest.fixture(scope="module")
def layered(tmp_path_factory: pytest.TempPathFactory, channel: Path, wheelhouse: Path) -> Path:
    """conda: python, pip, alpha (and beta 1.0 it needs); pip: epsilon. Only read."""
    from condapip.change import conda_layer
    from condapip.change.engines.rattler import RattlerEngine

    prefix = tmp_path_factory.mktemp("check") / "env"
    specs = ["python", "pip", "alpha"]
    engine = RattlerEngine(progress=False)
    conda_layer.apply(
        engine, prefix, conda_layer.solve(engine, prefix, [str(channel)], specs), specs
    )
    assert pip(prefix, "install", "epsilon", find_links=wheelhouse).returncode == 0
    return prefix


def _envfile(tmp_path: Path, channel: Path, conda: list[str], pip_lines: list[str]) -> Path:
    deps = "".join(f"  - {c}\n" for c in conda)
    if pip_lines:
        deps += "  - pip:\n" + "".join(f"    - {line}\n" for line in pip_lines)
    path = tmp_path / "environment.yml"
    path.write_text(f"channels:\n  - {channel}\ndependencies:\n{deps}")
    return path


def _check(*args: str) -> tuple[int, dict]:
    result = condapip("check", *args, "--json")
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def _kinds(report: dict) -> set[tuple[str, str, str]]:
    return {(d["kind"], d["layer"], d["name"]) for d in report["drifts"]}


def test_a_prefix_that_satisfies_its_file_exits_0(layered, channel, tmp_path):
    yml = _envfile(tmp_path, channel, ["python", "pip", "alpha>=1"], ["epsilon"])
    before = tree_digest(layered)
    result = condapip("check", "-f", str(yml), "-p", str(layered))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matches" in result.stdout
    assert tree_digest(layered) == before  # check never writes


@pytest.mark.parametrize(
    ("conda", "pip_lines", "want"),
    [
        (["alpha", "zeta"], [], ("missing", "conda", "zeta")),
        (["alpha>=2"], [], ("version", "conda", "alpha")),
        (["alpha=1.0=nosuchbuild*"], [], ("build", "conda", "alpha")),
        (["alpha", "epsilon"], [], ("layer", "conda", "epsilon")),
        (["alpha"], ["beta"], ("layer", "pip", "beta")),
        (["alpha"], ["epsilon==2.0"], ("version", "pip", "epsilon")),
        (["alpha"], ["delta"], ("missing", "pip", "delta")),
    ],
)
def test_each_kind_of_drift_from_a_file_is_one_row(
    layered, channel, tmp_path, conda, pip_lines, want
):
    yml = _envfile(tmp_path, channel, conda, pip_lines)
    code, report = _check("-f", str(yml), "-p", str(layered))
    assert code == 1
    assert want in _kinds(report)


def test_a_pip_source_other_than_the_one_asked_for_is_source_drift(
    layered, channel, wheelhouse, tmp_path
):
    wheel = (wheelhouse / "epsilon-1.0-py3-none-any.whl").as_uri()
    yml = _envfile(tmp_path, channel, ["alpha"], [f"epsilon @ {wheel}"])
    code, report = _check("-f", str(yml), "-p", str(layered))
    assert code == 1 and ("source", "pip", "epsilon") in _kinds(report)


def test_packages_nothing_asks_for_are_drift_only_with_strict(layered, channel, tmp_path):
    yml = _envfile(tmp_path, channel, ["python", "pip", "alpha"], [])
    code, _ = _check("-f", str(yml), "-p", str(layered))
    assert code == 0
    code, report = _check("-f", str(yml), "-p", str(layered), "--strict")
    assert code == 1 and _kinds(report) == {("extra", "pip", "epsilon")}


@pytest.fixture(scope="module")
def locked(layered: Path, tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:
    out = tmp_path_factory.mktemp("lock") / "condapip.lock.yml"
    result = condapip(
        "lock", "-p", str(layered), "-o", str(out),
        env={**os.environ, "PIP_FIND_LINKS": str(wheelhouse)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out


def test_a_prefix_matches_the_lock_made_from_it(layered, locked):
    code, report = _check("--lock", str(locked), "-p", str(layered))
    assert code == 0, report


def test_lock_drift_names_missing_replaced_and_extra_packages(
    layered, locked, tmp_path, wheelhouse
):
    prefix = copy_prefix(layered, tmp_path / "drifted")
    assert pip(prefix, "uninstall", "-y", "epsilon").returncode == 0
    assert pip(prefix, "install", "gamma", find_links=wheelhouse).returncode == 0
    assert pip(prefix, "install", "beta==2.0", find_links=wheelhouse).returncode == 0
    code, report = _check("--lock", str(locked), "-p", str(prefix))
    assert code == 1
    assert {
        ("missing", "pip", "epsilon"),
        ("extra", "pip", "gamma"),
        ("layer", "conda", "beta"),
    } <= (_kinds(report))


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["-f", "environment.yml", "--lock", "condapip.lock.yml"],
        ["-f", "no-such-file.yml"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(layered, tmp_path, args):
    result = condapip("check", *args, "-p", str(layered), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("condapip: error:") and len(result.stderr.splitlines()) == 1
