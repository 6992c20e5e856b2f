"""`condapip lock` and `create --lock`: both layers pinned to artifacts and hashes,
installed back exactly. The prefix is the same real mixed one the export tests use.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests import test_export as shared
from tests.helpers import condapip
from tests.test_export import git_url, list_json

# The export tests' fixtures: the same real mixed prefix, git repo and index.
mixed_env = shared.mixed_env
git_repo = shared.git_repo
local_wheel = shared.local_wheel
find_links = shared.find_links


def lock(prefix: Path, out: Path) -> subprocess.CompletedProcess[str]:
    result = condapip("lock", "-p", str(prefix), "-o", str(out))
    assert result.returncode == 0, result.stderr
    return result


def load(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text())


@pytest.fixture(scope="module")
def first_lock() -> dict[str, bytes]:
    """The module's one `condapip lock` of mixed_env, written by the first test that asks."""
    return {}


@pytest.fixture
def lockfile(mixed_env, find_links, tmp_path, first_lock) -> Path:
    """Each test's own copy of that lock, to read or tamper with."""
    out = tmp_path / "condapip.lock.yml"
    if "bytes" not in first_lock:
        lock(mixed_env, out)
        first_lock["bytes"] = out.read_bytes()
    out.write_bytes(first_lock["bytes"])
    return out


def _platform(doc: dict) -> dict:
    (body,) = doc["platforms"].values()
    return body


def test_lock_pins_conda_urls_and_hashes_per_platform(mixed_env, lockfile):
    from condapip.ledger.platform import current_subdir
    from condapip.ledger.prefix import read_prefix

    doc = load(lockfile)
    assert list(doc["platforms"]) == [current_subdir()]
    records = read_prefix(mixed_env).records
    conda = {c["name"]: c for c in _platform(doc)["conda"]}
    assert set(conda) == set(records)
    for name, rec in records.items():
        assert conda[name]["url"] == rec.url
        assert conda[name]["sha256"] == rec.sha256
        assert conda[name]["md5"] == rec.md5
        assert conda[name]["subdir"] == rec.subdir
    assert doc["requested"] == ["alpha", "pip", "python"]


def test_lock_pins_pip_artifacts_with_sha256_and_vcs_by_commit(
    lockfile, git_repo, local_wheel, find_links
):
    repo, commit = git_repo
    pip = {p["name"]: p for p in _platform(load(lockfile))["pip"]}
    assert set(pip) == {"epsilon", "iota", "theta"}
    # an index install: pip itself said which file the exact pin resolves to
    wheel = find_links / "epsilon-1.0-py3-none-any.whl"
    assert pip["epsilon"]["source"] == "index"
    assert pip["epsilon"]["url"] == wheel.as_uri()
    assert pip["epsilon"]["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    # a local wheel: from direct_url.json
    assert pip["iota"]["source"] == "url"
    assert pip["iota"]["url"] == local_wheel.as_uri()
    assert pip["iota"]["sha256"] == hashlib.sha256(local_wheel.read_bytes()).hexdigest()
    assert pip["theta"]["source"] == "vcs"
    assert pip["theta"]["commit"] == commit
    assert pip["theta"]["requirement"] == f"theta @ {git_url(repo)}@{commit}"


def test_lock_is_byte_identical_on_two_runs(mixed_env, lockfile, tmp_path):
    # the module's first lock was one run; this is a second
    lock(mixed_env, tmp_path / "again.yml")
    assert (tmp_path / "again.yml").read_bytes() == lockfile.read_bytes()


def test_lock_reads_back_as_written(lockfile):
    from condapip.formats.lock import dumps
    from condapip.formats.lock import load as load_lock

    assert dumps(load_lock(lockfile)) == lockfile.read_text()


def _yes(plan: object, question: str) -> None:
    """A confirm that goes ahead, as --yes does."""


def test_create_lock_cli_installs_exactly_the_locked_env_keeping_its_history(
    mixed_env, lockfile, tmp_path
):
    target = tmp_path / "from-lock-cli"
    result = condapip("create", "-p", str(target), "--lock", str(lockfile), "--yes")
    assert result.returncode == 0, result.stderr
    assert list_json(target) == list_json(mixed_env)
    # the history keeps what the user asked for, so `export --from-history` still works
    again = condapip("export", "-p", str(target), "--from-history")
    assert "- alpha\n" in again.stdout and "beta" not in again.stdout


def test_create_lock_without_a_terminal_asks_for_yes_as_every_verb_does(lockfile, tmp_path):
    from condapip.cli.confirm import NO_TERMINAL

    target = tmp_path / "no-terminal"
    result = condapip("create", "-p", str(target), "--lock", str(lockfile))
    assert (result.returncode, result.stderr) == (2, f"condapip: error: {NO_TERMINAL}\n")
    assert not target.exists()


def test_dry_run_plans_every_locked_package_and_changes_nothing(lockfile, tmp_path):
    from condapip.commands import create_lock

    target = tmp_path / "dry"
    done = create_lock.run(
        target, lockfile, engine="rattler", pip_engine=None, dry_run=True, confirm=_yes
    )
    assert done.done is None and not target.exists()
    assert any("epsilon==1.0" in row.why for row in done.plan.rows)
    # the plan a real run follows too: every locked package of both layers
    layers = [row.layer for row in done.plan.rows]
    assert layers.count("conda") == 5 and layers.count("pip") == 3  # python_abi too


def _tamper(lockfile: Path, layer: str, name: str) -> None:
    text = lockfile.read_text()
    doc = load(lockfile)
    entry = next(e for e in _platform(doc)[layer] if e["name"] == name)
    lockfile.write_text(text.replace(entry["sha256"], "ab" * 32))


@pytest.mark.parametrize("layer, name", [("conda", "alpha"), ("pip", "epsilon"), ("pip", "iota")])
def test_a_tampered_hash_is_refused_and_leaves_no_prefix(lockfile, tmp_path, layer, name):
    _tamper(lockfile, layer, name)
    target = tmp_path / "tampered"
    result = condapip("create", "-p", str(target), "--lock", str(lockfile), "--yes")
    assert result.returncode == 1, result.stderr
    assert "condapip: error:" in result.stderr and "Traceback" not in result.stderr
    assert not target.exists() or not any(target.iterdir())


def test_create_lock_refuses_a_prefix_that_exists(mixed_env, lockfile):
    from condapip.commands import create_lock
    from condapip.errors import Refused

    with pytest.raises(Refused, match="already exists"):
        create_lock.run(
            mixed_env, lockfile, engine="rattler", pip_engine=None, dry_run=False, confirm=_yes
        )


def test_a_lock_for_another_platform_is_bad_input(lockfile, tmp_path):
    from condapip.commands import create_lock
    from condapip.errors import CondapipError
    from condapip.ledger.platform import current_subdir

    lockfile.write_text(lockfile.read_text().replace(f"  {current_subdir()}:", "  plan9-64:"))
    with pytest.raises(CondapipError, match="no packages for"):
        create_lock.run(
            tmp_path / "x", lockfile, engine="rattler", pip_engine=None, dry_run=True, confirm=_yes
        )


@pytest.mark.parametrize(
    "old, new, needle",
    [
        ("name: alpha", "name: alpha;rm", "invalid conda package"),
        ("requirement: epsilon==1.0", "requirement: epsilon==1.0; rm -rf", "invalid requirement"),
        ("source: vcs", "source: ftp", "invalid source"),
        ("version: 1", "version: 7", "unsupported lock version"),
        ("url: file://", "url: file://x;touch /tmp/p ", "invalid url"),
    ],
)
def test_a_hostile_lock_is_bad_input(lockfile, old, new, needle):
    from condapip.errors import CondapipError
    from condapip.formats.lock import load as load_lock

    text = lockfile.read_text()
    assert old in text
    lockfile.write_text(text.replace(old, new, 1))
    with pytest.raises(CondapipError, match=needle) as info:
        load_lock(lockfile)
    assert info.value.exit_code == 2
