"""What the guard finds at stake in a solved conda change (no conda needed to ask)."""

from __future__ import annotations

from pathlib import Path

import pytest

from condapip.conda_plugin.guard import at_stake, message
from tests.conftest import pip
from tests.wheelmaker import make_wheel


@pytest.fixture(scope="module")
def layered(tmp_path_factory: pytest.TempPathFactory, channel: Path, wheelhouse: Path) -> Path:
    """conda: python, pip, alpha, beta; pip on top: msgpack (conda calls it
    msgpack-python), which needs beta, and epsilon. Only read: one per module."""
    from condapip.change import conda_layer
    from condapip.change.engines.rattler import RattlerEngine

    root = tmp_path_factory.mktemp("layered")
    wheels = root / "wheels"
    wheels.mkdir()
    make_wheel(wheels, "msgpack", "1.0", ["beta>=1"])
    prefix = root / "env"
    specs = ["python", "pip", "alpha"]
    engine = RattlerEngine(progress=False)
    solved = conda_layer.solve(engine, prefix, [str(channel)], specs)
    conda_layer.apply(engine, prefix, solved, specs)
    assert pip(prefix, "install", "--no-deps", "msgpack", find_links=wheels).returncode == 0
    assert pip(prefix, "install", "--no-deps", "epsilon", find_links=wheelhouse).returncode == 0
    return prefix


def test_replacing_a_conda_package_a_pip_dist_requires_is_at_stake(layered):
    stakes = at_stake(str(layered), ["beta"], ["beta"])
    assert [(s.package, s.how, s.pip) for s in stakes] == [("beta", "replaced", ("msgpack 1.0",))]


def test_a_conda_package_over_a_pip_dist_of_another_name_is_at_stake(layered):
    stakes = at_stake(str(layered), [], ["msgpack-python"])
    assert [(s.package, s.how, s.pip) for s in stakes] == [
        ("msgpack-python", "added", ("msgpack 1.0",))
    ]


def test_a_change_no_pip_dist_depends_on_is_not_at_stake(layered):
    assert at_stake(str(layered), [], ["zeta"]) == []
    assert at_stake(str(layered), ["alpha"], ["alpha"]) == []


def test_a_new_prefix_has_nothing_at_stake(tmp_path):
    assert at_stake(str(tmp_path / "new"), [], ["beta"]) == []


def test_the_message_names_the_pip_packages_and_the_relayer_command(layered):
    stakes = at_stake(str(layered), ["beta"], ["beta"])
    text = message(str(layered), stakes, ("beta >=1",), ())
    assert "pip packages at stake: msgpack 1.0" in text
    assert f"condapip install -p {layered} 'beta >=1'" in text
    assert "conda config --set plugins.condapip_guard warn" in text
