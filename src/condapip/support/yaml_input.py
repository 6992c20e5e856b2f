"""The one loader for YAML a user names: environment files, locks, condarc.

A hostile file must fail fast with one line, not hang or overflow: the text
is bounded in size, and a pass over ruamel.yaml's event stream (a state
machine, no recursion) bounds nesting depth and the size aliases expand to
(a "billion laughs" file is a few lines of anchors) before anything is built.
"""

from __future__ import annotations

from typing import Any

from condapip.errors import CondapipError

MAX_BYTES = 32 * 1024 * 1024  # a lock of thousands of packages stays far below
MAX_DEPTH = 64  # environment files nest four deep; locks six
MAX_NODES = 1_000_000  # nodes once every alias is expanded


def load(text: str, source: str, *, round_trip: bool = False) -> Any:
    """``text`` as plain data (or ruamel's round-trip nodes, which know their lines)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="rt" if round_trip else "safe", pure=True)
    try:
        _check(yaml, text, source)
        return yaml.load(text)
    except YAMLError as exc:
        raise CondapipError(f"malformed {source}: {_yaml_error(exc)}") from None
    except RecursionError:  # belt and braces: the depth check runs first
        raise CondapipError(f"malformed {source}: nested too deeply") from None


def check(text: str, source: str) -> None:
    """Refuse ``text`` before another ruamel.yaml loader (one that keeps layout) reads it."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        _check(YAML(typ="safe", pure=True), text, source)
    except YAMLError as exc:
        raise CondapipError(f"malformed {source}: {_yaml_error(exc)}") from None


def _check(yaml: Any, text: str, source: str) -> None:
    if len(text) > MAX_BYTES:
        raise CondapipError(f"malformed {source}: larger than {MAX_BYTES // 2**20} MiB")
    _check_shape(yaml, text, source)


def _check_shape(yaml: Any, text: str, source: str) -> None:
    from ruamel.yaml.events import (
        AliasEvent,
        CollectionEndEvent,
        CollectionStartEvent,
        NodeEvent,
    )

    # Each open collection's expanded node count, and each anchor's total.
    open_counts: list[tuple[int, str | None]] = []
    anchored: dict[str, int] = {}
    total = 0
    for event in yaml.parse(text):
        if isinstance(event, AliasEvent):
            size = anchored.get(str(event.anchor), 1)
        elif isinstance(event, CollectionStartEvent):
            if len(open_counts) >= MAX_DEPTH:
                raise CondapipError(f"malformed {source}: nested more than {MAX_DEPTH} deep")
            open_counts.append((1, event.anchor))
            continue
        elif isinstance(event, CollectionEndEvent):
            size, anchor = open_counts.pop()
            if anchor is not None:
                anchored[str(anchor)] = size
        elif isinstance(event, NodeEvent):  # a scalar
            size = 1
            if event.anchor is not None:
                anchored[str(event.anchor)] = 1
        else:
            continue
        if open_counts:
            count, anchor = open_counts[-1]
            open_counts[-1] = (count + size, anchor)
        else:
            total += size
        if total + sum(c for c, _ in open_counts) > MAX_NODES:
            raise CondapipError(
                f"malformed {source}: aliases expand to more than {MAX_NODES} nodes"
            )


def _yaml_error(exc: Any) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is not None and problem:
        return f"line {mark.line + 1}: {problem}"
    return " ".join(str(exc).split())[:300]
