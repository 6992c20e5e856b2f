"""What a Dockerfile lint rule says: the same shape as a doctor finding, plus a line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from condapip.docker.lint.calls import PipCall
from condapip.docker.lint.stages import Run, Stage, Step
from condapip.docker.lint.where import Target

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem at one line of a Dockerfile, and how to fix it."""

    rule: str
    severity: Severity
    line: int
    message: str
    fix: str

    def as_json(self, path: Path) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "line": self.line,
            "message": self.message,
            "fix": self.fix,
            "file": str(path),
        }


@dataclass(frozen=True)
class Context:
    """What a lint rule may look at: the stages, and the build context if known."""

    stages: tuple[Stage, ...]
    build_dir: Path | None = None  # where COPY sources are, to read requirement files

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    @property
    def images(self) -> list[Stage]:
        """The stages a build can output: the last, and every named stage no other stage
        builds FROM or reads from (each one a ``docker build --target NAME``)."""
        used: set[int] = set()
        for i, stage in enumerate(self.stages):
            if stage.parent is not None:
                used.add(id(stage.parent))
            for ref in stage.uses:
                used.update(id(s) for s in self._named(ref, self.stages[:i]))
        return [
            s for s in self.stages if s is self.final or (s.name is not None and id(s) not in used)
        ]

    @staticmethod
    def _named(ref: str, earlier: tuple[Stage, ...]) -> list[Stage]:
        if ref.isdigit():
            return [earlier[int(ref)]] if int(ref) < len(earlier) else []
        return [s for s in earlier if s.name == ref][-1:]

    def in_image(self, stage: Stage) -> bool:
        """Whether ``stage``'s layers end up in an image (an image stage or one of its bases)."""
        return any(
            stage is image or any(stage is a for a in image.ancestors()) for image in self.images
        )


def steps(stage: Stage) -> Iterator[tuple[Run, Step]]:
    for run in stage.runs:
        for step in run.steps:
            yield run, step


def pip_steps(ctx: Context) -> Iterator[tuple[str, Step, PipCall, Target]]:
    """Every pip call whose target env is known, with its stage's conda root."""
    for stage in ctx.stages:
        for _, step in steps(stage):
            if isinstance(step.call, PipCall) and step.target is not None:
                yield stage.where.root, step, step.call, step.target


def installs_into_env(call: PipCall) -> bool:
    """A ``pip install`` that writes into the interpreter's environment (not --user/--target)."""
    elsewhere = ("--user", "-t", "--target", "--prefix", "--root")
    return call.sub == "install" and not any(
        a in elsewhere or a.startswith(tuple(f"{o}=" for o in elsewhere)) for a in call.args
    )
