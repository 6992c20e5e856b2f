"""The doctor's memo: a warm run gives exactly the cold run's answer, and any change misses."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from condapip.doctor.findings import Context
from condapip.doctor.rules import broken_requirement
from condapip.ledger import condarc
from condapip.ledger.prefix import Prefix, read_prefix
from condapip.support import memo
from tests.conftest import CREATED_SPECS
from tests.helpers import condapip, make_prefix, pip


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private user cache (platformdirs reads XDG_CACHE_HOME), for this process and children."""
    root = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(root))
    return root


def memo_files(cache: Path) -> list[Path]:
    return sorted((cache / "condapip" / "memo").glob("*.json"))


@pytest.fixture(scope="module")
def beta_gone(tmp_path_factory: pytest.TempPathFactory, channel: Path) -> Path:
    """A created prefix after `pip uninstall beta`: alpha's requirement is broken; only read."""
    prefix = make_prefix(tmp_path_factory.mktemp("memo-broken") / "env", channel, CREATED_SPECS)
    assert pip(prefix, "uninstall", "-y", "beta").returncode == 0
    return prefix


def doctor_json(prefix: Path) -> dict:
    result = condapip("doctor", "-p", str(prefix), "--json")
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


# --- the store ----------------------------------------------------------------------------


def test_remembered_value_is_recalled_under_its_key_only(cache):
    slot = memo.slot("kind", "/some/prefix")
    assert memo.recall(slot, "k1") is memo.MISS
    memo.remember(slot, "k1", {"a": [1, "x"]})
    assert memo.recall(slot, "k1") == {"a": [1, "x"]}
    assert memo.recall(slot, "k2") is memo.MISS
    memo.remember(slot, "k2", [])  # a slot keeps only its newest answer
    assert memo.recall(slot, "k1") is memo.MISS
    assert memo.recall(slot, "k2") == []
    assert [p.name for p in memo_files(cache)] == [f"{slot}.json"]


@pytest.mark.parametrize("content", [b"", b"{not json", b"[1, 2]", b'{"value": 1}', b"\xff\xfe"])
def test_corrupt_memo_file_is_a_miss(cache, content):
    slot = memo.slot("kind", "/p")
    memo.remember(slot, "k", 1)
    [path] = memo_files(cache)
    path.write_bytes(content)
    assert memo.recall(slot, "k") is memo.MISS
    memo.remember(slot, "k", 2)  # and is overwritten by the next answer
    assert memo.recall(slot, "k") == 2


def test_unusable_cache_is_ignored(monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", os.devnull + "/cache")  # a path under a file
    slot = memo.slot("kind", "/p")
    memo.remember(slot, "k", 1)  # no error
    assert memo.recall(slot, "k") is memo.MISS


def test_keys_differ_when_any_part_differs():
    assert memo.key(["a"], {"x": 1}) == memo.key(["a"], {"x": 1})
    assert memo.key(["a"], {"x": 1}) != memo.key(["a"], {"x": 2})
    assert memo.key(["a"], {"x": 1}) != memo.key(["b"], {"x": 1})


def test_library_versions_are_found_without_importing_them():
    [rattler, yaml] = memo.installed({"py-rattler": "rattler", "ruamel.yaml": "ruamel.yaml"})
    assert rattler.startswith("py_rattler-") and rattler.endswith(".dist-info")
    assert yaml.startswith("ruamel") and yaml.endswith(".dist-info")
    assert memo.installed({"no-such-library": "no_such_library"}) is None
    assert memo.installed({"no-such-library": "rattler"}) is None


# --- broken-requirement through the CLI ---------------------------------------------------


def test_warm_doctor_gives_the_cold_findings(beta_gone, cache, tmp_path, monkeypatch):
    prefix = beta_gone
    cold = doctor_json(prefix)
    assert any(f["rule"] == "broken-requirement" for f in cold["findings"])
    assert any(p.name.startswith("broken-requirement-") for p in memo_files(cache))
    assert doctor_json(prefix) == cold  # warm: from the memo
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-cache"))
    assert doctor_json(prefix) == cold  # cold again, in an empty cache


def test_pip_change_after_a_healthy_run_is_found(make_env):
    prefix = make_env()
    assert doctor_json(prefix)["findings"] == []
    assert pip(prefix, "uninstall", "-y", "beta").returncode == 0
    [broken] = [f for f in doctor_json(prefix)["findings"] if f["rule"] == "broken-requirement"]
    assert broken["package"] == "alpha" and "beta >=1.0" in broken["message"]


def test_unusable_cache_still_gives_findings(beta_gone, monkeypatch):
    prefix = beta_gone
    monkeypatch.setenv("XDG_CACHE_HOME", os.devnull + "/cache")
    data = doctor_json(prefix)
    assert any(f["rule"] == "broken-requirement" for f in data["findings"])


# --- broken-requirement in process: each input the check reads changes the key -----------


def _with_record(prefix: Prefix, name: str, **changes: object) -> Prefix:
    records = dict(prefix.records)
    records[name] = dataclasses.replace(records[name], **changes)
    return dataclasses.replace(prefix, records=records)


def _broken(prefix: Prefix) -> list[tuple[str | None, str]]:
    return [(f.package, f.message) for f in broken_requirement.check(Context(prefix=prefix))]


def test_changed_depends_misses_the_memo(created_env):
    prefix = read_prefix(created_env)
    assert _broken(prefix) == [] and _broken(prefix) == []  # cold, then warm
    alpha = prefix.records["alpha"]
    changed = _with_record(prefix, "alpha", depends=(*alpha.depends, "omega >=1"))
    assert _broken(changed) == [("alpha", "alpha 1.0 (conda) requires omega >=1, found none")]


def test_changed_version_misses_the_memo(created_env):
    prefix = read_prefix(created_env)
    assert _broken(prefix) == []
    # Without its Python files the record stands for a conda-only package, so
    # the record's version is what alpha's `beta >=1.0` is matched against.
    changed = _with_record(prefix, "beta", version="0.5", files=())
    [(package, message)] = _broken(changed)
    assert package == "alpha" and "found beta 0.5 (conda)" in message
    assert _broken(prefix) == []  # and back: the original answer, not the last one


# --- condarc ------------------------------------------------------------------------------


def test_condarc_memo_follows_the_text(tmp_path, cache):
    rc = tmp_path / ".condarc"
    rc.write_text("channels: [conda-forge]\nchannel_priority: strict\n")
    first = condarc.load(rc)
    assert first == {"channels": ["conda-forge"], "channel_priority": "strict"}
    assert condarc.load(rc) == first  # warm
    assert any(p.name.startswith("condarc-") for p in memo_files(cache))
    rc.write_text("channels: [defaults]\nchannel_priority: flexible\n")
    assert condarc.load(rc) == {"channels": ["defaults"], "channel_priority": "flexible"}


def test_condarc_that_json_cannot_keep_is_parsed_every_time(tmp_path, cache):
    import datetime

    rc = tmp_path / ".condarc"
    rc.write_text("when: 2024-01-02\n1: one\n")
    expected = {"when": datetime.date(2024, 1, 2), 1: "one"}
    assert condarc.load(rc) == expected
    assert condarc.load(rc) == expected
    assert not any(p.name.startswith("condarc-") for p in memo_files(cache))


def test_malformed_condarc_is_still_bad_input(tmp_path):
    from condapip.errors import CondapipError

    rc = tmp_path / ".condarc"
    rc.write_text("channels: [unclosed\n")
    for _ in range(2):
        with pytest.raises(CondapipError, match="malformed condarc"):
            condarc.load(rc)
