"""Real conda prefixes, made offline: synthetic wheels -> a local channel ->
rattler installs -> real pip changes them. Nothing here hand-writes conda-meta.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from condapip.channel_build.build import build_channel
from condapip.commands.channel_build import bundled_pip_wheel
from tests.wheelmaker import make_wheel

PY = f"{sys.version_info.major}.{sys.version_info.minor}"

# The user cache as it is before any test moves HOME: the real numpy/scipy
# wheels, pip's and uv's caches stay shared; everything else of HOME is private.
USER_CACHE = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
CONDA_MISSING = (
    "the real conda is not installed here; to run these tests: "
    "pip install --no-deps ../shared/conda/conda-26.7.1-py3-none-any.whl && "
    "pip install -r ../shared/conda/requirements.txt (see shared/conda/README.md)"
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
    from condapip.demo.wheels import real_wheels

    try:
        return real_wheels()
    except Exception as exc:  # an interpreter with no numpy 1.x wheels
        pytest.skip(str(exc))


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


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user config leaks in: condarc, active env, pip config and indexes."""
    for var in ("CONDA_PREFIX", "CONDA_ROOT", "MAMBA_ROOT_PREFIX", "CONDA_EXE", "CONDA_ENVS_PATH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CONDARC", str(tmp_path / "condarc-unused"))
    # a private HOME: conda and condapip both write ~/.conda/environments.txt
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", USER_CACHE)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")


@pytest.fixture
def make_env(tmp_path: Path, channel: Path) -> Callable[..., Path]:
    """Create a prefix from the synthetic channel with rattler, as `create` would."""
    from condapip.change import conda_layer
    from condapip.change.engines.rattler import RattlerEngine

    def _make(
        specs: Sequence[str] = ("python", "pip", "alpha"),
        name: str = "env",
        chan: Path | None = None,
    ) -> Path:
        prefix = tmp_path / name
        engine = RattlerEngine(progress=False)
        chans = [str(chan or channel)]
        pkgs = conda_layer.solve(engine, prefix, chans, list(specs))
        conda_layer.apply(engine, prefix, pkgs, list(specs), argv=["condapip", "create"])
        return prefix

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


def tree_digest(root: Path) -> dict[str, str]:
    """Every file's content hash and every link's target: to prove nothing changed."""
    import hashlib

    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
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
    from importlib.util import find_spec

    if find_spec("conda") is not None and find_spec("conda.cli") is not None:
        return
    skip = pytest.mark.skip(reason=CONDA_MISSING)
    for item in items:
        if item.get_closest_marker("conda") is not None:
            item.add_marker(skip)


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
    from condapip.change import conda_layer
    from condapip.change.engines.rattler import RattlerEngine

    prefix = tmp_path_factory.mktemp("broken") / "sci"
    specs = ["python", "pip", "numpy", "scipy"]
    engine = RattlerEngine(progress=False)
    pkgs = conda_layer.solve(engine, prefix, [str(real_channel)], specs)
    conda_layer.apply(engine, prefix, pkgs, specs, argv=["conda", "create"])
    wheels = tmp_path_factory.mktemp("numpy2")
    (wheels / real_wheels.numpy2.name).symlink_to(real_wheels.numpy2)
    proc = pip(prefix, "install", "numpy>=2", find_links=wheels)
    assert proc.returncode == 0, proc.stderr
    return prefix


def copy_prefix(source: Path, dest: Path) -> Path:
    """A private copy (no hardlinks into rattler's cache), to change as a test likes."""
    shutil.copytree(source, dest, symlinks=True)
    return dest
