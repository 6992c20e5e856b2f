"""What recovery trusts and what it refuses: hostile journals, corrupt snapshots, a
half-written prefix read by every verb, and nothing changed before the user says yes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from condapip.change import transaction
from condapip.ledger.journal import journal_path
from tests.helpers import condapip, copy_prefix, kill_at, pip, tree_digest


def _findings(prefix: Path, code: int) -> list[dict]:
    result = condapip("doctor", "-p", str(prefix), "--json")
    assert result.returncode == code, result.stdout + result.stderr
    return [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "interrupted-change"]


def _journal(prefix: Path, text: str) -> None:
    path = journal_path(prefix)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _data(prefix: Path | str, verb: str, snapshot: str | None = None) -> str:
    return json.dumps(
        {"prefix": str(prefix), "verb": verb, "phase": "pip", "snapshot": snapshot, "command": "x"}
    )


HOSTILE = {
    "another prefix": lambda p, t: _data("/somewhere/else", "create"),
    "a snapshot outside the prefix": lambda p, t: _data(p, "install", str(t / "snapshot-1.json")),
    "garbage": lambda p, t: "{not json",
    "a create with no marker": lambda p, t: _data(p, "create"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_journal_is_refused_in_one_line_and_never_acted_on(fresh, tmp_path, case):
    prefix = copy_prefix(fresh, tmp_path / "env")
    (tmp_path / "snapshot-1.json").write_text("{}")
    _journal(prefix, HOSTILE[case](prefix, tmp_path))
    before = tree_digest(prefix)
    rolled = condapip("rollback", "-p", str(prefix), "--yes")
    said = [line for line in rolled.stderr.splitlines() if "ignored" in line]
    assert len(said) == 1 and "not a journal condapip wrote" in said[0], rolled.stderr
    assert rolled.returncode == 1 and "no condapip snapshot" in rolled.stderr  # none to follow
    assert tree_digest(prefix) == before
    [finding] = _findings(prefix, 0)  # reported as a warning, not taken for a change
    assert finding["severity"] == "warning" and str(journal_path(prefix)) in finding["message"]


def test_a_create_marker_copied_from_another_prefix_is_not_trusted(fresh, channel, tmp_path):
    """A prefix copied while its create was cut short: the marker names another folder."""
    yml = tmp_path / "environment.yml"
    yml.write_text(f"channels:\n  - {channel}\ndependencies:\n  - python\n  - alpha\n")
    made = tmp_path / "made"
    kill_at(tmp_path, "pip", "create", "-f", str(yml), "-p", str(made), "--yes")
    prefix = copy_prefix(fresh, tmp_path / "env")
    marker = made / "conda-meta" / "condapip" / "created.json"
    (prefix / "conda-meta" / "condapip").mkdir(parents=True, exist_ok=True)
    data = json.loads(marker.read_text())
    (prefix / "conda-meta" / "condapip" / "created.json").write_text(
        json.dumps({**data, "prefix": str(prefix)})
    )
    _journal(prefix, _data(prefix, "create"))
    assert condapip("rollback", "-p", str(prefix), "--yes").returncode == 1
    assert (prefix / "conda-meta").is_dir()
    assert condapip("rollback", "-p", str(made), "--yes").returncode == 0  # its own is trusted
    assert not made.exists()


def test_a_truncated_snapshot_is_a_finding_and_every_change_verb_says_what_to_do(
    installed, channel, find_links, tmp_path
):
    prefix = copy_prefix(installed, tmp_path / "env")  # epsilon installed by condapip
    snap = transaction.latest(prefix)
    assert snap is not None
    snap.path.write_text(snap.path.read_text()[:40])
    [finding] = _findings(prefix, 1)
    assert finding["fix"] == f"condapip rebuild -p {prefix}"
    for verb in (("install", "-c", str(channel), "gamma"), ("rollback",)):
        said = condapip(verb[0], "-p", str(prefix), *verb[1:], "--yes")
        assert said.returncode == 1, said.stderr
        assert "corrupt" in said.stderr and f"condapip rebuild -p {prefix}" in said.stderr
    rebuilt = condapip("rebuild", "-p", str(prefix), "--yes")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert _findings(prefix, 0) == []


def test_a_half_written_pip_dist_is_read_by_every_verb_and_rebuild_clears_it(
    fresh, wheelhouse, find_links, tmp_path
):
    prefix = copy_prefix(fresh, tmp_path / "env")
    assert pip(prefix, "install", "epsilon", find_links=wheelhouse).returncode == 0
    site = next(prefix.glob("lib/python3*/site-packages"))
    (site / "ghost-1.0.dist-info").mkdir()  # pip killed before it wrote METADATA
    (site / "~psilon").mkdir()  # and a stash of the version it was replacing
    (site / "~psilon" / "__init__.py").write_text("")
    for verb in ("list", "export"):
        done = condapip(verb, "-p", str(prefix))
        assert done.returncode == 0, done.stderr
    [finding] = _findings(prefix, 1)
    assert "ghost-1.0.dist-info" in finding["message"] and "~psilon" in finding["message"]
    assert finding["fix"] == f"condapip rebuild -p {prefix}"
    refused = condapip("install", "-p", str(prefix), "--yes", "gamma")
    assert refused.returncode == 1 and "interrupted pip" in refused.stderr, refused.stderr
    assert condapip("rebuild", "-p", str(prefix), "--yes").returncode == 0
    assert _findings(prefix, 0) == []
    assert not (site / "~psilon").exists() and not (site / "ghost-1.0.dist-info").exists()


# Nothing changes unconfirmed after a killed install or beside a killed rebuild's
# leftover: tests/test_journal.py asks (no --yes, no terminal) after every kill.


def test_rollback_stops_when_another_tool_changed_the_env_after_condapip(
    installed, find_links, tmp_path
):
    prefix = copy_prefix(installed, tmp_path / "env")  # epsilon installed by condapip
    history = prefix / "conda-meta" / "history"
    text = history.read_text() + "==> 2031-01-01 00:00:00 <==\n# cmd: conda install gamma\n"
    history.unlink()  # replaced, never edited in place: rattler hardlinks prefix files
    history.write_text(text)
    before = tree_digest(prefix)
    rolled = condapip("rollback", "-p", str(prefix), "--yes")
    assert rolled.returncode == 1 and "conda install gamma" in rolled.stderr, rolled.stderr
    assert tree_digest(prefix) == before


def test_journals_snapshots_and_markers_reach_the_disk(monkeypatch, tmp_path):
    from condapip.support.atomic import write_atomic

    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    write_atomic(tmp_path / "journal.json", "{}", fsync=True)
    assert len(synced) == 2  # the file, then the folder holding its new name


def test_pip_and_uv_get_a_tmpdir_under_the_prefixs_scratch_folder(fresh, tmp_path):
    from condapip.change.engines.pip import _prefix_of, _scratch_tmp
    from condapip.support.scratch import scratch_root

    prefix = copy_prefix(fresh, tmp_path / "env")
    for args in (
        [str(prefix / "bin" / "python"), "-m", "pip", "install", "x"],
        ["uv", "pip", "install", "--python", str(prefix / "bin" / "python"), "x"],
    ):
        assert _prefix_of(args) == prefix
        with _scratch_tmp(_prefix_of(args), {}) as env:
            assert Path(env["TMPDIR"]).parent == scratch_root(prefix)
            assert Path(env["TMPDIR"]).is_dir()
    assert not scratch_root(prefix).exists()
