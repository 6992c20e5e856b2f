"""``condapip channel build``: wheels in, an indexed conda channel out."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.channel_build.build import build_channel
from condapip.channel_build.package import BuiltPackage
from condapip.support.output import Block


@dataclass(frozen=True)
class Built:
    """The packages built into a channel folder."""

    packages: list[BuiltPackage]
    output: Path
    warnings: Sequence[str] = ()
    exit_code: int = 0

    def blocks(self) -> Iterator[Block]:
        for b in self.packages:
            yield f"{b.subdir}/{b.path.name}"
        yield f"indexed {len(self.packages)} package(s) into {self.output}"

    def as_json(self) -> list[dict[str, Any]]:
        return [as_json(b) for b in self.packages]


def run(*, inputs: list[Path], output: Path, host_python: bool, progress: bool) -> Built:
    """``progress``: a bar on a terminal; the CLI turns it off under --json."""
    extra: list[Path] = []
    if host_python:
        extra.append(bundled_pip_wheel())
    built = build_channel([*inputs, *extra], output, host_python=host_python, progress=progress)
    return Built(built, output)


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
