"""Issue 22's benchmark: a three-platform lock of a mid-size environment file.

    python -m bench.lock [--repeat 3]

One local channel with linux-64, osx-arm64, win-64 and noarch subdirs (60
conda packages that depend on each other in a tree, python and pip; the
foreign subdirs are linux-64's repodata with the subdir changed, as in the
tests), and an environment.yml asking for 30 of them with ``platforms:
[linux-64, osx-arm64, win-64]``. Timed in one run, interleaved, each a fresh
process, with warm caches (one untimed run each first):

- ``condapip lock -f environment.yml`` (conda layer only: the same input as
  conda-lock's);
- ``conda-lock lock`` 4.0.3 (from PyPI) on the same file and channel, with
  the real conda as its solver (a two-line ``conda`` launcher runs
  ``python -m conda``, since a pip-installed conda has no other CLI), classic
  solver, offline;
- ``condapip lock -f`` of the same file plus a ``pip:`` section of 8 wheels
  from a find-links folder (what conda-lock's own pip path cannot read offline),
  for information.

The goal (issue 22): condapip at most 1/5 of conda-lock's time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench import harness

N_CONDA = 60
N_SPECS = 30
N_PIP = 8
PLATFORMS = ("linux-64", "osx-arm64", "win-64")
CONDARC = """\
solver: classic
offline: true
channels: []
default_channels: []
custom_channels: {{}}
auto_update_conda: false
report_errors: false
notify_outdated_conda: false
channel_priority: strict
pkgs_dirs: [{root}/conda-pkgs]
envs_dirs: [{root}/conda-envs]
"""


def build_inputs(root: Path) -> tuple[Path, Path]:
    """The channel and the two environment files (conda only; conda and pip)."""
    from condapip.channel_build.build import build_channel
    from condapip.commands.channel_build import bundled_pip_wheel
    from tests.lockworld import copy_to_subdir
    from tests.wheelmaker import make_wheel

    wheels = root / "conda-wheels"
    for i in range(N_CONDA):
        deps = [f"bench-pkg{i // 2}>=1.0"] if i else []  # a binary tree, 6 deep
        make_wheel(wheels, f"bench-pkg{i}", "1.0", deps)
    channel = root / "channel"
    build_channel([wheels, bundled_pip_wheel()], channel, host_python=True)
    for plat in PLATFORMS[1:]:
        copy_to_subdir(channel, plat)
    links = root / "find-links"
    for i in range(N_PIP):
        make_wheel(links, f"bench-wheel{i}", "1.0", [f"bench-pkg{i}>=1.0"])
    specs = ["python", "pip", *(f"bench-pkg{i}" for i in range(N_CONDA - N_SPECS, N_CONDA))]
    head = f"name: bench\nchannels:\n  - {channel.as_uri()}\nplatforms: [{', '.join(PLATFORMS)}]\n"
    deps = "dependencies:\n" + "".join(f"  - {s}\n" for s in specs)
    conda_only = root / "environment.yml"
    conda_only.write_text(head + deps)
    pip = "".join(f"    - bench-wheel{i}\n" for i in range(N_PIP))
    both = root / "both" / "environment.yml"
    both.parent.mkdir()
    both.write_text(head + deps + f"  - pip:\n    - --no-index\n    - --find-links {links}\n{pip}")
    return conda_only, both


def conda_launcher(root: Path) -> Path | None:
    """A ``conda`` executable for conda-lock: the real conda, however it is installed."""
    command = harness.conda_command()
    if command is None:
        return None
    launcher = root / "bin" / "conda"
    launcher.parent.mkdir()
    launcher.write_text("#!/bin/sh\nexec " + " ".join(command) + ' "$@"\n')
    launcher.chmod(0o755)
    return launcher


def conda_lock_tool(root: Path, file: Path) -> harness.Tool | None:
    exe = shutil.which("conda-lock") or str(Path(sys.executable).parent / "conda-lock")
    launcher = conda_launcher(root)
    if launcher is None or not Path(exe).exists():
        return None
    (root / "condarc").write_text(CONDARC.format(root=root))
    platforms = [a for p in PLATFORMS for a in ("-p", p)]
    argv = [exe, "lock", "--conda", str(launcher), "--no-mamba", "--no-micromamba"]
    argv += ["-f", str(file), *platforms, "--lockfile", str(root / "conda-lock.yml")]
    env = {"CONDARC": str(root / "condarc"), "HOME": str(root / "home")}
    return harness.Tool("conda-lock 4.0.3 (real conda, classic)", argv, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="condapip-bench-lock-"))
    try:
        conda_only, both = build_inputs(root)
        ours = harness.Tool(
            "condapip lock -f (conda layer)",
            harness.condapip("lock", "-f", str(conda_only), "-o", str(root / "ours.lock.yml")),
        )
        with_pip = harness.Tool(
            "condapip lock -f (conda + pip layers)",
            harness.condapip("lock", "-f", str(both), "-o", str(root / "both.lock.yml")),
        )
        theirs = conda_lock_tool(root, conda_only)
        tools = [ours, with_pip, *([theirs] if theirs else [])]
        os.environ["RATTLER_CACHE_DIR"] = str(root / "rattler-cache")
        results = harness.measure(tools, args.repeat, cwd=root)
        title = (
            f"three-platform lock of {N_SPECS + 2} specs ({N_CONDA + 3} packages in the "
            f"channel), {', '.join(PLATFORMS)}"
        )
        harness.print_results(title, results)
        if theirs is None:
            print("conda-lock or the real conda is not installed: no ratio")
            return
        ratio = harness.ratio(results[ours.label].median_ms, results[theirs.label].median_ms)
        met = "yes" if ratio != "—" and float(ratio) <= 0.2 else "**no**"
        print(
            f"\n| goal | ratio | target | met |\n|---|---:|---:|---|\n"
            f"| condapip lock -f / conda-lock | {ratio} | <= 0.2 | {met} |"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
