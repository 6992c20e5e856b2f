"""conda-meta/history as conda 26 writes it, so `conda list --revisions` reads condapip's."""

from __future__ import annotations

import re

from condapip.ledger.history import read_history


def test_history_entries_name_each_package_as_channel_subdir_dist(make_env, channel):
    prefix = make_env()
    text = (prefix / "conda-meta" / "history").read_text()
    lines = text.splitlines()
    assert re.fullmatch(r"==> \d{4}-\d\d-\d\d \d\d:\d\d:\d\d <==", lines[0])
    assert lines[1].startswith("# cmd: ")
    added = [ln[1:] for ln in lines if ln.startswith("+")]
    assert f"{channel.as_uri()}/noarch::alpha-1.0-pyh_0" in added
    assert any(re.fullmatch(rf"{channel.as_uri()}/[a-z0-9-]+::python-.+", a) for a in added)
    assert added == sorted(added)
    assert lines[-1] == "# update specs: ['python', 'pip', 'alpha']"
    [entry] = read_history(prefix / "conda-meta" / "history")
    assert entry.update_specs == ("python", "pip", "alpha")
