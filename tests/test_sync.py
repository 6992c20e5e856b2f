"""``condapip sync``: real prefixes (rattler, then real pip) brought in step with a file
or a lock, undone by rollback, and a no-op when already in step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import condapip, copy_prefix, pip, tree_digest


@pytest.fixture(scope="module")
def base_env(tmp_path_factory: pytest.TempPathFactory, channel: Path, wheelhouse: Path) -> Path:
    """conda: python, pip, alpha, zeta (and beta); pip: gamma (a channel has it too).
    Tests sync their own copy."""
    from condapip.change import conda_layer
    from condapip.change.engines.rattler import RattlerEngine

    prefix = tmp_path_factory.mktemp("sync") / "env"
    specs = ["python", "pip", "alpha", "zeta"]
    engine = RattlerEngine(progress=False)
    solved = conda_layer.solve(engine, prefix, [str(channel)], specs)
    conda_layer.apply(engine, prefix, solved, specs, argv=["condapip", "create"])
    assert pip(prefix, "install", "gamma", find_links=wheelhouse).returncode == 0
    return prefix


def _yml(tmp_path: Path, channel: Path, conda: list[str], pip_lines: list[str]) -> Path:
    deps = "".join(f"  - {c}\n" for c in conda)
    if pip_lines:
        deps += "  - pip:\n" + "".join(f"    - {line}\n" for line in pip_lines)
    path = tmp_path / "environment.yml"
    path.write_text(f"channels:\n  - {channel}\ndependencies:\n{deps}")
    return path


def _owners(prefix: Path) -> dict[str, str]:
    listed = condapip("list", "-p", str(prefix), "--json")
    assert listed.returncode == 0, listed.stderr
    return {p["name"]: p["owner"] for p in json.loads(listed.stdout)}


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
    yml = _yml(tmp_path, channel, ["python", "pip", "alpha", "gamma"], ["zeta", "epsilon"])
    done = _sync("-f", str(yml), "-p", str(prefix), "--prune")
    assert done["done"] and "matches" in done["done"]
    owners = _owners(prefix)
    assert owners["gamma"] == "conda" and owners["zeta"] == "pip" and owners["epsilon"] == "pip"
    assert not list((prefix / "conda-meta").glob("zeta-*.json"))
    check = condapip("check", "-f", str(yml), "-p", str(prefix), "--strict")
    assert check.returncode == 0, check.stdout

    again = _sync("-f", str(yml), "-p", str(prefix), "--prune")
    assert again["done"].startswith("nothing to do")

    undo = condapip("rollback", "-p", str(prefix), "--yes")
    assert undo.returncode == 0, undo.stdout + undo.stderr
    assert _owners(prefix)["gamma"] == "pip" and _owners(prefix)["zeta"] == "conda"
    assert "epsilon" not in _owners(prefix)
    assert {k for k in tree_digest(prefix) if "conda-meta/condapip" not in k} >= {
        k for k in before if "conda-meta/condapip" not in k and "__pycache__" not in k
    }


def test_a_sync_with_nothing_to_do_writes_nothing(base_env, channel, tmp_path, find_links):
    prefix = copy_prefix(base_env, tmp_path / "env")
    yml = _yml(tmp_path, channel, ["python", "pip", "alpha", "zeta"], ["gamma"])
    before = tree_digest(prefix)
    result = condapip("sync", "-f", str(yml), "-p", str(prefix))  # no --yes, no terminal
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("nothing to do")
    assert tree_digest(prefix) == before  # no snapshot, no journal, no history line


def test_without_prune_sync_keeps_what_the_file_does_not_name(
    base_env, channel, tmp_path, find_links
):
    prefix = copy_prefix(base_env, tmp_path / "env")
    yml = _yml(tmp_path, channel, ["alpha"], ["epsilon"])
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
    assert condapip("check", "--lock", str(lock), "-p", str(prefix)).returncode == 1
    _sync("--lock", str(lock), "-p", str(prefix))
    check = condapip("check", "--lock", str(lock), "-p", str(prefix))
    assert check.returncode == 0, check.stdout
    assert _sync("--lock", str(lock), "-p", str(prefix))["done"].startswith("nothing to do")


def test_sync_of_a_missing_prefix_creates_it(channel, tmp_path, find_links):
    yml = _yml(tmp_path, channel, ["python", "pip", "alpha"], ["epsilon"])
    prefix = tmp_path / "new"
    _sync("-f", str(yml), "-p", str(prefix))
    assert _owners(prefix)["epsilon"] == "pip"
