"""The package layout is the design: imports go downward, and no module cycle exists.

Every import counts, function-level and ``TYPE_CHECKING`` ones included: a
cycle hidden inside a function is still a cycle.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

# Lowest first. A module may import from its own layer (without a cycle) or any lower one.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("condapip", "condapip.errors"),
    ("condapip.support",),
    ("condapip.ledger",),
    ("condapip.doctor",),
    ("condapip.change",),
    ("condapip.formats",),
    ("condapip.docker", "condapip.channel_build"),
    ("condapip.demo",),
    ("condapip.commands",),
    ("condapip.cli", "condapip.conda_plugin", "condapip.__main__"),
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    deps.add(full if full in modules else node.module)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def _layer(module: str) -> int:
    best = (-1, -1)  # (length of the matching layer prefix, layer index)
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                best = max(best, (len(prefix), index))
    assert best[1] >= 0, f"{module} is in no layer: add it to LAYERS"
    return best[1]


def test_every_import_goes_downward_or_sideways() -> None:
    upward = [
        f"{src} imports {dst}"
        for src, deps in sorted(_graph().items())
        for dst in sorted(deps)
        if dst != "condapip" and _layer(dst) > _layer(src)
    ]
    assert upward == []


def test_no_module_imports_itself_through_a_cycle() -> None:
    sorter = graphlib.TopologicalSorter(_graph())
    sorter.prepare()  # raises CycleError naming the cycle
