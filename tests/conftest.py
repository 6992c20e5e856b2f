"""Real conda prefixes, made offline: synthetic wheels -> a local channel ->
rattler installs -> real pip changes them. Nothing here hand-writes conda-meta.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from condapip.demo.wheels import cache_dir as wheel_cache_dir
from tests.helpers import (
    ACTIVE,
    condapip,
    copy_prefix,
    host_channel,
    isolated_env,
    isolation,
    make_prefix,
    once_per_run,
    pip,
    uv_executable,
)
from tests.wheelmaker import make_wheel

PY = f"{sys.version_info.major}.{sys.version_info.minor}"

# The real numpy/scipy wheels are downloaded once per machine: their cache is
# resolved here, before any test moves HOME and XDG_*, and handed to condapip
# (and to the demo's subprocesses) through the one variable it reads for it.
# Everything else a test writes lands in the test's own temporary folder.
os.environ.setdefault("CONDAPIP_WHEEL_CACHE", str(wheel_cache_dir()))
# Python writes bytecode on import, as on a user's machine, from the first
# fixture on (session fixtures run before any test's isolation): a CI image's
# PYTHONDONTWRITEBYTECODE hid that the demo's no-change proof hashed __pycache__.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
SLOW_FIXTURES = frozenset({"real_wheels", "real_channel", "healthy_sci", "broken_sci"})
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
    def build(out: Path) -> None:
        for name, version, requires in SYNTHETIC:
            make_wheel(out, name, version, requires)

    return once_per_run(tmp_path_factory, "wheelhouse", build)


@pytest.fixture(scope="session")
def channel(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:
    """The synthetic conda side and the host's python and pip, one channel for the run."""
    conda_wheels = [wheelhouse / f"{n}-{v}-py3-none-any.whl" for n, v in sorted(CONDA_SIDE)]
    return once_per_run(
        tmp_path_factory, "channel", lambda out: host_channel(tmp_path_factory, conda_wheels, out)
    )


@pytest.fixture(scope="session")
def real_wheels():
    """The real wheels; a failed download fails the test (only the ``slow`` marker skips)."""
    from condapip.demo.wheels import real_wheels

    return real_wheels()


@pytest.fixture(scope="session")
def real_channel(tmp_path_factory: pytest.TempPathFactory, real_wheels) -> Path:
    wheels = [real_wheels.numpy1, real_wheels.scipy]
    return once_per_run(
        tmp_path_factory,
        "real-channel",
        lambda out: host_channel(tmp_path_factory, wheels, out),
    )


@pytest.fixture(scope="session", autouse=True)
def _rattler_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    # rattler hardlinks prefix files into its cache: a private cache per run
    # keeps tests that edit prefix files from corrupting the user's cache.
    os.environ["RATTLER_CACHE_DIR"] = str(tmp_path_factory.mktemp("rattler-cache"))


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user config leaks in, and no active environment."""
    for var in ACTIVE:
        monkeypatch.delenv(var, raising=False)
    for var, value in isolation(tmp_path).items():
        monkeypatch.setenv(var, value)


CREATED_SPECS = ("python", "pip", "alpha")


@pytest.fixture(scope="session")
def created_env(tmp_path_factory: pytest.TempPathFactory, channel: Path) -> Path:
    """python, pip and alpha (with beta 1.0), as ``condapip create`` lays them.

    READ ONLY: one prefix per worker, shared by every module that asks for it.
    A test that changes a prefix takes its own (``copy_prefix`` or ``make_env``).
    """
    return make_prefix(tmp_path_factory.mktemp("created-env") / "env", channel, CREATED_SPECS)


@pytest.fixture
def make_env(tmp_path: Path, channel: Path) -> Callable[..., Path]:
    """Create a prefix from the synthetic channel with rattler, as `create` would."""

    def _make(
        specs: Sequence[str] = ("python", "pip", "alpha"),
        name: str = "env",
        chan: Path | None = None,
    ) -> Path:
        return make_prefix(tmp_path / name, chan or channel, specs)

    return _make


# --- shared by the install/create/rebuild/transaction tests ------------------------


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


@pytest.fixture(scope="session")
def healthy_sci(tmp_path_factory: pytest.TempPathFactory, real_channel: Path) -> Path:
    """conda's numpy 1.x and scipy, linked once per run. READ ONLY: a test that
    changes it, or runs its Python (which writes bytecode), takes a ``copy_prefix``."""
    specs = ["python", "pip", "numpy", "scipy"]
    return (
        once_per_run(
            tmp_path_factory,
            "healthy-sci",
            lambda out: make_prefix(out / "sci", real_channel, specs, ("conda", "create")),
        )
        / "sci"
    )


@pytest.fixture(scope="session")
def broken_sci(tmp_path_factory: pytest.TempPathFactory, healthy_sci: Path, real_wheels) -> Path:
    """The seed's breakage, made once: ``healthy_sci``, then pip's numpy 2.x over it.
    Tests change only their own copy (``copy_prefix``)."""

    def build(out: Path) -> None:
        prefix = copy_prefix(healthy_sci, out / "sci")
        wheels = out / "numpy2"
        wheels.mkdir()
        (wheels / real_wheels.numpy2.name).symlink_to(real_wheels.numpy2)
        proc = pip(prefix, "install", "numpy>=2", find_links=wheels)
        assert proc.returncode == 0, proc.stderr

    return once_per_run(tmp_path_factory, "broken", build) / "sci"


@pytest.fixture(scope="session")
def bases(
    tmp_path_factory: pytest.TempPathFactory, channel: Path, wheelhouse: Path
) -> tuple[Path, Path]:
    """``(fresh, installed)``, made once per run and copied by the tests that change
    them: python, pip and alpha as ``make_env`` makes them, and a copy with epsilon
    installed by condapip, so with a snapshot to roll back to."""

    def build(root: Path) -> None:
        fresh = make_prefix(root / "fresh" / "env", channel, CREATED_SPECS)
        installed = copy_prefix(fresh, root / "installed" / "env")
        done = condapip(
            "install", "-p", str(installed), "-c", str(channel), "--yes", "epsilon",
            env=isolated_env(root, PIP_FIND_LINKS=str(wheelhouse)),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr

    root = once_per_run(tmp_path_factory, "bases", build)
    return root / "fresh" / "env", root / "installed" / "env"


@pytest.fixture
def fresh(bases: tuple[Path, Path]) -> Path:
    return bases[0]


@pytest.fixture
def installed(bases: tuple[Path, Path]) -> Path:
    return bases[1]


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: half again as many workers as CPUs. A test waits on pip, rattler
    and the disk for part of its time, and the extra worker fills it: on two CPUs,
    three workers leave neither idle (vmstat) through the whole run."""
    return max(2, (os.cpu_count() or 1) * 3 // 2)
