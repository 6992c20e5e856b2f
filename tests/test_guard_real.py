"""The guard inside the real conda: it fails closed, reads its setting only where it
should, judges files by path and requirements by version, and its advice works.
Also: conda keeps the records its pip-interop read deletes, and waits for condapip."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import conda, condapip, copy_prefix, host_channel, make_prefix, pip, tree_digest
from tests.wheelmaker import make_wheel

pytestmark = pytest.mark.conda


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A channel with attrs 22.2.0/23.1.0/24.2.0 and sixclobber (which ships
    needsix/__init__.py), and pip wheels: cattrs (attrs>=23.1.0, and attrs<23
    only under a marker false here) and needsix."""

    root = tmp_path_factory.mktemp("guard-world")
    conda_wheels, pip_wheels = root / "conda-wheels", root / "pip-wheels"
    for version in ("22.2.0", "23.1.0", "24.2.0"):
        make_wheel(conda_wheels, "attrs", version)
    make_wheel(conda_wheels, "sixclobber", "1.0", files={"needsix/__init__.py": "clobbered\n"})
    make_wheel(pip_wheels, "cattrs", "1.0", ["attrs>=23.1.0", 'attrs<23; python_version < "3"'])
    make_wheel(pip_wheels, "needsix", "1.0")
    channel = root / "channel"
    host_channel(tmp_path_factory, sorted(conda_wheels.iterdir()), channel)
    return {"channel": channel, "wheels": pip_wheels, "root": root}


@pytest.fixture(scope="module")
def layered(world: dict[str, Path]) -> Path:
    """conda: python, pip, attrs 24.2.0; pip on top: cattrs and needsix. Tests copy it."""
    prefix = world["root"] / "layered"
    specs = ["python", "pip", "attrs=24.2.0"]
    make_prefix(prefix, world["channel"], specs, argv=["conda", "create"])
    proc = pip(prefix, "install", "--no-deps", "cattrs", "needsix", find_links=world["wheels"])
    assert proc.returncode == 0, proc.stderr
    return prefix


@pytest.fixture
def env(layered: Path, tmp_path: Path, condarc: Path) -> Path:
    return copy_prefix(layered, tmp_path / "env")


def install(prefix: Path, world: dict[str, Path], *specs: str) -> subprocess.CompletedProcess[str]:
    return conda("install", "-y", "-p", str(prefix), "-c", world["channel"].as_uri(), *specs)


def site_packages(prefix: Path) -> Path:
    return next(prefix.glob("lib/python3*/site-packages"))


@pytest.mark.parametrize("metadata", [None, b"\xff\xfe garbage \x00"], ids=["empty", "garbage"])
def test_a_dist_info_the_guard_cannot_read_blocks_in_one_line(env, world, metadata):
    zzz = site_packages(env) / "zzz-1.0.dist-info"
    zzz.mkdir()
    if metadata is not None:
        (zzz / "METADATA").write_bytes(metadata)
    before = tree_digest(env)
    proc = install(env, world, "attrs=23.1.0")  # a change the guard would pass
    assert proc.returncode == 1
    error = [line for line in proc.stderr.splitlines() if "condapip" in line]
    assert len(error) == 1, proc.stderr
    assert "guard cannot judge this change against the pip layer of" in error[0]
    assert "conda config --set plugins.condapip_guard warn" in error[0]
    assert tree_digest(env) == before


def test_a_condarc_inside_the_prefix_does_not_turn_the_guard_off(env, world):
    # what a pip wheel's data files can plant: conda reads it for -p PREFIX
    (env / ".condarc").write_text("plugins:\n  condapip_guard: 'off'\ncondapip_guard: 'off'\n")
    proc = install(env, world, "attrs=22.2.0")
    assert proc.returncode == 1
    assert "CondapipGuardRefused" in proc.stdout + proc.stderr


def test_a_conda_package_writing_over_a_pip_dists_file_is_blocked(env, world):
    before = tree_digest(env)
    proc = install(env, world, "sixclobber")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    sp = site_packages(env).relative_to(env).as_posix()
    clobber = f"sixclobber 1.0 would write over {sp}/needsix/__init__.py"
    assert f"pip's needsix 1.0 needs its files: {clobber}" in out
    assert f"condapip rebuild -p {env} --drop needsix --yes" in out
    assert tree_digest(env) == before


def test_a_change_that_still_satisfies_pips_requirement_passes(env, world):
    proc = install(env, world, "attrs=23.1.0")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (site_packages(env) / "attrs-23.1.0.dist-info").is_dir()


def test_a_change_that_breaks_the_requirement_is_blocked_and_its_advice_works(env, world):
    proc = install(env, world, "attrs=22.2.0")
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "pip's cattrs 1.0 needs attrs>=23.1.0: attrs would be replaced by 22.2.0" in out
    assert "No command can make this change and keep these pip packages working" in out
    keep = next(line for line in out.splitlines() if "keep them, with versions that fit:" in line)
    command = shlex.split(keep.split("fit: ", 1)[1])
    assert command == ["conda", "install", "-p", str(env), "-c", world["channel"].as_uri()] + [
        "attrs>=23.1.0"
    ]
    run = subprocess.run(  # as printed; `conda` here is the venv's python -m conda
        [sys.executable, "-m", *command], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert (site_packages(env) / "cattrs-1.0.dist-info").is_dir()


def test_the_drop_choice_runs_as_printed_and_then_the_change_passes(env, world, monkeypatch):
    monkeypatch.setenv("PIP_FIND_LINKS", str(world["wheels"]))  # the pip layer laid again
    refused = install(env, world, "attrs=22.2.0")
    out = refused.stdout + refused.stderr
    drop = next(line for line in out.splitlines() if "drop them from the pip layer:" in line)
    command = shlex.split(drop.split("layer: ", 1)[1].rsplit(", then run", 1)[0])
    assert command == ["condapip", "rebuild", "-p", str(env), "--drop", "cattrs", "--yes"]
    run = condapip(*command[1:])
    assert run.returncode == 0, run.stdout + run.stderr
    assert not (site_packages(env) / "cattrs-1.0.dist-info").exists()
    proc = install(env, world, "attrs=22.2.0")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_conda_list_and_export_keep_the_record_of_a_package_pip_replaced(
    make_env, wheelhouse, condarc
):
    prefix = make_env(("python", "pip", "beta"))
    assert pip(prefix, "install", "beta==2.0", find_links=wheelhouse).returncode == 0
    record = next((prefix / "conda-meta").glob("beta-1.0-*.json"))
    conda("list", "-p", str(prefix), check=True)
    assert record.is_file()
    conda("export", "-p", str(prefix), "--format", "condapip", check=True)
    assert record.is_file()
    report = json.loads(condapip("doctor", "-p", str(prefix), "--json").stdout)
    assert ("pip-overwrote-conda", "beta") in {
        (f["rule"], f["package"]) for f in report["findings"]
    }


def test_a_refused_change_under_pip_interop_puts_back_the_records_conda_deleted(
    make_env, wheelhouse, channel, condarc
):
    condarc.write_text(condarc.read_text() + "pip_interop_enabled: true\n")
    prefix = make_env(("python", "pip", "beta"))
    assert pip(prefix, "install", "beta==2.0", find_links=wheelhouse).returncode == 0
    record = next((prefix / "conda-meta").glob("beta-1.0-*.json"))
    # conda reads with interop (deleting beta's record), then the guard stops it
    proc = conda("remove", "-y", "-p", str(prefix), "beta")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "CondapipGuardRefused" in proc.stdout + proc.stderr
    assert record.is_file(), proc.stdout + proc.stderr
    report = json.loads(condapip("doctor", "-p", str(prefix), "--json").stdout)
    assert ("pip-overwrote-conda", "beta") in {
        (f["rule"], f["package"]) for f in report["findings"]
    }


def _hold_lock(prefix: Path):
    from filelock import FileLock

    from condapip.change.transaction import lock_path

    lock = FileLock(str(lock_path(prefix)))
    lock.acquire()
    return lock


def test_conda_refuses_while_condapip_holds_the_prefix(env, world, monkeypatch):
    monkeypatch.setenv("CONDAPIP_LOCK_TIMEOUT", "0")
    lock = _hold_lock(env)
    try:
        before = tree_digest(env)
        proc = install(env, world, "attrs=23.1.0")
    finally:
        lock.release()
    assert proc.returncode == 1
    assert f"condapip is still changing {env}" in proc.stdout + proc.stderr
    assert tree_digest(env) == before


def test_conda_waits_for_condapip_then_goes_on(env, world, monkeypatch):
    monkeypatch.setenv("CONDAPIP_LOCK_TIMEOUT", "120")
    lock = _hold_lock(env)
    args = ("install", "-y", "-p", str(env), "-c", world["channel"].as_uri(), "attrs=23.1.0")
    proc = subprocess.Popen(
        [sys.executable, "-m", "conda", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()  # conda says it waits: the lock is then let go
        assert "waiting for condapip" in line, line
    finally:
        lock.release()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    assert (site_packages(env) / "attrs-23.1.0.dist-info").is_dir()


@pytest.fixture
def conda_context():
    """conda's context, read afresh by the test; reset to this process's after."""
    from conda.base.context import reset_context

    yield reset_context
    reset_context()


@pytest.mark.parametrize(
    ("user", "environ", "expected"),
    [
        ("", {}, "block"),
        ("plugins:\n  condapip_guard: warn\n", {}, "warn"),
        ("condapip_guard: off\n", {}, "off"),  # YAML 1.1 reads it as false
        ("plugins:\n  condapip_guard: warn\n", {"CONDA_PLUGINS_CONDAPIP_GUARD": "off"}, "off"),
        ("", {"CONDA_CONDAPIP_GUARD": "warn"}, "warn"),
        ("plugins:\n  condapip_guard: nonsense\n", {}, "block"),
    ],
)
def test_the_guard_setting_is_read_from_condas_sources_but_never_the_prefix(
    conda_context, tmp_path, monkeypatch, condarc, user, environ, expected
):
    from argparse import Namespace

    from conda.base.context import context

    from condapip.conda_plugin.guard import guard_mode

    prefix = tmp_path / "p"
    (prefix / "conda-meta").mkdir(parents=True)
    for planted in (".condarc", "condarc"):
        (prefix / planted).write_text("plugins:\n  condapip_guard: 'off'\ncondapip_guard: 'off'\n")
    condarc.write_text(condarc.read_text() + user)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    conda_context(argparse_args=Namespace(prefix=str(prefix), name=None))
    assert any(str(s).startswith(str(prefix)) for s in context.raw_data)  # conda read it
    assert guard_mode(context) == expected
