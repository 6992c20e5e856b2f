"""The code stays ruff-clean: lint and format are part of the test suite."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_is_clean(args: list[str]) -> None:
    # the ruff of the venv running the tests, activated or not
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (it comes with the test extra)")
    dirs = [d for d in ("src", "tests", "bench") if (ROOT / d).is_dir()]
    proc = subprocess.run(
        [ruff, *args, *dirs],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _sizes() -> tuple[list[str], list[str]]:
    import ast

    big_modules, long_functions = [], []
    for path in sorted((ROOT / "src").rglob("*.py")):
        text = path.read_text()
        rel = path.relative_to(ROOT).as_posix()
        if text.count("\n") > 400:
            big_modules.append(f"{rel}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 60:
                    long_functions.append(f"{rel}: {node.name} {length} lines")
    return big_modules, long_functions


def test_no_module_over_400_lines_and_no_function_over_60() -> None:
    assert _sizes() == ([], [])
