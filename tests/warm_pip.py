"""pip's bytecode, compiled once per test process and laid into each new prefix.

A fresh prefix's first ``python -m pip`` compiles pip (about a second of CPU);
on a user's machine that happens once, on the first pip run. The tests make
hundreds of fresh prefixes, so they get pip's ``__pycache__`` from one prefix
that already ran it. Every prefix links the same pip files from rattler's
cache (same size and mtime), so Python takes the bytecode as valid, and
``tree_digest`` leaves ``__pycache__`` out of every comparison.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.conftest import pip


def _site_packages(prefix: Path) -> Path:
    return next((prefix / "lib").glob("python3*/site-packages"))


@functools.cache
def compiled_pip(root: Path, channel: Path, wheelhouse: Path) -> Path:
    """The site-packages of a prefix whose pip has run: its bytecode is written."""
    from condapip.change import conda_layer
    from condapip.change.engines.rattler import RattlerEngine

    prefix = root / "compiled-pip" / "env"
    specs = ["python", "pip"]
    engine = RattlerEngine(progress=False)
    solved = conda_layer.solve(engine, prefix, [str(channel)], specs)
    conda_layer.apply(engine, prefix, solved, specs, argv=["condapip", "create"])
    # one run that resolves, reports (as condapip's dry runs ask) and installs
    proc = pip(prefix, "install", "--quiet", "--report", "-", "epsilon", find_links=wheelhouse)
    assert proc.returncode == 0, proc.stderr
    return _site_packages(prefix)


def lay_bytecode(compiled: Path, prefix: Path) -> Path:
    """``prefix`` with pip's bytecode from ``compiled`` (a site-packages)."""
    target = _site_packages(prefix)
    for cache in (compiled / "pip").rglob("__pycache__"):
        shutil.copytree(cache, target / cache.relative_to(compiled), dirs_exist_ok=True)
    return prefix


def warm(make_env: Callable[..., Path], compiled: Path) -> Callable[..., Path]:
    """``make_env``, whose prefixes have pip compiled."""

    def _make(
        specs: Sequence[str] = ("python", "pip", "alpha"),
        name: str = "env",
        chan: Path | None = None,
    ) -> Path:
        prefix = make_env(specs, name=name, chan=chan)
        # another channel's pip is another build (other mtimes): its bytecode would not hold
        return lay_bytecode(compiled, prefix) if chan is None and "pip" in specs else prefix

    return _make
