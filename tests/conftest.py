"""Real conda prefixes, made offline: synthetic wheels -> a local channel ->
rattler installs -> real pip changes them. Nothing here hand-writes conda-meta.
"""

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
from condapip.commands.channel_build import bundled_pip_wheel
from condapip.demo.wheels import cache_dir as wheel_cache_dir
from tests.wheelmaker import make_wheel

PY = f"{sys.version_info.major}.{sys.version_info.minor}"

# The real numpy/scipy wheels are downloaded once per machine: their cache is
# resolved here, before any test moves HOME and XDG_*, and handed to condapip
# (and to the demo's subprocesses) through the one variable it reads for it.
# Everything else a test writes lands in the test's own temporary folder.
os.environ.setdefault("CONDAPIP_WHEEL_CACHE", str(wheel_cache_dir()))
# Python writes bytecode on import, as on a user's machine, from the first
# fixture on (session fixtures run before any test's isolation): a CI image's
# PYTHONDONTWRITEBYTECODE would make every pip run compile pip anew.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
SLOW_FIXTURES = frozenset({"real_wheels", "real_channel", "broken_sci"})
CONDA_MISSING = (
    "needs the real conda importable beside condapip, and it is not: run the suite with "
    "conda's own Python (`conda activate base && pip install -e '.[test]' && python -m "
    "pytest -m conda`), or pip-install a conda wheel and its requirements into this venv "
    "(`pip install --no-deps conda-VERSION-py3-none-any.whl`, as .ci/run does)"
)

# (name, version, requires): the synthetic world the tests share.
SYNTHETIC = [
    ("alpha", "1.0", ["beta>=1.0"]),
    ("beta", "1.0", []),
    ("beta", "2.0", []),
    ("gamma", "0.5", ['beta<2; python_version < "3"']),
    ("delta", "1.0", ["beta>=2"]),  # pip-only: needs a beta conda does not have
    ("epsilon", "1.0", []),  # pip-only, no deps
    ("zeta", "1.0", ["alpha"]),  # conda package that depends on another
]
# What the conda channel holds; the rest exists only as wheels for pip.
CONDA_SIDE = {("alpha", "1.0"), ("beta", "1.0"), ("gamma", "0.5"), ("zeta", "1.0")}


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheelhouse")
    for name, version, requires in SYNTHETIC:
        make_wheel(out, name, version, requires)
    return out


@pytest.fixture(scope="session")
def channel(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:
    out = tmp_path_factory.mktemp("channel")
    conda_wheels = [wheelhouse / f"{n}-{v}-py3-none-any.whl" for n, v in sorted(CONDA_SIDE)] + [
        bundled_pip_wheel()
    ]
    build_channel(conda_wheels, out, host_python=True)
    return out


@pytest.fixture(scope="session")
def real_wheels():
    """The real wheels; a failed download fails the test (only the ``slow`` marker skips)."""
    from condapip.demo.wheels import real_wheels

    return real_wheels()


@pytest.fixture(scope="session")
def real_channel(tmp_path_factory: pytest.TempPathFactory, real_wheels) -> Path:
    out = tmp_path_factory.mktemp("real-channel")
    build_channel(
        [real_wheels.numpy1, real_wheels.scipy, bundled_pip_wheel()], out, host_python=True
    )
    return out


@pytest.fixture(scope="session", autouse=True)
def _rattler_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    # rattler hardlinks prefix files into its cache: a private cache per run
    # keeps tests that edit prefix files from corrupting the user's cache.
    os.environ["RATTLER_CACHE_DIR"] = str(tmp_path_factory.mktemp("rattler-cache"))


_XDG = {
    "XDG_CONFIG_HOME": ".config",
    "XDG_CACHE_HOME": ".cache",
    "XDG_DATA_HOME": ".local/share",
    "XDG_STATE_HOME": ".local/state",
}


_ACTIVE = ("CONDA_PREFIX", "CONDA_ROOT", "MAMBA_ROOT_PREFIX", "CONDA_EXE", "CONDA_ENVS_PATH")


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
    env = {k: v for k, v in os.environ.items() if k not in _ACTIVE}
    return {**env, **isolation(root), **extra}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user config leaks in, and no active environment."""
    for var in _ACTIVE:
        monkeypatch.delenv(var, raising=False)
    for var, value in isolation(tmp_path).items():
        monkeypatch.setenv(var, value)


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


CREATED_SPECS = ("python", "pip", "alpha")


@pytest.fixture(scope="session")
def created_env(tmp_path_factory: pytest.TempPathFactory, channel: Path) -> Path:
    """python, pip and alpha (with beta 1.0), as ``condapip create`` lays them.

    READ ONLY: one prefix per worker, shared by every module that asks for it.
    A test that changes a prefix takes its own (``copy_prefix`` or ``make_env``).
    """
    return make_prefix(tmp_path_factory.mktemp("created-env") / "env", channel, CREATED_SPECS)


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


def _site_packages(prefix: Path) -> Path:
    return next((prefix / "lib").glob("python3*/site-packages"))


@pytest.fixture(scope="session")
def pip_bytecode(tmp_path_factory: pytest.TempPathFactory, channel: Path, wheelhouse: Path) -> Path:
    """The site-packages of a prefix whose pip has run once, so its bytecode is written.

    A fresh prefix's first ``python -m pip`` compiles pip (about a second of
    CPU); a user pays it once, the tests would pay it in every prefix they make.
    """
    prefix = tmp_path_factory.mktemp("compiled-pip") / "env"
    make_prefix(prefix, channel, ["python", "pip"])
    # one run that resolves, reports (as condapip's dry runs ask) and installs
    proc = pip(prefix, "install", "--quiet", "--report", "-", "epsilon", find_links=wheelhouse)
    assert proc.returncode == 0, proc.stderr
    return _site_packages(prefix)


def lay_pip_bytecode(compiled: Path, prefix: Path) -> Path:
    """``prefix`` with pip's bytecode from ``compiled`` (a ``pip_bytecode`` site-packages).

    Every prefix links the same pip files from this worker's rattler cache
    (same size and mtime), so Python takes the bytecode as valid.
    """
    target = _site_packages(prefix)
    for cache in (compiled / "pip").rglob("__pycache__"):
        shutil.copytree(cache, target / cache.relative_to(compiled), dirs_exist_ok=True)
    return prefix


@pytest.fixture
def make_env(tmp_path: Path, channel: Path, pip_bytecode: Path) -> Callable[..., Path]:
    """Create a prefix from the synthetic channel with rattler, as `create` would
    (pip's bytecode laid in, as its first run would write it)."""

    def _make(
        specs: Sequence[str] = ("python", "pip", "alpha"),
        name: str = "env",
        chan: Path | None = None,
    ) -> Path:
        prefix = make_prefix(tmp_path / name, chan or channel, specs)
        # another channel's pip is another build (other mtimes): its bytecode would not hold
        return lay_pip_bytecode(pip_bytecode, prefix) if chan is None and "pip" in specs else prefix

    return _make


def pip(
    prefix: Path, *args: str, find_links: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Real pip, as a user runs it: the env's own interpreter, no condapip involved."""
    cmd = [str(prefix / "bin" / "python"), "-m", "pip", *args]
    if find_links is not None:
        cmd = [*cmd, "--isolated", "--no-index", "--find-links", str(find_links)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def condapip(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed CLI in a subprocess, exactly as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "condapip", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=cwd,
    )


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


def write_envfile(folder: Path, channel: Path, conda: list[str], pip_lines: list[str]) -> Path:
    """``folder/environment.yml``: the channel, the conda specs, then a ``pip:`` list."""
    deps = "".join(f"  - {c}\n" for c in conda)
    if pip_lines:
        deps += "  - pip:\n" + "".join(f"    - {line}\n" for line in pip_lines)
    path = folder / "environment.yml"
    path.write_text(f"channels:\n  - {channel}\ndependencies:\n{deps}")
    return path


def tree_digest(root: Path) -> dict[str, str]:
    """Every file's content hash and every link's target: to prove nothing changed
    (bytecode aside: Python writes it wherever it imports)."""
    import hashlib

    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if "__pycache__" in p.parts:
            continue  # Python writes bytecode on import: no tool's change
        if p.is_symlink():
            out[rel] = "->" + os.readlink(p)
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


# --- shared by the install/create/rebuild/transaction tests ------------------------


def uv_executable() -> str | None:
    """uv on PATH, or beside this interpreter (the test extra installs it into the venv)."""
    beside = Path(sys.executable).parent / "uv"
    return shutil.which("uv") or (str(beside) if beside.exists() else None)


@pytest.fixture(params=["pip", "uv"])
def pip_engine(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> str:
    """A pip-layer test runs with pip, and with uv where uv is installed."""
    if request.param == "uv":
        uv = uv_executable()
        if uv is None:
            pytest.skip("uv is not installed")
        monkeypatch.setenv("PATH", f"{Path(uv).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        # uv has no environment variable for --no-index; its config file has.
        config = tmp_path / "uv.toml"
        config.write_text("[pip]\nno-index = true\n")
        monkeypatch.setenv("UV_CONFIG_FILE", str(config))
    return request.param


@pytest.fixture
def find_links(monkeypatch: pytest.MonkeyPatch, wheelhouse: Path) -> Path:
    """Where pip and uv find wheels, set the way a user sets it: in the environment."""
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse))
    monkeypatch.setenv("UV_FIND_LINKS", str(wheelhouse))
    return wheelhouse


# --- the real conda (tests marked ``conda``) ---------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skips only under an explicit marker, each with its reason (``-rs`` prints them)."""
    from importlib.util import find_spec

    unmarked = [
        item.nodeid
        for item in items
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("slow") is None
    ]
    if unmarked:
        raise pytest.UsageError(f"needs the real wheels but is not marked slow: {unmarked}")
    no_pair = _no_wheel_pair()
    has_conda = find_spec("conda") is not None and find_spec("conda.cli") is not None
    for item in items:
        # markers, not keywords: a parameter id such as `conda` is a keyword too
        marks = "+".join(m for m in ("conda", "slow") if item.get_closest_marker(m))
        if marks:
            item.user_properties.append(("marks", marks))
        if no_pair and item.get_closest_marker("slow") is not None:
            item.add_marker(pytest.mark.skip(reason=no_pair))
        if not has_conda and item.get_closest_marker("conda") is not None:
            item.add_marker(pytest.mark.skip(reason=CONDA_MISSING))


def _no_wheel_pair() -> str | None:
    """Why the numpy/scipy story cannot run on this interpreter, if it cannot."""
    from condapip.demo.wheels import has_wheel_pair

    if has_wheel_pair():
        return None
    return f"no numpy 1.x/scipy wheel pair exists for CPython {PY}: run under 3.10 to 3.12"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """With CONDAPIP_MARKED_LOG set (``.ci/run`` sets it), record how each test marked
    ``slow`` or ``conda`` ended: ``OUTCOME MARKERS NODEID``, markers joined by ``+``."""
    log = os.environ.get("CONDAPIP_MARKED_LOG")
    marks = dict(report.user_properties).get("marks")
    # under xdist the controller sees every worker's report: it alone writes
    in_worker = "PYTEST_XDIST_WORKER" in os.environ
    if log and marks and not in_worker and (report.when == "call" or report.skipped):
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{report.outcome} {marks} {report.nodeid}\n")


@pytest.fixture
def condarc(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """conda offline, classic solver, its package cache and envs in the test's folder.

    conda reads ``$CONDARC`` only from a file named ``condarc`` (or ``*.yml``).
    """
    path = tmp_path / "conda-config" / "condarc"
    path.parent.mkdir()
    path.write_text(
        "solver: classic\noffline: true\nchannels: []\ndefault_channels: []\n"
        "custom_channels: {}\nauto_update_conda: false\nreport_errors: false\n"
        "notify_outdated_conda: false\nchannel_priority: strict\n"
        f"pkgs_dirs: [{tmp_path / 'conda-pkgs'}]\nenvs_dirs: [{tmp_path / 'conda-envs'}]\n"
    )
    monkeypatch.setenv("CONDARC", str(path))
    return path


def conda(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    """The real conda, as ``python -m conda`` (a pip-installed conda has no other CLI)."""
    proc = subprocess.run(
        [sys.executable, "-m", "conda", *args], capture_output=True, text=True, check=False
    )
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="session")
def broken_sci(tmp_path_factory: pytest.TempPathFactory, real_channel: Path, real_wheels) -> Path:
    """The seed's breakage, made once: conda numpy 1.x and scipy, then pip's numpy 2.x
    over them. Tests change only their own copy (``copy_prefix``)."""
    prefix = tmp_path_factory.mktemp("broken") / "sci"
    specs = ["python", "pip", "numpy", "scipy"]
    make_prefix(prefix, real_channel, specs, argv=("conda", "create"))
    wheels = tmp_path_factory.mktemp("numpy2")
    (wheels / real_wheels.numpy2.name).symlink_to(real_wheels.numpy2)
    proc = pip(prefix, "install", "numpy>=2", find_links=wheels)
    assert proc.returncode == 0, proc.stderr
    return prefix


def copy_prefix(source: Path, dest: Path) -> Path:
    """A private copy (no hardlinks into rattler's cache), to change as a test likes."""
    shutil.copytree(source, dest, symlinks=True)
    return dest
