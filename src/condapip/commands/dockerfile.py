"""``condapip dockerfile``: write the layered Dockerfile, or lint one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from condapip.docker.lint import Finding
from condapip.docker.write import Layers, Written, base_image, from_envfile, from_lock, render


def write_plan(env_file: Path, output: Path, base: str | None, user: str | None) -> dict[Path, str]:
    """Every file to write, by path: the Dockerfile and, beside it, its layer files."""
    image = base_image(base)
    written: Written = render(layers(env_file), base=image, user=user, source=env_file.name)
    out = {output: written.dockerfile}
    for name, text in written.files.items():
        out[output.parent / name] = text
    return out


def layers(path: Path) -> Layers:
    """An environment.yml, or a condapip lock (exact URLs and hashes) when given one."""
    if path.name.endswith(".lock.yml"):
        from condapip.formats.lock import load as load_lock

        return from_lock(load_lock(path), path.name)
    from condapip.formats.envfile import load

    return from_envfile(load(path), path.name)


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
        tmp = path.with_name(f".{path.name}.condapip-tmp")
        tmp.write_text(text)
        os.replace(tmp, path)


def lint(path: Path) -> list[Finding]:
    from condapip.docker.lint import lint as run_lint

    return run_lint(path)


def findings_json(path: Path, findings: list[Finding]) -> dict[str, Any]:
    return {"file": str(path), "findings": [f.as_json(path) for f in findings]}
