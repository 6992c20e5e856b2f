"""``condapip channel build``: wheels in, an indexed conda channel out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from condapip.channel_build.build import BuiltPackage, build_channel


def run(inputs: list[Path], output: Path, *, host_python: bool) -> list[BuiltPackage]:
    extra: list[Path] = []
    if host_python:
        extra.append(bundled_pip_wheel())
    return build_channel([*inputs, *extra], output, host_python=host_python)


def bundled_pip_wheel() -> Path:
    """The pip wheel ensurepip ships with this interpreter: no download needed."""
    import ensurepip

    bundled = Path(ensurepip.__file__).parent / "_bundled"
    wheels = sorted(bundled.glob("pip-*.whl"))
    if not wheels:
        from condapip.errors import CondapipError

        raise CondapipError(f"{sys.executable} has no bundled pip wheel (ensurepip)")
    return wheels[-1]


def as_json(b: BuiltPackage) -> dict[str, Any]:
    return {
        "name": b.name,
        "version": b.version,
        "build": b.build,
        "subdir": b.subdir,
        "path": str(b.path),
    }
