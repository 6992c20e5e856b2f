"""Kill install, sync, rollback, rebuild and clean in the middle of a large pip upgrade.

One wheel of a few hundred small modules, in two versions, built once per
session; one environment holding 1.0, made once and copied per test, and one
upgraded from a copy of it to 2.0. Each test starts a condapip in its own
process group and kills it (SIGKILL, or SIGINT to the whole group as Ctrl-C
does) at a point found on disk: pip's ``~`` stash of the version it replaces,
or a dist-info whose files are in but whose INSTALLER is not yet. After the
kill, ``doctor`` must tell the truth, and its printed fix, run as printed (with
``--yes``), must leave every module importable.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from condapip.ledger.journal import journal_path
from tests.conftest import CREATED_SPECS, SYNTHETIC
from tests.helpers import (
    condapip,
    copy_prefix,
    host_channel,
    isolated_env,
    make_prefix,
    once_per_run,
)
from tests.wheelmaker import make_wheel

# Enough modules that each kill point lasts long enough to be seen every time by a
# 1 ms poll: with 100 of them pip spent 0.1-0.2 s between writing the new METADATA and
# its INSTALLER, with 300-400 0.4-1.5 s (under a load of 10 on 2 cores), and longer
# holding its ``~`` stash. Every pip run, copy, fix and import check here costs in
# proportion to it, so no more than twice the least.
MODULES = 200
# clean's kill point is an rmtree of the package's extracted folder: a short one, so
# that package keeps a few thousand files.
CLEAN_MODULES = 1500
BIG = "bigpkg"


@pytest.fixture(scope="session")
def links(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:
    """The synthetic wheels and the big one, 1.0 and 2.0, in one find-links folder."""

    def build(out: Path) -> None:
        for wheel in wheelhouse.glob("*.whl"):
            shutil.copy(wheel, out)
        for version in ("1.0", "2.0"):
            make_wheel(out, BIG, version, modules=MODULES)

    out = once_per_run(tmp_path_factory, "big-links", build)
    assert {n for n, _, _ in SYNTHETIC} <= {w.name.split("-")[0] for w in out.glob("*.whl")}
    return out


def _private_env(root: Path, links: Path) -> dict[str, str]:
    """What conftest's per-test isolation sets, for the session's own condapip runs."""
    return isolated_env(root, PIP_FIND_LINKS=str(links))


def _upgraded(prefix: Path, root: Path, channel: Path, links: Path, version: str) -> Path:
    done = condapip(
        "install", "-p", str(prefix), "-c", str(channel), "--yes", f"{BIG}=={version}",
        env=_private_env(root, links),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return prefix


@pytest.fixture(scope="session")
def at_one(tmp_path_factory, channel: Path, links: Path) -> Path:
    """An env whose pip layer is bigpkg 1.0, installed by condapip; made once per run."""

    def build(root: Path) -> None:
        make_prefix(root / "env", channel, CREATED_SPECS)
        _upgraded(root / "env", root, channel, links, "1.0")

    return once_per_run(tmp_path_factory, "at-one", build) / "env"


@pytest.fixture(scope="session")
def at_two(tmp_path_factory, at_one: Path, channel: Path, links: Path) -> Path:
    """bigpkg 1.0, then upgraded to 2.0 by condapip: rollback goes back to 1.0."""

    def build(root: Path) -> None:
        _upgraded(copy_prefix(at_one, root / "env"), root, channel, links, "2.0")

    return once_per_run(tmp_path_factory, "at-two", build) / "env"


@pytest.fixture
def pip_links(monkeypatch: pytest.MonkeyPatch, links: Path) -> None:
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))


def _site(prefix: Path) -> Path:
    return next(prefix.glob("lib/python3*/site-packages"))


def _stash(prefix: Path) -> Callable[[], bool]:
    return lambda: any(_site(prefix).glob("~*"))


def _half(prefix: Path, version: str) -> Callable[[], bool]:
    """pip extracted the files and METADATA, and is compiling: no INSTALLER yet."""

    def seen() -> bool:
        info = next(prefix.glob(f"lib/python3*/site-packages/{BIG}-{version}.dist-info"), None)
        return (
            info is not None and (info / "METADATA").is_file() and not (info / "INSTALLER").exists()
        )

    return seen


def _building(prefix: Path) -> Callable[[], bool]:
    """A rebuild has set the old prefix aside and pip is writing the big package anew."""
    old = prefix.with_name(prefix.name + ".condapip-old")
    # one module's name, not a pattern: the poll lists no folder pip is filling
    return lambda: old.is_dir() and any(prefix.glob(f"lib/python3*/site-packages/{BIG}/m0.py"))


def kill_when(tmp_path: Path, seen: Callable[[], bool], sig: int, *args: str) -> tuple[int, str]:
    """Run ``condapip ARGS`` in its own process group; send ``sig`` to the group the
    moment ``seen()`` holds (a bounded poll of the disk, no sleeping on a guess)."""
    return _kill_when(tmp_path, seen, sig, [sys.executable, "-m", "condapip", *args])


def _kill_when(tmp_path: Path, seen: Callable[[], bool], sig: int, argv: list[str]):
    log = tmp_path / f"killed-{len(list(tmp_path.glob('killed-*')))}.stderr"
    with log.open("w") as err:  # a file, not a pipe: condapip never blocks on its stderr
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    deadline = time.monotonic() + 300
    while not seen():
        assert proc.poll() is None, f"condapip ended before the kill point: {log.read_text()}"
        assert time.monotonic() < deadline, "the kill point never came"
        time.sleep(0.001)
    os.killpg(proc.pid, sig)
    proc.wait()
    return proc.returncode, log.read_text()


def _doctor(prefix: Path) -> tuple[int, list[dict]]:
    result = condapip("doctor", "-p", str(prefix), "--json")
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)["findings"]


def _fix(prefix: Path) -> None:
    """doctor says interrupted-change; its fix, as printed (plus --yes), recovers."""
    code, findings = _doctor(prefix)
    assert code == 1, findings
    [finding] = [f for f in findings if f["rule"] == "interrupted-change"]
    assert finding["severity"] == "error"
    fix = shlex.split(finding["fix"])
    assert fix[0] == "condapip" and "&&" not in fix, fix
    done = condapip(*fix[1:], "--yes")
    assert done.returncode == 0, done.stdout + done.stderr


def _whole(prefix: Path, version: str) -> None:
    """doctor is satisfied, and every one of the big package's modules imports.

    doctor runs in-process here: what it says after a kill, and the fix it prints,
    are read from the real CLI (``_fix``); this is the all-clear after the fix."""
    from condapip.commands import doctor

    diagnosis = doctor.run(prefix=str(prefix))
    assert diagnosis.exit_code == 0, diagnosis.as_json()
    check = (
        f"import importlib, {BIG}\n"
        f"assert {BIG}.__version__ == {version!r}, {BIG}.__version__\n"
        f"for i in range({MODULES}):\n"
        f"    assert importlib.import_module('{BIG}.m%d' % i).N == i\n"
    )
    ran = subprocess.run(
        [str(prefix / "bin" / "python"), "-c", check], capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert not list(_site(prefix).glob("~*"))


def _one_line(stderr: str, sig: int) -> str:
    """The one line that says what happened (the progress lines before it aside)."""
    lines = [line for line in stderr.splitlines() if line.startswith("condapip: error:")]
    assert len(lines) == 1, stderr
    assert f"interrupted by {signal.Signals(sig).name}" in lines[0], stderr
    assert "Traceback" not in stderr
    return lines[0]


def _recovered(prefix: Path, code: int, stderr: str, sig: int) -> None:
    """A change killed inside pip's upgrade to 2.0: Ctrl-C restored it or named the
    rollback, after SIGKILL doctor's fix does; either way 1.0 is whole again."""
    if sig == signal.SIGINT:
        assert code == 130, stderr
        line = _one_line(stderr, sig)
        if "put back" not in line:  # else it was restored already, and doctor says so
            assert f"run condapip rollback -p {prefix}" in line
            _fix(prefix)
    else:
        assert code == -signal.SIGKILL
        _fix(prefix)
    _whole(prefix, "1.0")


@pytest.mark.parametrize(
    ("point", "sig"),
    [("stash", signal.SIGKILL), ("half", signal.SIGKILL), ("stash", signal.SIGINT)],
)
def test_an_upgrade_killed_inside_pip_is_told_truly_and_its_fix_restores(
    at_one, pip_links, channel, tmp_path, point, sig
):
    prefix = copy_prefix(at_one, tmp_path / "env")
    seen = _stash(prefix) if point == "stash" else _half(prefix, "2.0")
    args = ("install", "-p", str(prefix), "-c", str(channel), "--yes", f"{BIG}==2.0")
    code, stderr = kill_when(tmp_path, seen, sig, *args)
    _recovered(prefix, code, stderr, sig)


def test_a_plain_pip_upgrade_killed_midway_is_rebuilt_with_the_version_it_replaced(
    at_one, pip_links, links, tmp_path
):
    """No condapip ran, so no journal and no snapshot: pip's own stash says what was there."""
    prefix = copy_prefix(at_one, tmp_path / "env")
    argv = [str(prefix / "bin" / "python"), "-m", "pip", "install", f"{BIG}==2.0"]
    argv += ["--no-index", "--find-links", str(links)]
    code, _ = _kill_when(tmp_path, _half(prefix, "2.0"), signal.SIGKILL, argv)
    assert code == -signal.SIGKILL
    listed = condapip("list", "-p", str(prefix), "--json")
    assert listed.returncode == 0, listed.stderr  # read, not bad input
    _fix(prefix)
    _whole(prefix, "1.0")


@pytest.mark.parametrize("point", ["restore", "half"])
def test_a_rollback_killed_midway_is_finished_by_the_next(at_two, pip_links, tmp_path, point):
    from tests.helpers import kill_at

    prefix = copy_prefix(at_two, tmp_path / "env")
    args = ("rollback", "-p", str(prefix), "--yes")
    if point == "restore":  # its journal names the snapshot, nothing is touched yet
        kill_at(tmp_path, "restore", *args)
    else:
        code, _ = kill_when(tmp_path, _half(prefix, "1.0"), signal.SIGKILL, *args)
        assert code == -signal.SIGKILL
    _fix(prefix)
    _whole(prefix, "1.0")
    assert not journal_path(prefix).exists()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_a_rebuild_killed_while_pip_writes_is_finished_by_the_next(
    at_one, pip_links, tmp_path, sig
):
    prefix = copy_prefix(at_one, tmp_path / "env")
    code, stderr = kill_when(
        tmp_path, _building(prefix), sig, "rebuild", "-p", str(prefix), "--yes"
    )
    if sig == signal.SIGINT:
        assert code == 130
        assert "is as it was before the rebuild" in _one_line(stderr, sig)
    else:
        _fix(prefix)
    _whole(prefix, "1.0")
    assert not prefix.with_name(prefix.name + ".condapip-old").exists()


def test_a_clean_killed_mid_delete_leaves_no_half_package_and_sweeps_its_trash(
    monkeypatch, tmp_path, tmp_path_factory
):
    """A big conda package in rattler's cache, no env linking it: clean deletes it."""

    cache = tmp_path / "rattler-cache"
    monkeypatch.setenv("RATTLER_CACHE_DIR", str(cache))
    # clean frees condapip's wheel cache too: never the machine's, which other tests share
    monkeypatch.setenv("CONDAPIP_WHEEL_CACHE", str(tmp_path / "condapip-wheels"))
    chan = tmp_path / "big-channel"
    big = make_wheel(tmp_path / "clean-wheel", BIG, "1.0", modules=CLEAN_MODULES)
    host_channel(tmp_path_factory, [big], chan)
    yml = tmp_path / "environment.yml"
    yml.write_text(f"channels:\n  - {chan}\ndependencies:\n  - python\n  - {BIG}\n")
    prefix = tmp_path / "big"
    assert condapip("create", "-f", str(yml), "-p", str(prefix), "--yes").returncode == 0
    shutil.rmtree(prefix)  # no env links the package any more: clean may remove it
    pkgs = cache / "pkgs"
    [package] = [p for p in pkgs.iterdir() if p.name.startswith(f"{BIG}-") and p.is_dir()]

    def deleting() -> bool:  # the big package renamed into a trash folder, being removed
        return any((t / package.name).is_dir() for t in pkgs.glob(".condapip-trash-*"))

    code, _ = kill_when(tmp_path, deleting, signal.SIGKILL, "clean", "--yes")
    assert code == -signal.SIGKILL
    assert not package.exists()  # gone whole, in one rename: never half there
    again = condapip("clean", "--yes")
    assert again.returncode == 0, again.stderr
    assert not list(pkgs.glob(".condapip-trash-*"))
    made = condapip("create", "-f", str(yml), "-p", str(prefix), "--yes")
    assert made.returncode == 0, made.stderr
    _doctor(prefix)
    ran = subprocess.run(
        [str(prefix / "bin" / "python"), "-c", f"import {BIG}.m{CLEAN_MODULES - 1}"], check=False
    )
    assert ran.returncode == 0


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_a_sync_killed_inside_pip_is_told_truly_and_its_fix_restores(
    at_one, pip_links, channel, tmp_path, sig
):
    prefix = copy_prefix(at_one, tmp_path / "env")
    yml = tmp_path / "environment.yml"
    yml.write_text(
        f"channels:\n  - {channel}\ndependencies:\n  - python\n  - pip\n  - alpha\n"
        f"  - pip:\n    - {BIG}==2.0\n"
    )
    args = ("sync", "-f", str(yml), "-p", str(prefix), "--yes")
    code, stderr = kill_when(tmp_path, _stash(prefix), sig, *args)
    _recovered(prefix, code, stderr, sig)
