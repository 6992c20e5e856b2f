"""`condapip demo` end to end: every step of the story behaves as told."""

from __future__ import annotations

import json

from tests.conftest import condapip

TITLES = ["Set-up", "Conda first", "What users do", "condapip sees it", "Repair", "Prevention"]


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
    assert "scipy=1.11.4" in export["stdout"]
    assert (keep / "envs" / "sci" / "conda-meta").is_dir()
