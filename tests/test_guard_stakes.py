"""What the guard finds at stake in a solved conda change (no conda needed to ask)."""

from __future__ import annotations

from pathlib import Path

import pytest

from condapip.conda_plugin.advice import Request, cannot_judge, message
from condapip.conda_plugin.stakes import Change, Unjudged, at_stake
from tests.conftest import CREATED_SPECS
from tests.helpers import make_prefix, pip
from tests.wheelmaker import make_wheel


@pytest.fixture(scope="module")
def layered(tmp_path_factory: pytest.TempPathFactory, channel: Path, wheelhouse: Path) -> Path:
    """conda: python, pip, alpha, beta; pip on top: msgpack (conda calls it
    msgpack-python), which needs beta>=1 (and beta<1 only under a marker false
    here), and epsilon. Only read: one per module."""
    root = tmp_path_factory.mktemp("layered")
    wheels = root / "wheels"
    make_wheel(wheels, "msgpack", "1.0", ["beta>=1", 'beta<1; python_version < "3"'])
    prefix = make_prefix(root / "env", channel, CREATED_SPECS)
    assert pip(prefix, "install", "--no-deps", "msgpack", find_links=wheels).returncode == 0
    assert pip(prefix, "install", "--no-deps", "epsilon", find_links=wheelhouse).returncode == 0
    return prefix


def _sp(prefix: Path) -> str:
    return next(prefix.glob("lib/python3*/site-packages")).relative_to(prefix).as_posix()


def test_replacing_a_required_package_by_a_version_that_fits_passes(layered):
    assert at_stake(str(layered), Change({"beta": "1.0"}, {"beta": "1.5"})) == []


def test_replacing_a_required_package_by_one_that_does_not_fit_is_at_stake(layered):
    stakes = at_stake(str(layered), Change({"beta": "1.0"}, {"beta": "0.9"}))
    assert [(s.pip, s.package, s.requirement, s.fits) for s in stakes] == [
        ("msgpack 1.0", "beta", "beta>=1", ">=1")
    ]
    assert stakes[0].what == "beta would be replaced by 0.9"


def test_removing_a_required_package_is_at_stake_with_no_version_that_fits(layered):
    stakes = at_stake(str(layered), Change({"beta": "1.0"}, {}))
    assert [(s.pip, s.what, s.fits) for s in stakes] == [
        ("msgpack 1.0", "beta would be removed", None)
    ]


def test_a_conda_package_over_a_pip_dist_of_another_name_is_at_stake(layered):
    stakes = at_stake(str(layered), Change({}, {"msgpack-python": "1.0"}))
    assert [(s.package, s.pip) for s in stakes] == [("msgpack-python", "msgpack 1.0")]


def test_a_file_pip_owns_is_judged_by_path_whatever_the_package_name(layered):
    path = f"{_sp(layered)}/epsilon/__init__.py"
    stakes = at_stake(str(layered), Change({}, {"other": "1.0"}, written={path: "other 1.0"}))
    assert [(s.pip, s.package, s.what) for s in stakes] == [
        ("epsilon 1.0", "other", f"other 1.0 would write over {path}")
    ]
    deleted = at_stake(str(layered), Change({"x": "1"}, {}, deleted={path: "x 1"}))
    assert [s.what for s in deleted] == [f"x 1 would delete {path}"]


def test_a_change_no_pip_dist_depends_on_is_not_at_stake(layered):
    assert at_stake(str(layered), Change({}, {"zeta": "1.0"})) == []
    assert at_stake(str(layered), Change({"alpha": "1.0"}, {"alpha": "1.0"})) == []


def test_a_new_prefix_has_nothing_at_stake(tmp_path):
    assert at_stake(str(tmp_path / "new"), Change({}, {"beta": "1.0"})) == []


def test_a_prefix_that_cannot_be_read_cannot_be_judged(tmp_path):
    (tmp_path / "conda-meta").mkdir()
    (tmp_path / "conda-meta" / "broken-1.0-0.json").write_text("{not json")
    with pytest.raises(Unjudged):
        at_stake(str(tmp_path), Change({"beta": "1.0"}, {}))


def test_the_message_names_each_pip_dist_its_requirement_and_commands_that_can_work(layered):
    stakes = at_stake(str(layered), Change({"beta": "1.0"}, {"beta": "0.9"}))
    request = Request(("beta=0.9", "zeta"), "install", ("file:///c h",))
    text = message(str(layered), stakes, request)
    assert "pip's msgpack 1.0 needs beta>=1: beta would be replaced by 0.9" in text
    assert "No command can make this change and keep these pip packages working" in text
    assert f"conda install -p {layered} -c 'file:///c h' 'beta>=1' zeta" in text
    assert f"condapip rebuild -p {layered} --drop msgpack --yes, then run conda install" in text
    assert "conda config --set plugins.condapip_guard warn" in text


def test_with_no_version_that_fits_the_message_offers_only_the_drop(layered):
    stakes = at_stake(str(layered), Change({"beta": "1.0"}, {}))
    text = message(str(layered), stakes, Request(verb="remove"))
    assert "versions that fit" not in text
    assert "--drop msgpack" in text and "then run conda remove again" in text


def test_cannot_judge_is_one_line_with_the_setting_to_go_on():
    text = cannot_judge("/p", "no METADATA\nin zzz")
    assert "\n" not in text and "no METADATA in zzz" in text
    assert text.endswith("conda config --set plugins.condapip_guard warn")
