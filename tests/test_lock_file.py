"""`condapip lock -f FILE`: an environment file locked for linux-64, osx-arm64 and win-64
at once, both layers, nothing installed; each format read back by its own tool.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests import lockworld
from tests.helpers import condapip
from tests.lockworld import PLATFORMS

ENV = """\
name: multi
channels:
  - {channel}
platforms: [linux-64, osx-arm64, win-64]
dependencies:
  - python
  - pip
  - alpha
  - accel
  - pip:
    - --no-index
    - --find-links {find_links}
    - fastcore
    - winonly; sys_platform == "win32"
    - epsilon==1.0
    - usesalpha
"""


# Built once per test process and shared by the three `lock -f` modules, which only read
# them: the world, and the three-platform lock of ENV (its --json output beside it).
_WORLD: dict[str, lockworld.World] = {}
_LOCK: dict[str, tuple[Path, Path, dict]] = {}


def shared_world(tmp_path_factory: pytest.TempPathFactory) -> lockworld.World:
    if not _WORLD:
        _WORLD["world"] = lockworld.build(tmp_path_factory.mktemp("lockworld"), tmp_path_factory)
    return _WORLD["world"]


def shared_lock(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """One three-platform lock, read as data: (file, lock, --json)."""
    if not _LOCK:
        folder = tmp_path_factory.mktemp("locked")
        file = envfile(folder, shared_world(tmp_path_factory))
        out = folder / "condapip.lock.yml"
        result = condapip("lock", "-f", str(file), "-o", str(out), "--json")
        assert result.returncode == 0, result.stderr
        _LOCK["lock"] = (file, out, json.loads(result.stdout))
    return _LOCK["lock"]


world = pytest.fixture(scope="module")(shared_world)


def envfile(folder: Path, world: lockworld.World, text: str = ENV, **extra: str) -> Path:
    path = folder / "environment.yml"
    path.write_text(text.format(channel=world.channel, find_links=world.find_links, **extra))
    return path


locked = pytest.fixture(scope="module")(shared_lock)


@pytest.fixture(scope="module")
def written(world, locked, tmp_path_factory) -> dict[str, list[Path]]:
    """The same file locked once in each format: the files each run wrote
    (condapip's own format is the ``locked`` run's)."""
    folder = tmp_path_factory.mktemp("formats")
    file = envfile(folder, world)
    out = {"condapip": [locked[1]]}
    for fmt, name in [
        ("conda-lock", "conda-lock.yml"),
        ("pixi", "pixi.lock"),
        ("pylock", "pylock"),
    ]:
        result = condapip("lock", "-f", str(file), "--format", fmt, "-o", str(folder / name))
        assert result.returncode == 0, result.stderr
        out[fmt] = sorted((folder / name).iterdir()) if fmt == "pylock" else [folder / name]
    return out


def load(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text())


def _by_name(entries: list[dict]) -> dict[str, dict]:
    return {e["name"]: e for e in entries}


def test_each_platform_gets_its_own_conda_builds_and_default_virtual_packages(locked):
    _, out, _ = locked
    doc = load(out)
    assert sorted(doc["platforms"]) == sorted(PLATFORMS)
    for plat in PLATFORMS:
        conda = _by_name(doc["platforms"][plat]["conda"])
        assert {"python", "pip", "alpha", "beta", "accel"} <= set(conda)
        assert conda["python"]["subdir"] == plat
        assert f"/{plat}/python-" in conda["python"]["url"]
        assert conda["accel"]["build"] != "cuda_1"  # no __cuda unless asked
    virtual = {p: doc["platforms"][p]["virtual-packages"] for p in PLATFORMS}
    assert virtual == {
        "linux-64": ["__glibc=2.28", "__linux=0", "__unix=0"],
        "osx-arm64": ["__osx=11.0", "__unix=0"],
        "win-64": ["__win=0"],
    }


def test_each_platform_gets_its_own_wheel_with_its_sha256(locked, world):
    _, out, _ = locked
    doc = load(out)
    for plat in PLATFORMS:
        pip = _by_name(doc["platforms"][plat]["pip"])
        wheel = world.wheels[plat]
        assert pip["fastcore"]["url"] == wheel.as_uri()
        assert pip["fastcore"]["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
        assert ("winonly" in pip) == (plat == "win-64")  # the sys_platform marker
        assert pip["epsilon"]["version"] == "1.0"
        # usesalpha needs alpha: the conda layer's alpha stands, pip adds no copy
        assert "usesalpha" in pip and "alpha" not in pip and "beta" not in pip


def test_json_gives_packages_virtual_packages_and_artifacts_per_platform(locked, world):
    _, _, data = locked
    win = data["platforms"]["win-64"]
    assert win["virtual_packages"] == ["__win=0"]
    fastcore = next(p for p in win["packages"] if p["name"] == "fastcore")
    assert fastcore["url"] == world.wheels["win-64"].as_uri() and fastcore["sha256"]


def test_a_cuda_virtual_package_for_one_platform_picks_the_cuda_build_there_only(world, tmp_path):
    file = envfile(tmp_path, world)
    out = tmp_path / "cuda.lock.yml"
    args = ["lock", "-f", str(file), "-o", str(out), "--virtual-package", "linux-64:__cuda=12.4"]
    result = condapip(*args)
    assert result.returncode == 0, result.stderr
    doc = load(out)
    builds = {p: _by_name(doc["platforms"][p]["conda"])["accel"]["build"] for p in PLATFORMS}
    assert builds["linux-64"] == "cuda_1"
    assert builds["win-64"] != "cuda_1" and builds["osx-arm64"] != "cuda_1"
    assert "__cuda=12.4" in doc["platforms"]["linux-64"]["virtual-packages"]
    assert "__cuda=12.4" not in doc["platforms"]["win-64"]["virtual-packages"]


def test_conda_override_cuda_lets_the_hosts_own_solve_pick_a_cuda_build_as_conda_does(
    world, tmp_path, monkeypatch
):
    """Without a GPU, CONDA_OVERRIDE_CUDA is conda's way to solve for one: the install
    solve reads the same virtual packages as doctor's cuda check and create -f's pip step."""
    file = tmp_path / "environment.yml"
    file.write_text(f"channels: [{world.channel}]\ndependencies: [python, accel=*=cuda*]\n")
    args = ["create", "-f", str(file), "-p", str(tmp_path / "new"), "--dry-run"]
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "")  # no driver, whatever this machine has
    without = condapip(*args)
    assert without.returncode == 1 and "__cuda" in without.stderr, without.stderr
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "12.4")
    result = condapip(*args)
    assert result.returncode == 0, result.stderr
    assert "accel 1.0" in result.stdout and not (tmp_path / "new").exists()


def test_conda_locks_parser_reads_the_conda_lock_output(world, written, monkeypatch):
    # conda-lock puts its vendored poetry first on sys.path when imported: taken out after,
    # or the CLI run later in this process would find that folder's packaging first
    monkeypatch.setattr(sys, "path", list(sys.path))
    from conda_lock.lockfile import parse_conda_lock_file

    (out,) = written["conda-lock"]
    parsed = parse_conda_lock_file(out)
    assert sorted(parsed.metadata.platforms) == sorted(PLATFORMS)
    pip = {(p.platform, p.name): p for p in parsed.package if p.manager == "pip"}
    for plat in PLATFORMS:
        assert pip[(plat, "fastcore")].url == world.wheels[plat].as_uri()
    conda = [p for p in parsed.package if p.manager == "conda" and p.name == "python"]
    assert {p.platform for p in conda} == set(PLATFORMS)
    assert all(p.hash.md5 and p.hash.sha256 for p in conda)


def test_py_rattler_reads_the_pixi_output(world, written):
    from rattler import LockFile

    (out,) = written["pixi"]
    env = LockFile.from_path(out).default_environment()
    by_platform = {p.name: p for p in env.platforms()}
    assert set(by_platform) == set(PLATFORMS)
    for plat, target in by_platform.items():
        names = {r.name.normalized for r in env.conda_repodata_records_for_platform(target)}
        assert {"python", "alpha", "accel"} <= names
        pypi = {p.name: p for p in env.pypi_packages_for_platform(target)}
        wheel = world.wheels[plat]
        assert (
            pypi["fastcore"].hashes.sha256.hex() == hashlib.sha256(wheel.read_bytes()).hexdigest()
        )


def test_pylock_writes_one_pep751_file_per_platform(written):
    from condapip.formats.locks import read_any

    folder = written["pylock"][0].parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"pylock.{p}.toml" for p in PLATFORMS)
    win = read_any(folder / "pylock.win-64.toml").platforms["win-64"]
    assert {a.name for a in win.pip} >= {"fastcore", "winonly"}
    assert any(c.name == "python" for c in win.conda)


@pytest.mark.parametrize("fmt", ["condapip", "conda-lock", "pixi", "pylock"])
def test_every_format_reads_back_the_same_packages(world, written, fmt):
    from condapip.formats.locks import read_any

    for path in written[fmt]:
        lock = read_any(path)
        for plat, body in lock.platforms.items():
            pins = {(a.name, a.version, a.sha256) for a in body.pip}
            fastcore = world.wheels[plat]
            assert ("fastcore", "1.0", hashlib.sha256(fastcore.read_bytes()).hexdigest()) in pins
            assert {c.name for c in body.conda} >= {"python", "alpha", "beta", "accel"}


def test_sel_entries_are_read_for_each_platform_being_locked(world, tmp_path):
    text = ENV.replace("  - accel\n", "  - accel\n  - sel(linux): linuxonly\n")
    file = envfile(tmp_path, world, text)
    out = tmp_path / "sel.lock.yml"
    args = ["--platform", "osx-arm64", "--platform", "linux-64"]
    # osx-arm64 has no linuxonly: the lock succeeds only if sel(linux) is left out there
    result = condapip("lock", "-f", str(file), "-o", str(out), *args)
    assert result.returncode == 0, result.stderr
    platforms = load(out)["platforms"]
    assert "linuxonly" in {c["name"] for c in platforms["linux-64"]["conda"]}
    assert "linuxonly" not in {c["name"] for c in platforms["osx-arm64"]["conda"]}


def test_a_channel_relative_to_the_file_is_read_as_create_reads_it(world, tmp_path):
    folder = world.channel.parent
    file = folder / "relative.yml"
    file.write_text("channels: [./channel]\ndependencies: [python, alpha]\n")
    out = tmp_path / "relative.lock.yml"
    result = condapip("lock", "-f", str(file), "-o", str(out), "--platform", "win-64", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert load(out)["channels"] == [world.channel.as_uri()]
    check = condapip("lock", "-f", str(file), "--check", str(out), cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr


def test_create_lock_installs_this_platforms_section_of_a_three_platform_lock_in_every_format(
    written, tmp_path
):
    from condapip.formats.locks import read_any, section_for
    from condapip.ledger.prefix import read_prefix

    paths = {
        fmt: next(p for p in written[fmt] if fmt != "pylock" or "linux-64" in p.name)
        for fmt in ("condapip", "conda-lock", "pixi", "pylock")
    }
    # create --lock installs this platform's artifacts, whichever format they were read
    # from (in any order; the virtual packages only say what the solve assumed): every
    # format gives the same ones, so one real install stands for them all
    installs = set()
    for path in paths.values():
        section = section_for(read_any(path), "linux-64", path)
        installs.add((tuple(sorted(section.conda, key=lambda c: c.name)), section.pip))
    assert len(installs) == 1, installs
    env = tmp_path / "env"
    result = condapip("create", "-p", str(env), "--lock", str(paths["conda-lock"]), "--yes")
    assert result.returncode == 0, result.stderr
    prefix = read_prefix(env)
    assert {"python", "alpha", "beta", "accel"} <= set(prefix.records)
    assert {"fastcore", "epsilon", "usesalpha"} <= set(prefix.dists_by_key)
    assert "winonly" not in prefix.dists_by_key  # its marker: Windows only
