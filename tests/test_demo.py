"""`condapip demo` end to end: every step of the story behaves as told."""

from __future__ import annotations

import json
import os

import pytest

from tests.helpers import condapip

TITLES = ["Set-up", "Conda first", "What users do", "condapip sees it", "Repair", "Prevention"]


@pytest.mark.slow
def test_demo_runs_every_step_and_reports_them_in_json(real_wheels, tmp_path):
    keep = tmp_path / "demo"
    result = condapip("demo", "--json", "--keep", str(keep))
    account = json.loads(result.stdout)
    failed = [(s["title"], s["notes"]) for s in account["steps"] if not s["ok"]]
    assert not failed, failed
    assert account["ok"] is True
    assert result.returncode == 0, result.stderr
    titles = [s["title"] for s in account["steps"]]
    for expected, title in zip(TITLES, titles, strict=False):
        assert title.startswith(expected)
    assert len(titles) == 7
    # the pip step really broke scipy, with the real error
    users = account["steps"][2]
    assert any("scipy is broken" in n for n in users["notes"])
    # the export step printed a rebuildable spec
    export = account["steps"][6]["commands"][-1]
    assert "scipy=1.11.4" in export["output"]
    # both refusals: conda first finds no numpy>=2, and pip may not replace conda's numpy
    prevention = account["steps"][5]["commands"]
    assert [c["exit_code"] for c in prevention] == [1, 1]
    assert "scipy" in prevention[1]["output"]  # the refusal names the conflict
    assert (keep / "envs" / "sci" / "conda-meta").is_dir()


def test_demo_without_wheels_or_network_stops_at_set_up_with_one_line(tmp_path):
    # an empty wheel cache and no index (the autouse fixture sets PIP_NO_INDEX)
    env = {**os.environ, "CONDAPIP_WHEEL_CACHE": str(tmp_path / "cache")}
    result = condapip("demo", "--keep", str(tmp_path / "demo"), env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("condapip demo: set-up failed, nothing else ran")
    assert "cannot download numpy" in result.stdout
    assert "== 2." not in result.stdout  # no later step ran against nothing
    assert not (tmp_path / "demo" / "envs").exists()

    account = json.loads(condapip("demo", "--json", env=env).stdout)
    assert account["ok"] is False
    assert [s["title"] for s in account["steps"]] == [account["steps"][0]["title"]]
    assert account["steps"][0]["title"].startswith("Set-up")


def test_a_demo_without_keep_leaves_no_stale_line_in_environments_txt(tmp_path, monkeypatch):
    from condapip.demo import story
    from condapip.ledger.registry import environments_txt, register, registered

    mine = tmp_path / "mine"
    register(mine)
    made: list = []

    def a_story(demo):  # the envs the demo makes are registered, as every create is
        for prefix in (demo.prefix, demo.work / "envs" / "other"):
            prefix.mkdir(parents=True)
            register(prefix.resolve())
            made.append(prefix)
        assert len(registered()) == 3
        return []

    monkeypatch.setattr(story, "_story", a_story)
    story.run_demo(None, lambda kind, text: None)
    assert made and not made[0].exists()
    assert registered() == [mine]
    assert environments_txt().read_text() == f"{mine}\n"


def test_unregister_drops_a_folder_and_what_it_holds_by_real_path_too(tmp_path):
    from condapip.ledger.registry import register, registered, unregister

    real = tmp_path / "real"
    (real / "envs" / "a").mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(real)
    register(real / "envs" / "a")
    register(tmp_path / "realistic")  # a sibling whose name only starts the same
    unregister(link)
    assert registered() == [tmp_path / "realistic"]


def test_the_demos_proof_of_no_change_ignores_bytecode_python_writes_on_import(tmp_path):
    """A refused pip run imports pip, and Python writes its bytecode: no change of the
    environment's, so the demo's 'the refused install changed nothing' still holds."""
    from condapip.support.treehash import tree_hash

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("x = 1\n")
    before = tree_hash(tmp_path)
    (tmp_path / "pkg" / "__pycache__").mkdir()
    (tmp_path / "pkg" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    assert tree_hash(tmp_path) == before
    (tmp_path / "pkg" / "mod.py").write_text("x = 2\n")
    assert tree_hash(tmp_path) != before
