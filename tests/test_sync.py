"""``condapip sync``: real prefixes (rattler, then real pip) brought in step with a file
or a lock, undone by rollback, and a no-op when already in step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import (
    condapip,
    copy_prefix,
    host_channel,
    make_prefix,
    pip,
    tree_digest,
    write_envfile,
)
from tests.inprocess import cli


@pytest.fixture(scope="module")
def base_env(tmp_path_factory: pytest.TempPathFactory, channel: Path, wheelhouse: Path) -> Path:
    """conda: python, pip, alpha, zeta (and beta); pip: gamma (a channel has it too).
    Tests sync their own copy; those that prove it unchanged read it as it is."""
    prefix = tmp_path_factory.mktemp("sync") / "env"
    make_prefix(prefix, channel, ["python", "pip", "alpha", "zeta"])
    assert pip(prefix, "install", "gamma", find_links=wheelhouse).returncode == 0
    return prefix


def _listed(prefix: Path) -> list[dict]:
    """``list`` in-process (the process boundary is not what these tests check)."""
    code, out = cli("list", "-p", str(prefix), "--json")
    assert code == 0, out
    return list(json.loads(out))


def _owners(prefix: Path) -> dict[str, str]:
    return {p["name"]: p["owner"] for p in _listed(prefix)}


def _sync(*args: str) -> dict:
    result = condapip("sync", *args, "--yes", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_sync_adds_prunes_and_moves_packages_between_layers_then_rollback_undoes_it(
    base_env, channel, tmp_path, find_links
):
    prefix = copy_prefix(base_env, tmp_path / "env")
    before = tree_digest(prefix)
    # gamma moves pip -> conda, zeta conda -> pip, epsilon is new to pip; --prune
    # drops what nothing asks for (nothing here but the moved packages' old copies)
    yml = write_envfile(tmp_path, channel, ["python", "pip", "alpha", "gamma"], ["zeta", "epsilon"])
    done = _sync("-f", str(yml), "-p", str(prefix), "--prune")
    assert done["done"] and "matches" in done["done"]
    owners = _owners(prefix)
    assert owners["gamma"] == "conda" and owners["zeta"] == "pip" and owners["epsilon"] == "pip"
    assert not list((prefix / "conda-meta").glob("zeta-*.json"))
    check = condapip("check", "-f", str(yml), "-p", str(prefix), "--strict")
    assert check.returncode == 0, check.stdout

    synced = tree_digest(prefix)
    again = _sync("-f", str(yml), "-p", str(prefix), "--prune")
    assert again["done"].startswith("nothing to do")
    assert tree_digest(prefix) == synced  # the second sync: the prefix byte-identical

    undo = condapip("rollback", "-p", str(prefix), "--yes")
    assert undo.returncode == 0, undo.stdout + undo.stderr
    assert _owners(prefix)["gamma"] == "pip" and _owners(prefix)["zeta"] == "conda"
    assert "epsilon" not in _owners(prefix)
    assert {k for k in tree_digest(prefix) if "conda-meta/condapip" not in k} >= {
        k for k in before if "conda-meta/condapip" not in k and "__pycache__" not in k
    }


def test_prune_removes_what_nothing_in_the_file_needs_from_both_layers(
    base_env, channel, tmp_path, find_links
):
    prefix = copy_prefix(base_env, tmp_path / "env")
    yml = write_envfile(tmp_path, channel, ["python", "pip", "alpha"], ["epsilon"])
    done = _sync("-f", str(yml), "-p", str(prefix), "--prune")
    versions = _versions(done)
    assert versions["zeta"] == ("conda", "1.0", None) and versions["gamma"] == ("pip", "0.5", None)
    assert versions["epsilon"] == ("pip", None, "1.0")
    owners = _owners(prefix)
    assert "zeta" not in owners and "gamma" not in owners
    assert owners["alpha"] == owners["beta"] == "conda" and owners["epsilon"] == "pip"


def test_a_sync_with_nothing_to_do_writes_nothing(base_env, channel, tmp_path, find_links):
    prefix = base_env  # read only: the test proves it unchanged
    yml = write_envfile(tmp_path, channel, ["python", "pip", "alpha", "zeta"], ["gamma"])
    before = tree_digest(prefix)
    result = condapip("sync", "-f", str(yml), "-p", str(prefix))  # no --yes, no terminal
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("nothing to do")
    assert tree_digest(prefix) == before  # no snapshot, no journal, no history line


def test_without_prune_sync_keeps_what_the_file_does_not_name(
    base_env, channel, tmp_path, find_links
):
    prefix = copy_prefix(base_env, tmp_path / "env")
    yml = write_envfile(tmp_path, channel, ["alpha"], ["epsilon"])
    _sync("-f", str(yml), "-p", str(prefix))
    owners = _owners(prefix)
    assert owners["zeta"] == "conda" and owners["gamma"] == "pip" and owners["epsilon"] == "pip"


def test_sync_lock_makes_the_prefix_exactly_the_lock(base_env, channel, tmp_path, find_links):
    model = copy_prefix(base_env, tmp_path / "model")
    assert pip(model, "install", "epsilon").returncode == 0
    lock = tmp_path / "condapip.lock.yml"
    made = condapip("lock", "-p", str(model), "-o", str(lock))
    assert made.returncode == 0, made.stderr

    prefix = copy_prefix(base_env, tmp_path / "env")
    assert pip(prefix, "uninstall", "-y", "gamma").returncode == 0
    assert cli("check", "--lock", str(lock), "-p", str(prefix))[0] == 1
    _sync("--lock", str(lock), "-p", str(prefix))
    code, out = cli("check", "--lock", str(lock), "-p", str(prefix))
    assert code == 0, out
    assert _sync("--lock", str(lock), "-p", str(prefix))["done"].startswith("nothing to do")


def test_sync_of_a_missing_prefix_creates_it(channel, tmp_path, find_links):
    yml = write_envfile(tmp_path, channel, ["python", "pip", "alpha"], ["epsilon"])
    prefix = tmp_path / "new"
    _sync("-f", str(yml), "-p", str(prefix))
    assert _owners(prefix)["epsilon"] == "pip"


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A channel with conda package kappa 1.0 and 2.0, and wheels of pip-only lam 1.0
    and 2.0: the shared synthetic world has one version of each package."""
    from tests.wheelmaker import make_wheel

    root = tmp_path_factory.mktemp("two-versions")
    conda_wheels = [make_wheel(root / "conda-wheels", "kappa", v) for v in ("1.0", "2.0")]
    host_channel(tmp_path_factory, conda_wheels, root / "channel")
    for v in ("1.0", "2.0"):
        make_wheel(root / "wheels", "lam", v)
    return root / "channel", root / "wheels"


@pytest.fixture(scope="module")
def old_env(tmp_path_factory: pytest.TempPathFactory, two_versions: tuple[Path, Path]) -> Path:
    """conda: python, pip, kappa 1.0; pip: lam 1.0."""
    chan, wheels = two_versions
    prefix = tmp_path_factory.mktemp("old") / "env"
    make_prefix(prefix, chan, ["python", "pip", "kappa=1.0"])
    assert pip(prefix, "install", "lam==1.0", find_links=wheels).returncode == 0
    return prefix


def _versions(report: dict) -> dict[str, tuple[str, str | None, str | None]]:
    return {v["package"]: (v["layer"], v["before"], v["after"]) for v in report["versions"]}


def test_sync_changes_a_version_in_both_layers_and_the_plan_shows_old_to_new(
    old_env, two_versions, tmp_path, monkeypatch
):
    chan, wheels = two_versions
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    prefix = copy_prefix(old_env, tmp_path / "env")
    yml = write_envfile(tmp_path, chan, ["python", "pip", "kappa=2.0"], ["lam==2.0"])
    before = tree_digest(prefix)
    dry = _sync("-f", str(yml), "-p", str(prefix), "--dry-run")
    assert dry["dry_run"] and tree_digest(prefix) == before  # a dry run changes nothing
    versions = _versions(dry)
    assert versions["kappa"] == ("conda", "1.0", "2.0")
    assert versions["lam"] == ("pip", "1.0", "2.0")

    _sync("-f", str(yml), "-p", str(prefix))
    have = {p["name"]: (p["owner"], p["version"]) for p in _listed(prefix)}
    assert have["kappa"] == ("conda", "2.0") and have["lam"] == ("pip", "2.0")
    assert cli("check", "-f", str(yml), "-p", str(prefix))[0] == 0


def test_a_pip_requirement_the_conda_layer_cannot_take_is_refused_before_anything_moves(
    base_env, channel, tmp_path, find_links
):
    # delta needs beta>=2; the conda layer holds beta 1.0 (alpha needs it)
    prefix = base_env  # read only: the test proves it unchanged
    yml = write_envfile(tmp_path, channel, ["python", "pip", "alpha"], ["delta"])
    before = tree_digest(prefix)
    result = condapip("sync", "-f", str(yml), "-p", str(prefix), "--yes")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "delta" in result.stderr and "beta>=2" in result.stderr, result.stderr
    assert tree_digest(prefix) == before


def test_an_impossible_conda_spec_fails_the_dry_run_as_it_fails_the_real_one(
    base_env, channel, tmp_path, find_links
):
    prefix = base_env  # read only: the test proves it unchanged
    yml = write_envfile(tmp_path, channel, ["python", "pip", "alpha=9"], [])
    before = tree_digest(prefix)
    dry = condapip("sync", "-f", str(yml), "-p", str(prefix), "--dry-run")
    real = condapip("sync", "-f", str(yml), "-p", str(prefix), "--yes")
    assert dry.returncode == real.returncode != 0, dry.stdout + dry.stderr
    assert "alpha" in dry.stderr and dry.stderr == real.stderr
    assert tree_digest(prefix) == before


@pytest.mark.parametrize(
    "args",
    [
        ["-f", "environment.yml", "--lock", "condapip.lock.yml"],
        [],
        ["-f", "malformed.yml"],
        ["--lock", "malformed.yml"],
    ],
    ids=["both", "neither", "malformed-file", "malformed-lock"],
)
def test_bad_input_is_exit_2_with_one_line_and_nothing_changed(base_env, tmp_path, args):
    prefix = base_env  # read only: the test proves it unchanged
    (tmp_path / "environment.yml").write_text("dependencies:\n  - alpha\n")
    (tmp_path / "condapip.lock.yml").write_text("version: 1\n")
    (tmp_path / "malformed.yml").write_text("dependencies:\n  - numpy=1.26.4 - scipy\n  - [\n")
    before = tree_digest(prefix)
    result = condapip("sync", *args, "-p", str(prefix), "--yes", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("condapip: error:") and len(result.stderr.splitlines()) == 1
    assert tree_digest(prefix) == before


def test_both_or_neither_is_the_same_line_when_the_prefix_does_not_exist_yet(tmp_path):
    prefix = tmp_path / "new"
    for args in ([], ["-f", "environment.yml", "--lock", "condapip.lock.yml"]):
        result = condapip("sync", *args, "-p", str(prefix), "--yes", cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr == "condapip: error: sync takes one of -f FILE or --lock LOCK\n"
    assert not prefix.exists()
