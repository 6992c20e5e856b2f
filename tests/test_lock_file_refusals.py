"""`lock -f`'s refusals (nothing written), `lock -f --check`, and `create --lock` from locks
in other formats, one of them written by py-rattler itself."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests import lockworld
from tests.helpers import condapip
from tests.test_lock_file import ENV, envfile, shared_lock, shared_world

world = pytest.fixture(scope="module")(shared_world)


def _refused(world, tmp_path, text: str, *platforms: str) -> str:
    file = envfile(tmp_path, world, text)
    out = tmp_path / "refused.lock.yml"
    args = [a for p in platforms for a in ("--platform", p)]
    result = condapip("lock", "-f", str(file), "-o", str(out), *args)
    assert result.returncode == 1, result.stderr
    assert not out.exists()
    lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_an_sdist_only_requirement_for_a_foreign_platform_is_refused(world, tmp_path):
    line = _refused(world, tmp_path, ENV + "    - slowpkg\n", "win-64")
    assert "slowpkg 1.0 has only a source distribution for win-64" in line


def test_a_pip_requirement_that_would_replace_a_conda_package_is_refused(world, tmp_path):
    line = _refused(world, tmp_path, ENV + "    - beta>=2\n", "linux-64", "win-64")
    assert "'beta>=2'" in line and "conda's beta 1.0" in line and "linux-64" in line


def test_a_package_missing_on_one_platform_is_refused_naming_it(world, tmp_path):
    text = ENV.replace("  - accel\n", "  - accel\n  - linuxonly\n")
    line = _refused(world, tmp_path, text, "linux-64", "osx-arm64")
    assert "osx-arm64" in line and "linuxonly" in line


def test_bad_virtual_packages_and_platforms_are_bad_input(world, tmp_path):
    file = envfile(tmp_path, world)
    for args in (["--virtual-package", "cuda=12"], ["--platform", "beos-64"]):
        result = condapip("lock", "-f", str(file), "-o", str(tmp_path / "x.yml"), *args)
        assert result.returncode == 2 and result.stderr.startswith("condapip: error: ")
        assert len(result.stderr.splitlines()) == 1


@pytest.fixture(scope="module")
def three(tmp_path_factory) -> tuple[Path, Path]:
    file, out, _ = shared_lock(tmp_path_factory)
    return file, out


def test_check_passes_a_lock_that_still_satisfies_the_file(three):
    file, out = three
    before = out.read_bytes()
    result = condapip("lock", "-f", str(file), "--check", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.read_bytes() == before


@pytest.mark.parametrize(
    "old, new, unmet",
    [
        ("  - alpha\n", "  - alpha >=2\n", "alpha >=2: the lock has alpha 1.0"),
        ("    - epsilon==1.0\n", "    - epsilon==2.0\n", "epsilon==2.0: the lock has epsilon 1.0"),
    ],
)
def test_check_names_a_changed_conda_spec_or_pip_pin_on_each_platform(
    three, world, tmp_path, old, new, unmet
):
    _, out = three
    file = envfile(tmp_path, world, ENV.replace(old, new))
    result = condapip("lock", "-f", str(file), "--check", str(out))
    assert result.returncode == 1, result.stderr
    for plat in lockworld.PLATFORMS:
        assert f"{plat}: {unmet}" in result.stdout


def test_check_of_a_lock_in_another_format_reads_it(three, world, tmp_path):
    file, _ = three
    out = tmp_path / "conda-lock.yml"
    assert (
        condapip("lock", "-f", str(file), "--format", "conda-lock", "-o", str(out)).returncode == 0
    )
    changed = envfile(tmp_path, world, ENV.replace("  - alpha\n", "  - alpha <1\n"))
    result = condapip("lock", "-f", str(changed), "--check", str(out))
    assert result.returncode == 1 and "alpha <1" in result.stdout


def test_create_lock_names_the_locks_platforms_when_this_one_is_missing(world, tmp_path):
    file = envfile(tmp_path, world)
    out = tmp_path / "win.lock.yml"
    assert condapip("lock", "-f", str(file), "--platform", "win-64", "-o", str(out)).returncode == 0
    result = condapip("create", "-p", str(tmp_path / "env"), "--lock", str(out), "--yes")
    assert result.returncode == 2
    assert result.stderr.strip().endswith("has no packages for linux-64 (it has win-64)")
    assert not (tmp_path / "env").exists()


def test_a_pixi_lock_written_by_py_rattler_itself_installs(world, tmp_path):
    import rattler
    from rattler import LockChannel, LockFile, LockPlatform

    from condapip.ledger.prefix import read_prefix

    records = asyncio.run(
        rattler.solve(
            sources=[rattler.Channel(str(world.channel))],
            specs=["python", "pip", "alpha"],
            platforms=["linux-64", "noarch"],
            timestamp_policy="allow-missing",
        )
    )
    target = LockPlatform("linux-64")
    lockfile = LockFile([target])
    lockfile.set_channels("default", [LockChannel(world.channel.as_uri())])
    for rec in records:
        lockfile.add_conda_package("default", target, rec)
    path = tmp_path / "pixi.lock"
    lockfile.to_path(path)
    env = tmp_path / "env"
    result = condapip("create", "-p", str(env), "--lock", str(path), "--yes")
    assert result.returncode == 0, result.stderr
    assert {"python", "pip", "alpha", "beta"} == set(read_prefix(env).records) - {"python_abi"}


def test_a_vcs_requirement_is_locked_by_its_commit_for_a_foreign_platform(world, tmp_path):
    from ruamel.yaml import YAML

    from tests.gitrepo import make_git_package

    repo, commit = make_git_package(tmp_path / "theta-repo", "theta", "0.1")
    file = envfile(tmp_path, world, ENV + f"    - theta @ git+file://{repo}\n")
    out = tmp_path / "vcs.lock.yml"
    result = condapip("lock", "-f", str(file), "--platform", "win-64", "-o", str(out))
    assert result.returncode == 0, result.stderr
    pip = YAML(typ="safe").load(out.read_text())["platforms"]["win-64"]["pip"]
    theta = next(p for p in pip if p["name"] == "theta")
    assert (theta["source"], theta["commit"]) == ("vcs", commit)
    assert theta["requirement"] == f"theta @ git+file://{repo}@{commit}"


def test_check_of_a_missing_or_malformed_lock_is_bad_input_in_one_line(three, tmp_path):
    file, _ = three
    broken = tmp_path / "broken.lock.yml"
    broken.write_text("version: 1\nplatforms: {linux-64: {conda: [{name: x}]}}\n")
    for lock in (tmp_path / "missing.yml", broken):
        result = condapip("lock", "-f", str(file), "--check", str(lock))
        assert result.returncode == 2
        assert result.stderr.startswith("condapip: error: ") and result.stderr.count("\n") == 1
