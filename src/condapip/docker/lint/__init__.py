"""Lint a Dockerfile against the layering rules: conda first, pip last, each by path.

``parse`` reads the file with Docker's own parser, ``shell`` finds each RUN's
commands with a shell parser, ``stages`` decides per stage which env each pip
and conda command acts on, and ``rules`` holds one module per rule.
"""

from __future__ import annotations

from pathlib import Path

from condapip.docker.lint.findings import Context, Finding
from condapip.errors import CondapipError

__all__ = ["Finding", "lint", "lint_text"]


def lint(path: Path) -> list[Finding]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CondapipError(f"Dockerfile not found: {path}") from None
    except OSError as exc:
        raise CondapipError(f"cannot read {path}: {exc.strerror}") from None
    return lint_text(data, build_dir=path.parent)


def lint_text(data: bytes, build_dir: Path | None = None) -> list[Finding]:
    """Every finding, by line, for the Dockerfile ``data``."""
    from condapip.docker.lint.parse import parse
    from condapip.docker.lint.rules import RULES
    from condapip.docker.lint.stages import build

    ctx = Context(tuple(build(parse(data))), build_dir)
    order = {rule: i for i, rule in enumerate(RULES)}
    findings = [f for check in RULES.values() for f in check(ctx)]
    # one finding per rule and line: two pip calls on one line are one problem there
    unique = {(f.line, f.rule): f for f in reversed(findings)}
    return sorted(unique.values(), key=lambda f: (f.line, order[f.rule]))
