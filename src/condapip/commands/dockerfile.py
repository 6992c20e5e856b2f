"""``condapip dockerfile``: write the layered Dockerfile, or lint one."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.docker.base import base_image
from condapip.docker.layers import Layers, from_envfile, from_explicit, from_lock
from condapip.docker.lint import Finding
from condapip.docker.write import Written, render
from condapip.support.atomic import write_atomic
from condapip.support.output import Block, Confirm


@dataclass(frozen=True)
class Files:
    """The Dockerfile and its layer files: written, or (dry run) only shown."""

    plan: dict[Path, str]
    output: Path
    dry_run: bool
    warnings: Sequence[str] = ()
    exit_code: int = 0

    def blocks(self) -> Iterator[Block]:
        if self.dry_run:
            for path, text in self.plan.items():
                yield f"# ---- {path} ----\n{text}"
            return
        yield "wrote " + ", ".join(str(p) for p in self.plan)
        yield f"build: docker build -f {self.output} {self.output.parent}"

    def as_json(self) -> dict[str, Any]:
        if self.dry_run:
            return {"dry_run": True, "files": {str(p): t for p, t in self.plan.items()}}
        return {"dry_run": False, "files": [str(p) for p in self.plan]}


@dataclass(frozen=True)
class Linted:
    """Each Dockerfile's findings, by file; exit 1 when any file has one."""

    files: list[tuple[Path, list[Finding]]]
    warnings: Sequence[str] = ()

    @property
    def exit_code(self) -> int:
        return 1 if any(found for _, found in self.files) else 0

    def blocks(self) -> Iterator[Block]:
        for path, found in self.files:
            for f in found:
                yield f"{path}:{f.line}: {f.rule}: {f.message}\n  fix: {f.fix}"
            if not found:
                yield f"{path}: no findings"

    def as_json(self) -> dict[str, Any]:
        per_file = [findings_json(path, found) for path, found in self.files]
        # "findings" (every file's, each naming its file) for a reader of one file's results
        return {"files": per_file, "findings": [f for r in per_file for f in r["findings"]]}


def run(
    *,
    file: Path,
    output: Path,
    base: str | None,
    user: str | None,
    name: str | None,
    lint: Sequence[Path] | None,
    dry_run: bool,
    confirm: Confirm,
) -> Files | Linted:
    """Write the Dockerfile; or, with ``lint`` (pre-commit passes many), lint each file.

    A new file is written without asking; replacing a file that holds
    something else asks first (``confirm``: no terminal and no --yes is exit 2).
    """
    if lint is not None:
        from condapip.docker.lint import lint as run_lint

        return Linted([(path, run_lint(path)) for path in lint or [Path("Dockerfile")]])
    plan = write_plan(file, output, base, user, name)
    if dry_run:
        return Files(plan, output, dry_run=True)
    replaced = conflicts(plan)
    if replaced:
        names = ", ".join(str(p) for p in replaced)
        confirm(Files(plan, output, dry_run=True), f"Replace {names}?")
    save(plan)
    return Files(plan, output, dry_run=False)


def write_plan(
    env_file: Path, output: Path, base: str | None, user: str | None, name: str | None = None
) -> dict[Path, str]:
    """Every file to write, by path: the Dockerfile and, beside it, its layer files."""
    image = base_image(base)
    built = layers(env_file, output.parent, name)
    written: Written = render(built, base=image, user=user, source=env_file.name)
    out = {output: written.dockerfile}
    for name, text in written.files.items():
        out[output.parent / name] = text
    return out


def layers(path: Path, context: Path, name: str | None = None) -> Layers:
    """An environment.yml, conda's @EXPLICIT file, or a condapip lock (URLs and hashes).

    ``context`` is the build context (the Dockerfile's folder): local pip paths
    must be inside it, to be COPYed. ``name`` (``--name``) names the image's env.
    """
    if path.name.endswith(".lock.yml"):
        from condapip.formats.lock import load as load_lock

        return from_lock(load_lock(path), path.name, name=name)
    from condapip.commands.create import is_explicit

    if is_explicit(path):
        from condapip.formats.explicit import load_explicit

        return from_explicit(load_explicit(path), path.name, name)
    from condapip.formats.envfile import load

    return from_envfile(load(path, platform="linux-64"), path.name, context, name)


def conflicts(plan: dict[Path, str]) -> list[Path]:
    """Files that exist with other content: writing would replace the user's work."""
    out = []
    for path, text in plan.items():
        try:
            if path.read_text() != text:
                out.append(path)
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError):
            out.append(path)
    return out


def save(plan: dict[Path, str]) -> None:
    for path, text in plan.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)


def findings_json(path: Path, findings: list[Finding]) -> dict[str, Any]:
    return {"file": str(path), "findings": [f.as_json(path) for f in findings]}
