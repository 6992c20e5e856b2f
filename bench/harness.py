"""Timing commands as a user runs them: each one a fresh process, median of several runs.

Runs are interleaved (every tool once per round) so that a burst of load on
the machine hits all tools alike. Besides wall time, the children's CPU time
(user + sys) is kept: on a busy machine it is the steadier of the two.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.synthetic import site_packages


@dataclass(frozen=True)
class Tool:
    label: str
    argv: Sequence[str]
    ok: tuple[int, ...] = (0,)
    env: Mapping[str, str] = field(default_factory=dict)  # on top of bench_env()
    before: Callable[[], None] | None = None  # before each run, untimed


@dataclass
class Timing:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.wall) * 1000 if self.wall else None

    @property
    def cpu_ms(self) -> float | None:
        return statistics.median(self.cpu) * 1000 if self.cpu else None


def bench_env() -> dict[str, str]:
    env = dict(os.environ)
    # Users' interpreters cache bytecode; a dev shell that turns it off would
    # make every Python tool here recompile itself on each run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"  # pip would ask the network otherwise
    env["PIP_NO_INPUT"] = "1"
    return env


def measure(tools: Sequence[Tool], repeat: int, *, cwd: Path | None = None) -> dict[str, Timing]:
    base = bench_env()
    envs = {t.label: {**base, **t.env} for t in tools}
    out = {t.label: Timing() for t in tools}
    for tool in tools:  # warm-up: fills caches, writes bytecode, and checks it works
        if tool.before is not None:
            tool.before()
        proc = subprocess.run(
            tool.argv, capture_output=True, env=envs[tool.label], cwd=cwd, check=False
        )
        if proc.returncode not in tool.ok:
            text = (proc.stderr or proc.stdout).decode(errors="replace").strip().splitlines()
            out[tool.label].error = f"exit {proc.returncode}: {text[-1] if text else ''}"
    live = [t for t in tools if out[t.label].error is None]
    for _ in range(repeat):
        for tool in live:
            if tool.before is not None:
                tool.before()
            wall, cpu = _run_once(tool.argv, envs[tool.label], cwd)
            out[tool.label].wall.append(wall)
            out[tool.label].cpu.append(cpu)
    return out


def _run_once(argv: Sequence[str], env: dict[str, str], cwd: Path | None) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


# -- the commands ---------------------------------------------------------


def condapip(*args: str) -> list[str]:
    script = Path(sys.executable).parent / "condapip"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "condapip", *args]


def cold_memo(label: str, argv: Sequence[str], cache: Path) -> Tool:
    """``argv`` with an empty memo every run: what doctor costs on a new or changed env.

    condapip keeps the memo (``condapip.support.memo``) in platformdirs' user cache,
    which follows XDG_CACHE_HOME on Linux; the cache is emptied before each
    run, so the run computes every answer and writes the memo as a first run does.
    """
    return Tool(
        label,
        argv,
        ok=(0, 1),
        env={"XDG_CACHE_HOME": str(cache)},
        before=lambda: shutil.rmtree(cache, ignore_errors=True),
    )


def env_python(prefix: Path) -> str:
    return str(prefix / "bin" / "python")


def pip_list(prefix: Path) -> Tool:
    sp = str(site_packages(prefix))
    return Tool("pip list --path SP", [env_python(prefix), "-m", "pip", "list", "--path", sp])


def pip_check(prefix: Path) -> Tool:
    return Tool("pip check (env's python)", [env_python(prefix), "-m", "pip", "check"])


def pip_freeze(prefix: Path) -> Tool:
    return Tool("pip freeze (env's python)", [env_python(prefix), "-m", "pip", "freeze"])


def pipdeptree(prefix: Path) -> Tool | None:
    exe = _which("pipdeptree")
    if exe is None:
        return None
    return Tool(
        "pipdeptree --warn fail", [exe, "--warn", "fail", "--path", str(site_packages(prefix))]
    )


def conda_command() -> list[str] | None:
    """The real conda as condapip's ``--engine conda`` runs it: ``$CONDA_EXE``, the
    conda importable here (``python -m conda``), or ``conda`` on PATH."""
    from condapip.change.engines import launcher

    return launcher("conda")


# offline: conda doctor's requests-ca-bundle check would otherwise ask the network
CONDA_ENV = {"CONDA_OFFLINE": "true"}


def conda_tools(prefix: Path) -> list[Tool]:
    """conda's own commands, measured here whenever a conda can run; none otherwise."""
    conda = conda_command()
    if conda is None:
        return []
    p = str(prefix)
    return [
        Tool("conda list", [*conda, "list", "-p", p], env=CONDA_ENV),
        Tool("conda env export", [*conda, "env", "export", "-p", p], env=CONDA_ENV),
        # conda doctor exits non-zero when it has findings; its time still counts.
        Tool("conda doctor", [*conda, "doctor", "-p", p], ok=(0, 1), env=CONDA_ENV),
    ]


NO_CONDA = (
    "no conda here, so no conda rows and no conda ratios: install the real conda "
    "(../shared/conda/README.md) to measure them"
)


_JSON_FLOOR = """
import json, os, sys
d = os.path.join(sys.argv[1], "conda-meta")
for name in os.listdir(d):
    if name.endswith(".json"):
        with open(os.path.join(d, name), "rb") as fh:
            json.load(fh)
"""

_METADATA_FLOOR = """
import sys
from importlib.metadata import distributions
for dist in distributions(path=[sys.argv[1]]):
    dist.metadata["Name"]
"""


def json_floor(prefix: Path) -> Tool:
    return Tool("floor: json.load conda-meta", [sys.executable, "-c", _JSON_FLOOR, str(prefix)])


def metadata_floor(prefix: Path) -> Tool:
    return Tool(
        "floor: importlib.metadata Name",
        [sys.executable, "-c", _METADATA_FLOOR, str(site_packages(prefix))],
    )


def sha256_floor(prefix: Path, file_list: Path) -> Tool:
    """``sha256sum`` over every file the conda records hash, one process at a time."""
    return Tool("floor: sha256sum every file", ["xargs", "-0", "-a", str(file_list), "sha256sum"])


def _which(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


# -- printing ---------------------------------------------------------------


def fmt_ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.2f}"


def machine() -> str:
    import platform

    return f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def print_results(title: str, results: dict[str, Timing]) -> None:
    print(f"\n{title} ({machine()}), median of {_runs(results)} runs:\n")
    print("| command | wall ms | cpu ms |")
    print("|---|---:|---:|")
    for label, t in results.items():
        if t.error:
            print(f"| {label} | failed: {t.error} | |")
        else:
            print(f"| {label} | {fmt_ms(t.median_ms)} | {fmt_ms(t.cpu_ms)} |")
    print()


def _runs(results: dict[str, Timing]) -> int:
    return max((len(t.wall) for t in results.values()), default=0)


def prefix_args(doc: str | None) -> argparse.Namespace:
    """The options every per-verb benchmark takes: the prefix size and the repeats."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="conda records in the prefix")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each command")
    return parser.parse_args()
