"""``channel build --host-python``: the running interpreter and a pip built for it, its
bytecode included, as conda's python-specific builds ship it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import make_prefix, pip, site_packages
from tests.inprocess import cli


def _bytecode(prefix: Path) -> dict[str, int]:
    pip_dir = site_packages(prefix) / "pip"
    return {str(p): p.stat().st_mtime_ns for p in pip_dir.rglob("__pycache__/*.pyc")}


def test_a_new_envs_first_pip_run_compiles_nothing_and_verify_finds_it_unchanged(channel, tmp_path):
    prefix = make_prefix(tmp_path / "env", channel, ["python", "pip"])
    [record] = (prefix / "conda-meta").glob("pip-*.json")
    shipped = _bytecode(prefix)
    owned = {p["_path"] for p in json.loads(record.read_text())["paths_data"]["paths"]}
    assert shipped and all(
        str(Path(p).relative_to(prefix)) in owned for p in shipped
    )  # conda's own files, each with its sha256
    done = pip(prefix, "install", "--dry-run", "--no-index", "pip")
    assert done.returncode == 0, done.stderr
    assert _bytecode(prefix) == shipped  # valid as shipped: none written, none rewritten
    code, out = cli("doctor", "-p", str(prefix), "--verify", "--json")
    assert code == 0 and json.loads(out)["findings"] == [], out
