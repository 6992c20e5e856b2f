"""What the tests run and inspect, shared by every module: prefixes made as
``create`` makes them, pip and condapip run as a user runs them, a kill at a
journal phase, and digests that prove nothing changed. Fixtures stay in conftest."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from condapip.channel_build.build import build_channel
from tests.wheelmaker import make_wheel

_XDG = {
    "XDG_CONFIG_HOME": ".config",
    "XDG_CACHE_HOME": ".cache",
    "XDG_DATA_HOME": ".local/share",
    "XDG_STATE_HOME": ".local/state",
}


ACTIVE = ("CONDA_PREFIX", "CONDA_ROOT", "MAMBA_ROOT_PREFIX", "CONDA_EXE", "CONDA_ENVS_PATH")


def isolation(root: Path) -> dict[str, str]:
    """No user config leaks in: condarc, pip config and indexes; a private HOME
    (conda and condapip both write ~/.conda/environments.txt) and XDG under ``root``."""
    home = root / "home"
    return {
        "CONDARC": str(root / "condarc-unused"),
        "HOME": str(home),
        **{var: str(home / folder) for var, folder in _XDG.items()},
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


def isolated_env(root: Path, **extra: str) -> dict[str, str]:
    """A test's isolation as a whole environment, for a module or session fixture's
    own runs (those fixtures run before any test's isolation)."""
    env = {k: v for k, v in os.environ.items() if k not in ACTIVE}
    return {**env, **isolation(root), **extra}


def make_prefix(
    prefix: Path, channel: Path, specs: Sequence[str], argv: Sequence[str] = ("condapip", "create")
) -> Path:
    """A prefix as ``create`` makes it: rattler solves ``specs`` from ``channel`` and links."""
    from condapip.change import conda_layer
    from condapip.change.engines.rattler import RattlerEngine

    engine = RattlerEngine(progress=False)
    pkgs = conda_layer.solve(engine, prefix, [str(channel)], list(specs))
    conda_layer.apply(engine, prefix, pkgs, list(specs), argv=list(argv))
    return prefix


def once_per_run(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object]
) -> Path:
    """A read-only folder built once for all of this run's xdist workers: the first
    to ask builds it under a lock, the others wait and reuse it (each worker's own
    session fixture would build it again, 8 CPU-seconds for the real channel)."""
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    # under xdist each worker's basetemp sits in the run's own folder
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    out = root / name
    with FileLock(f"{out}.lock"):
        if not (root / f"{name}.done").exists():
            out.mkdir(exist_ok=True)  # empty, as ``mktemp`` gives a fixture its folder
            build(out)
            (root / f"{name}.done").touch()
    return out


def host_channel(
    tmp_path_factory: pytest.TempPathFactory, wheels: Sequence[Path], out: Path
) -> Path:
    """``channel build WHEELS --host-python`` into ``out``, its python, python_abi and pip
    copied from one such build made once per run: the same files every time (a build of
    them is 2 s of CPU, most of it pip's bytecode), so rattler extracts them once."""
    from condapip.channel_build.build import index_channel
    from condapip.commands.channel_build import bundled_pip_wheel
    from condapip.ledger.platform import current_subdir

    host = once_per_run(
        tmp_path_factory,
        "host-packages",
        lambda folder: build_channel([bundled_pip_wheel()], folder, host_python=True),
    )
    if wheels:
        build_channel(wheels, out)
    subdir = out / current_subdir()
    subdir.mkdir(parents=True, exist_ok=True)
    for package in (host / current_subdir()).glob("*.conda"):
        shutil.copy2(package, subdir)
    index_channel(out)
    return out


def purl_channel(folder: Path, records: Mapping[str, Mapping[str, object]]) -> Path:
    """``folder/chan``: one noarch package 1.0 for each name in ``records``, built from a
    wheel, its repodata entry then given that record's fields (e.g. ``purls``, which
    say which PyPI project a package is, as conda-forge's repodata does)."""
    wheels = folder / "wheels"
    for name in records:
        make_wheel(wheels, name, "1.0")
    chan = folder / "chan"
    build_channel([wheels], chan)
    repodata = chan / "noarch" / "repodata.json"
    data = json.loads(repodata.read_text())
    for record in data["packages.conda"].values():
        record.update(records[record["name"]])
    repodata.write_text(json.dumps(data))
    return chan


def site_packages(prefix: Path) -> Path:
    return next((prefix / "lib").glob("python3*/site-packages"))


def pip(
    prefix: Path, *args: str, find_links: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Real pip, as a user runs it: the env's own interpreter, no condapip involved."""
    cmd = [str(prefix / "bin" / "python"), "-m", "pip", *args]
    if find_links is not None:
        cmd = [*cmd, "--isolated", "--no-index", "--find-links", str(find_links)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def condapip(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, process: bool = False
) -> subprocess.CompletedProcess[str]:
    """``condapip ARGS``: its exit code, stdout and stderr.

    In this process (``tests.inprocess``: the same parse, run and rendering, without a
    Python start, about 0.3 s of CPU each) unless ``process`` or ``env`` asks for the
    installed CLI in a subprocess, exactly as a user runs it: the tests of ``__main__``'s
    fast path, ``os._exit``, signals, locks held by another process and the streams.
    """
    if not process and env is None:
        from tests.inprocess import run_cli

        return run_cli(*args, cwd=cwd)
    return subprocess.run(
        [sys.executable, "-m", "condapip", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=cwd,
    )


def condapip_process(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``condapip ARGS`` as a process, for tests of what only the process does: ``__main__``'s
    fast path and exit, the redaction of its streams, the scrub of rattler's cache at exit."""
    return condapip(*args, env=env, cwd=cwd, process=True)


def kill_at(tmp_path: Path, phase: str, *args: str) -> None:
    """Run ``condapip ARGS`` and kill -9 it the moment it enters ``phase``.

    condapip's journal writes the phase to a fifo first (CONDAPIP_TEST_PAUSE_AT,
    change/journal.py) and then waits: no timing, no polling.
    """
    from condapip.change import journal

    fifo = tmp_path / f"pause-{phase}-{len(list(tmp_path.glob('pause-*')))}"
    os.mkfifo(fifo)
    # Read and write ends held here: neither side of the fifo ever blocks on open.
    reader = os.open(fifo, os.O_RDWR)
    env = {**os.environ, journal.PAUSE_AT_ENV: phase, journal.PAUSE_FIFO_ENV: str(fifo)}
    log = fifo.with_suffix(".stderr")
    with log.open("w") as err:  # a file, not a pipe: condapip never blocks on its stderr
        proc = subprocess.Popen(
            [sys.executable, "-m", "condapip", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )

    def ended() -> None:  # if condapip ends without reaching the phase, say so
        proc.wait()
        os.write(reader, b"exited\n")

    watcher = threading.Thread(target=ended)
    watcher.start()
    with os.fdopen(reader, "r") as fh:
        said = fh.readline().strip()
        if said == phase:
            os.kill(proc.pid, signal.SIGKILL)
        watcher.join()
    assert said == phase, f"condapip ended before {phase}: {log.read_text()}"
    assert proc.returncode == -signal.SIGKILL


def write_envfile(
    folder: Path, channel: Path | str, conda: list[str], pip_lines: list[str]
) -> Path:
    """``folder/environment.yml``: the channel, the conda specs, then a ``pip:`` list."""
    deps = "".join(f"  - {c}\n" for c in conda)
    if pip_lines:
        deps += "  - pip:\n" + "".join(f"    - {line}\n" for line in pip_lines)
    path = folder / "environment.yml"
    path.write_text(f"channels:\n  - {channel}\ndependencies:\n{deps}")
    return path


def tree_digest(root: Path) -> dict[str, str]:
    """Every file's content hash and every link's target: to prove nothing changed
    (bytecode aside: Python writes it wherever it imports, no tool's change)."""
    import hashlib

    out = {}
    for folder, dirs, files in os.walk(root):
        at = Path(folder).relative_to(root)
        dirs[:] = [d for d in dirs if d != "__pycache__"]  # never walked into
        for name in [*dirs, *files]:
            path = os.path.join(folder, name)
            rel = (at / name).as_posix()
            if os.path.islink(path):
                out[rel] = "->" + os.readlink(path)
            elif os.path.isfile(path):
                with open(path, "rb") as fh:
                    out[rel] = hashlib.sha256(fh.read()).hexdigest()
            else:
                out[rel] = "dir"
    return out


def uv_executable() -> str | None:
    """uv on PATH, or beside this interpreter (the test extra installs it into the venv)."""
    beside = Path(sys.executable).parent / "uv"
    return shutil.which("uv") or (str(beside) if beside.exists() else None)


def conda(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    """The real conda, as ``python -m conda`` (a pip-installed conda has no other CLI)."""
    proc = subprocess.run(
        [sys.executable, "-m", "conda", *args], capture_output=True, text=True, check=False
    )
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def copy_prefix(source: Path, dest: Path) -> Path:
    """A private copy, to change as a test likes. A file the source shares with rattler's
    cache is linked again, as rattler links it (tests replace such files, never edit
    them in place); every other file is copied. Copying them all wrote 17 MB per copy."""
    shutil.copytree(source, dest, symlinks=True, copy_function=_link_if_shared)
    return dest


def _link_if_shared(source: str, dest: str) -> None:
    if os.stat(source).st_nlink > 1:
        os.link(source, dest)
    else:
        shutil.copy2(source, dest)
