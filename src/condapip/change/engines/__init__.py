"""The tools that change a prefix, each behind one small interface.

conda side: ``rattler`` (embedded, the default) or a ``conda``/``mamba``/
``micromamba`` executable. pip side: the prefix's own ``python -m pip`` or
``uv pip --python``. Nothing here decides *what* to change; ``plan.py`` does.
"""

from __future__ import annotations

import os
import shutil
import sys
from importlib.util import find_spec

from condapip.change.engines.base import CondaEngine, PipEngine
from condapip.errors import CondapipError

CONDA_ENGINES = ("rattler", "conda", "mamba", "micromamba")
PIP_ENGINES = ("pip", "uv")


def conda_engine(name: str = "rattler") -> CondaEngine:
    if name == "rattler":
        from condapip.change.engines.rattler import RattlerEngine

        return RattlerEngine()
    if name in CONDA_ENGINES:
        command = launcher(name)
        if command is None:
            raise CondapipError(f"--engine {name}: no {name} executable on PATH")
        from condapip.change.engines.executable import ExecutableEngine

        return ExecutableEngine(name, command)
    raise CondapipError(f"unknown conda engine {name!r} (choose from {', '.join(CONDA_ENGINES)})")


def launcher(name: str) -> list[str] | None:
    """How to run ``name``: conda's own ``$CONDA_EXE``, conda importable beside
    condapip (``python -m conda``: a pip-installed conda writes a ``bin/conda``
    that only runs ``init``), or the executable on PATH."""
    if name == "conda":
        exe = os.environ.get("CONDA_EXE")
        if exe and os.access(exe, os.X_OK):
            return [exe]
        if find_spec("conda") is not None and find_spec("conda.cli") is not None:
            return [sys.executable, "-m", "conda"]
    found = shutil.which(name)
    return [found] if found else None


def pip_engine(name: str | None = None) -> PipEngine:
    """``uv`` when asked for; ``pip`` otherwise. Both run on the target interpreter."""
    from condapip.change.engines.pip import PipRunner, UvRunner

    if name in (None, "pip"):
        return PipRunner()
    if name == "uv":
        exe = shutil.which("uv")
        if exe is None:
            raise CondapipError("--pip-engine uv: no uv executable on PATH")
        return UvRunner(exe)
    raise CondapipError(f"unknown pip engine {name!r} (choose from {', '.join(PIP_ENGINES)})")
