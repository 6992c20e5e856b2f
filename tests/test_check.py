"""``condapip check``: a real prefix (rattler, then real pip) against its file or lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CREATED_SPECS
from tests.gitrepo import git, make_git_package
from tests.helpers import (
    condapip,
    copy_prefix,
    make_prefix,
    once_per_run,
    pip,
    tree_digest,
    write_envfile,
)
from tests.inprocess import run_cli


@pytest.fixture(scope="session")
def layered(tmp_path_factory: pytest.TempPathFactory, channel: Path, wheelhouse: Path) -> Path:
    """conda: python, pip, alpha (and beta 1.0 it needs); pip: epsilon. Only read."""

    def build(out: Path) -> None:
        prefix = make_prefix(out / "env", channel, CREATED_SPECS)
        assert pip(prefix, "install", "epsilon", find_links=wheelhouse).returncode == 0

    return once_per_run(tmp_path_factory, "check-layered", build) / "env"


def _check(*args: str) -> tuple[int, dict]:
    # in-process: these tests are about the report (the process has its own tests here)
    result = run_cli("check", *args, "--json")
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def _kinds(report: dict) -> set[tuple[str, str, str]]:
    return {(d["kind"], d["layer"], d["name"]) for d in report["drifts"]}


def test_a_prefix_that_satisfies_its_file_exits_0(layered, channel, tmp_path):
    yml = write_envfile(tmp_path, channel, ["python", "pip", "alpha>=1"], ["epsilon"])
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
    yml = write_envfile(tmp_path, channel, conda, pip_lines)
    code, report = _check("-f", str(yml), "-p", str(layered))
    assert code == 1
    assert want in _kinds(report)


def test_a_pip_source_other_than_the_one_asked_for_is_source_drift(
    layered, channel, wheelhouse, tmp_path
):
    wheel = (wheelhouse / "epsilon-1.0-py3-none-any.whl").as_uri()
    yml = write_envfile(tmp_path, channel, ["alpha"], [f"epsilon @ {wheel}"])
    code, report = _check("-f", str(yml), "-p", str(layered))
    assert code == 1 and ("source", "pip", "epsilon") in _kinds(report)


def test_packages_nothing_asks_for_are_drift_only_with_strict(layered, channel, tmp_path):
    yml = write_envfile(tmp_path, channel, ["python", "pip", "alpha"], [])
    code, _ = _check("-f", str(yml), "-p", str(layered))
    assert code == 0
    code, report = _check("-f", str(yml), "-p", str(layered), "--strict")
    assert code == 1 and _kinds(report) == {("extra", "pip", "epsilon")}


@pytest.fixture(scope="session")
def locked(layered: Path, tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:
    def build(out: Path) -> None:
        result = condapip(
            "lock", "-p", str(layered), "-o", str(out / "condapip.lock.yml"),
            env={**os.environ, "PIP_FIND_LINKS": str(wheelhouse)},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr

    return once_per_run(tmp_path_factory, "check-locked", build) / "condapip.lock.yml"


def test_a_prefix_matches_the_lock_made_from_it(layered, locked):
    code, report = _check("--lock", str(locked), "-p", str(layered))
    assert code == 0, report


def test_lock_drift_names_missing_replaced_and_extra_packages(
    layered, locked, tmp_path, wheelhouse
):
    prefix = copy_prefix(layered, tmp_path / "drifted")
    assert pip(prefix, "uninstall", "-y", "epsilon").returncode == 0
    assert pip(prefix, "install", "gamma", "beta==2.0", find_links=wheelhouse).returncode == 0
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
    result = run_cli("check", *args, "-p", str(layered), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("condapip: error:") and len(result.stderr.splitlines()) == 1


@pytest.fixture(scope="module")
def vcs_locked(
    layered: Path, tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path
) -> tuple[Path, Path, Path, str, str]:
    """A copy of ``layered`` with pip dist theta installed from a git repository at its
    first commit, locked; the repository has a second commit. Only read."""
    root = tmp_path_factory.mktemp("vcs")
    repo, first = make_git_package(root / "theta-repo", "theta", "0.1")
    (repo / "theta" / "__init__.py").write_text("__version__ = '0.1'  # a later commit\n")
    git(repo, "commit", "-qam", "later")
    second = git(repo, "rev-parse", "HEAD")
    prefix = copy_prefix(layered, root / "env")
    # file://localhost/...: the prefix's pip refuses `name @ git+file:///...`
    url = f"git+file://localhost{repo}@{first}"
    installed = pip(prefix, "install", f"theta @ {url}", find_links=wheelhouse)
    assert installed.returncode == 0, installed.stderr
    lock = root / "condapip.lock.yml"
    made = condapip(
        "lock", "-p", str(prefix), "-o", str(lock),
        env={**os.environ, "PIP_FIND_LINKS": str(wheelhouse)},
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return prefix, lock, repo, first, second


def _edited(lock: Path, out: Path, conda: Callable[[Any], Any], pip_: Callable[[Any], Any]) -> Path:
    """``lock`` with each conda and pip entry passed through ``conda`` and ``pip_``
    (None drops it): a lock that pins something else than the prefix holds."""
    from condapip.formats import lock as lockfile

    data = lockfile.load(lock)
    platforms = {
        plat: replace(
            section,
            conda=tuple(e for c in section.conda if (e := conda(c)) is not None),
            pip=tuple(e for a in section.pip if (e := pip_(a)) is not None),
        )
        for plat, section in data.platforms.items()
    }
    out.write_text(lockfile.dumps(replace(data, platforms=platforms)))
    return out


def _rebuilt(c: Any, version: str | None = None, build: str | None = None) -> Any:
    """conda entry ``c`` at another version or build, its URL renamed to match."""
    version, build = version or c.version, build or c.build
    url = c.url.replace(f"{c.name}-{c.version}-{c.build}", f"{c.name}-{version}-{build}")
    return replace(c, version=version, build=build, url=url)


def _same(entry: Any) -> Any:
    return entry


def test_a_prefix_with_a_git_dist_matches_its_lock(vcs_locked):
    prefix, lock, *_ = vcs_locked
    before = tree_digest(prefix)
    code, report = _check("--lock", str(lock), "-p", str(prefix))
    assert code == 0, report
    assert tree_digest(prefix) == before  # check never writes


@pytest.mark.parametrize(
    ("conda", "pip_", "want"),
    [
        (lambda c: _rebuilt(c, version="2.0") if c.name == "alpha" else c, _same,
         ("version", "conda", "alpha")),
        (lambda c: _rebuilt(c, build="py_7") if c.name == "alpha" else c, _same,
         ("build", "conda", "alpha")),
        (lambda c: replace(c, sha256="0" * 64) if c.name == "alpha" else c, _same,
         ("source", "conda", "alpha")),
        (lambda c: None if c.name == "alpha" else c, _same, ("extra", "conda", "alpha")),
        (_same, lambda a: None if a.name == "epsilon" else a, ("extra", "pip", "epsilon")),
        (_same, lambda a: replace(a, version="9.0") if a.name == "epsilon" else a,
         ("version", "pip", "epsilon")),
    ],
    ids=["version", "build", "conda-hash", "extra-conda", "extra-pip", "pip-version"],
)  # fmt: skip
def test_each_kind_of_drift_from_a_lock_is_one_row(vcs_locked, tmp_path, conda, pip_, want):
    prefix, lock, *_ = vcs_locked
    edited = _edited(lock, tmp_path / "condapip.lock.yml", conda, pip_)
    code, report = _check("--lock", str(edited), "-p", str(prefix))
    assert code == 1
    assert _kinds(report) == {want}


def test_a_git_dist_at_another_commit_than_the_lock_is_source_drift(vcs_locked, tmp_path):
    prefix, lock, _, first, second = vcs_locked

    def later(a: Any) -> Any:
        if a.name != "theta":
            return a
        return replace(a, commit=second, requirement=a.requirement.replace(first, second))

    edited = _edited(lock, tmp_path / "condapip.lock.yml", _same, later)
    code, report = _check("--lock", str(edited), "-p", str(prefix))
    assert code == 1 and _kinds(report) == {("source", "pip", "theta")}
    (row,) = report["drifts"]
    assert second in row["wanted"] and first in row["found"]


def test_a_lock_pinning_a_package_the_prefix_lacks_is_missing_drift(vcs_locked, layered, tmp_path):
    # theta is locked, and the prefix the lock did not come from never had it
    _, lock, *_ = vcs_locked
    code, report = _check("--lock", str(lock), "-p", str(layered))
    assert code == 1 and _kinds(report) == {("missing", "pip", "theta")}


@pytest.mark.parametrize("at", ["first", "second"])
def test_a_git_requirement_in_a_file_is_met_only_at_its_commit(vcs_locked, channel, tmp_path, at):
    prefix, _, repo, first, second = vcs_locked
    commit = first if at == "first" else second
    yml = write_envfile(
        tmp_path, channel, ["alpha"], [f"theta @ git+file://localhost{repo}@{commit}"]
    )
    code, report = _check("-f", str(yml), "-p", str(prefix))
    if at == "first":
        assert code == 0, report
    else:
        assert code == 1 and _kinds(report) == {("source", "pip", "theta")}


def test_a_lock_for_a_layer_met_by_the_other_layer_is_layer_drift(vcs_locked, tmp_path):
    # the lock puts epsilon in the conda layer; the prefix has it from pip
    prefix, lock, *_ = vcs_locked

    from condapip.formats import lock as lockfile

    data = lockfile.load(lock)
    ((plat, section),) = data.platforms.items()
    alpha = next(c for c in section.conda if c.name == "alpha")
    eps = _rebuilt(replace(alpha, name="epsilon", url=alpha.url.replace("alpha-", "epsilon-")))
    moved = replace(
        section,
        conda=(*section.conda, eps),
        pip=tuple(a for a in section.pip if a.name != "epsilon"),
    )
    edited = tmp_path / "condapip.lock.yml"
    edited.write_text(lockfile.dumps(replace(data, platforms={plat: moved})))
    code, report = _check("--lock", str(edited), "-p", str(prefix))
    assert code == 1 and _kinds(report) == {("layer", "conda", "epsilon")}


def _imported(*args: str) -> set[str]:
    """The modules ``condapip check ARGS`` imports (``python -X importtime``)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "condapip", "check", *args],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    lines = result.stderr.splitlines()
    return {line.rsplit("|", 1)[-1].strip() for line in lines if line.startswith("import time:")}


def test_a_repeat_check_of_an_unchanged_lock_loads_neither_yaml_nor_rattler(vcs_locked, tmp_path):
    prefix, lock, *_ = vcs_locked
    mine = tmp_path / "condapip.lock.yml"
    mine.write_bytes(lock.read_bytes())
    first = _imported("--lock", str(mine), "-p", str(prefix))
    assert "ruamel.yaml" in first  # the first run reads the lock
    again = _imported("--lock", str(mine), "-p", str(prefix))
    assert not {m for m in again if m.split(".")[0] in ("ruamel", "rattler", "typer")}

    # the lock edited in place is read afresh: what is remembered is never stale
    _edited(lock, mine, lambda c: _rebuilt(c, version="2.0") if c.name == "alpha" else c, _same)
    code, report = _check("--lock", str(mine), "-p", str(prefix))
    assert code == 1 and _kinds(report) == {("version", "conda", "alpha")}


@pytest.mark.parametrize(
    ("asked", "same"),
    [
        ("git+ssh://git@example.com/t/theta.git", True),  # that @ is the user's
        ("git+ssh://git@example.com/t/theta.git@main", True),  # the branch pip was asked for
        ("git+ssh://git@example.com/t/theta.git@abc123", True),  # a prefix of the commit
        ("git+ssh://git@example.com/t/theta.git@v2#subdirectory=py", False),
        ("git+ssh://git@example.com/t/other.git@main", False),
    ],
)
def test_a_git_requirement_is_judged_against_the_repository_and_revision_pip_recorded(asked, same):
    from condapip.doctor.drift import _same_source
    from condapip.ledger.dists import Dist

    recorded = {
        "url": "ssh://git@example.com/t/theta.git",
        "vcs_info": {"vcs": "git", "commit_id": "abc123" + "0" * 34, "requested_revision": "main"},
    }
    dist = Dist("theta", "theta", "0.1", "pip", Path("theta.dist-info"), (), recorded, True)
    assert _same_source(asked, dist) is same


def test_a_malformed_lock_or_one_without_this_platform_is_one_line_and_exit_2(
    layered, locked, tmp_path
):
    from condapip.formats import lock as lockfile

    malformed = tmp_path / "malformed.lock.yml"
    malformed.write_text("version: 1\nplatforms: {}\n")
    data = lockfile.load(locked)
    elsewhere = tmp_path / "elsewhere.lock.yml"
    (section,) = data.platforms.values()
    elsewhere.write_text(lockfile.dumps(replace(data, platforms={"win-64": section})))
    for lock, says in ((malformed, "malformed"), (elsewhere, "has no packages for")):
        result = run_cli("check", "--lock", str(lock), "-p", str(layered))
        assert result.returncode == 2, result.stdout
        assert result.stderr.startswith("condapip: error:") and says in result.stderr
        assert len(result.stderr.splitlines()) == 1
