"""Issue 5's benchmark: ``condapip create -f environment.yml`` against the naive sequence.

    python -m bench.create [--repeat 3]

The environment.yml holds 11 conda packages (python, pip and ten that depend
on each other) from a local channel, and 3 pip packages from local wheel
files. Timed, each into a fresh prefix: ``condapip create`` with pip, with
uv (when uv is installed), the naive sequence: rattler solve + install,
then a plain ``pip install`` through the new env's python, and, whenever the
real conda can run (``$CONDA_EXE``, ``python -m conda`` or PATH), ``conda
create`` offline on the same channel, then the same ``pip install``. The rattler cache is
warm for all (one untimed run each first).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import harness

CONDA = [(f"conda-pkg{i}", "1.0", [f"conda-pkg{i - 1}>=1.0"] if i else []) for i in range(10)]
PIP = [
    ("pip-local0", "0.1", ["conda-pkg9>=1.0"]),
    ("pip-local1", "0.1", []),
    ("pip-local2", "0.2", []),
]

_NAIVE = """
import asyncio, sys
import rattler
from condapip.ledger.platform import current_subdir
channel, prefix, *specs = sys.argv[1:]
records = asyncio.run(rattler.solve(
    sources=[rattler.Channel(channel)], specs=specs,
    platforms=[rattler.Platform(current_subdir()), rattler.Platform("noarch")],
    virtual_packages=rattler.VirtualPackage.detect(),
))
asyncio.run(rattler.install(records, target_prefix=prefix, execute_link_scripts=False))
import os
os._exit(0)  # py-rattler 0.28 may crash at interpreter exit, after the work is done
"""


def build_inputs(root: Path) -> tuple[Path, list[Path], Path]:
    """The local channel, the pip wheels, and the environment.yml naming both."""
    from condapip.channel_build.build import build_channel
    from condapip.commands.channel_build import bundled_pip_wheel
    from tests.wheelmaker import make_wheel

    conda_wheels = root / "conda-wheels"
    conda_wheels.mkdir()
    for name, version, requires in CONDA:
        make_wheel(conda_wheels, name, version, requires)
    channel = root / "channel"
    build_channel([conda_wheels, bundled_pip_wheel()], channel, host_python=True)
    pip_wheels = root / "pip-wheels"
    pip_wheels.mkdir()
    wheels = [make_wheel(pip_wheels, name, version, requires) for name, version, requires in PIP]
    conda_names = ["python", "pip", *(name for name, _, _ in CONDA)]
    lines = ["name: bench", "channels:", f"  - {channel.as_uri()}", "dependencies:"]
    lines += [f"  - {name}" for name in conda_names]
    lines += ["  - pip:"]
    lines += [f"    - {name} @ {w.as_uri()}" for (name, _, _), w in zip(PIP, wheels, strict=True)]
    env_file = root / "environment.yml"
    env_file.write_text("\n".join(lines) + "\n")
    return channel, wheels, env_file


Commands = Callable[[Path], list[list[str]]]


def main() -> None:
    args = _args()
    with tempfile.TemporaryDirectory(prefix="condapip-bench-create-") as tmp:
        root = Path(tmp)
        channel, wheels, env_file = build_inputs(root)
        env = _env(root)
        variants = _variants(root, channel, wheels, env_file, env)
        times = _time(root, variants, env, args.repeat)
    medians = {label: statistics.median(ts) * 1000 for label, ts in times.items()}
    print(f"\ncreate ({harness.machine()}), median of {args.repeat} runs:\n")
    print("| command | wall ms |")
    print("|---|---:|")
    for label, ms in medians.items():
        print(f"| {label} | {ms:.0f} |")
    naive_ms = medians[NAIVE]
    for label in ("condapip create (pip)", "condapip create (uv)"):
        if label in medians:
            print(f"{label} / naive: {medians[label] / naive_ms:.2f} (issue 5 aim for uv: <= 1)")
    if CONDA_THEN_PIP in medians:
        ratio = medians["condapip create (pip)"] / medians[CONDA_THEN_PIP]
        print(f"condapip create (pip) / {CONDA_THEN_PIP}: {ratio:.2f}")


NAIVE = "naive: rattler create, then pip install"
CONDA_THEN_PIP = "conda create, then pip install"


def _env(root: Path) -> dict[str, str]:
    env = harness.bench_env()
    env["RATTLER_CACHE_DIR"] = str(root / "rattler-cache")
    env["PIP_NO_INDEX"] = "1"
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    # conda and condapip both register new envs in ~/.conda/environments.txt
    env["XDG_CACHE_HOME"] = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    env["HOME"] = str(root / "home")
    condarc = root / "conda-config" / "condarc"  # conda reads $CONDARC only so named
    condarc.parent.mkdir()
    condarc.write_text(
        "solver: classic\noffline: true\nchannels: []\ndefault_channels: []\n"
        "auto_update_conda: false\nnotify_outdated_conda: false\nchannel_priority: strict\n"
        f"pkgs_dirs: [{root / 'conda-pkgs'}]\nenvs_dirs: [{root / 'conda-envs'}]\n"
    )
    env["CONDARC"] = str(condarc)
    return env


def _variants(
    root: Path, channel: Path, wheels: list[Path], env_file: Path, env: dict[str, str]
) -> dict[str, Commands]:
    specs = ["python", "pip", *(name for name, _, _ in CONDA)]

    def pip_install(target: Path) -> list[str]:
        python = str(target / "bin" / "python")
        return [python, "-m", "pip", "install", "--no-index", *(str(w) for w in wheels)]

    def naive(target: Path) -> list[list[str]]:
        rattler = [sys.executable, "-c", _NAIVE, channel.as_uri(), str(target), *specs]
        return [rattler, pip_install(target)]

    def create(*extra: str) -> Commands:
        return lambda t: [
            harness.condapip("create", "-f", str(env_file), "-p", str(t), "--yes", *extra)
        ]

    variants: dict[str, Commands] = {"condapip create (pip)": create(), NAIVE: naive}
    if shutil.which("uv", path=env["PATH"]):
        variants["condapip create (uv)"] = create("--pip-engine", "uv")
    else:
        print("uv is not installed: the uv row is left out (pip install '.[bench]')")
    conda = harness.conda_command()
    if conda is None:
        print(harness.NO_CONDA)
        return variants

    def conda_then_pip(target: Path) -> list[list[str]]:
        create = [*conda, "create", "-y", "-q", "-p", str(target), "-c", channel.as_uri()]
        return [[*create, *specs], pip_install(target)]

    variants[CONDA_THEN_PIP] = conda_then_pip
    return variants


def _time(
    root: Path, variants: dict[str, Commands], env: dict[str, str], repeat: int
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {label: [] for label in variants}
    for run in range(repeat + 1):  # run 0 warms the caches and is not counted
        for label, commands in variants.items():
            target = root / f"env-{len(times[label])}-{run}-{abs(hash(label))}"
            start = time.perf_counter()
            for argv in commands(target):
                proc = subprocess.run(argv, capture_output=True, env=env, check=False)
                if proc.returncode != 0:
                    raise SystemExit(
                        f"{label} failed: {(proc.stderr or proc.stdout).decode()[-2000:]}"
                    )
            elapsed = time.perf_counter() - start
            if run:
                times[label].append(elapsed)
            shutil.rmtree(target, ignore_errors=True)
    return times


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed creates of each kind")
    return parser.parse_args()


if __name__ == "__main__":
    main()
