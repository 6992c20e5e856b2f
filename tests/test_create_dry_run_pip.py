"""`create -f`: the file's pip list is resolved against the conda solution before
anything is linked, so a dry run refuses what the real run would, and shows pip's versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import condapip, write_envfile

ENGINES = ["rattler", pytest.param("conda", marks=pytest.mark.conda)]


def _yml(tmp_path: Path, channel: Path, wheelhouse: Path, pip_entries: list[str]) -> Path:
    """python, pip and alpha (which needs conda's beta 1.0), and a pip list that is
    offline-repeatable: no index, only the test wheels."""
    pips = ["--no-index", f"--find-links {wheelhouse}", *pip_entries]
    return write_envfile(tmp_path, channel, ["python", "pip", "alpha"], pips)


def _error(stderr: str) -> str:
    [line] = [line for line in stderr.splitlines() if line.startswith("condapip: error:")]
    return line


def _engine_config(engine: str, request: pytest.FixtureRequest) -> None:
    """conda confined to the test's folder, online as the rattler runs are (the channel is
    local): under ``offline: true`` a requirement no local folder has is another error."""
    if engine == "conda":
        condarc = request.getfixturevalue("condarc")
        condarc.write_text(condarc.read_text().replace("offline: true\n", ""))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_dry_run_refuses_a_pip_list_that_cannot_be_resolved(
    tmp_path, channel, wheelhouse, engine, request
):
    _engine_config(engine, request)
    yml = _yml(tmp_path, channel, wheelhouse, ["epsilon", "nosuchdist==1"])
    prefix = tmp_path / "new"
    result = condapip("create", "-f", str(yml), "-p", str(prefix), "--engine", engine, "--dry-run")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "nosuchdist==1" in _error(result.stderr)
    assert not prefix.exists()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_dry_run_shows_the_pip_layers_versions_beside_condas(
    tmp_path, channel, wheelhouse, engine, request
):
    _engine_config(engine, request)
    yml = _yml(tmp_path, channel, wheelhouse, ["epsilon"])
    prefix = tmp_path / "new"
    shown = condapip("create", "-f", str(yml), "-p", str(prefix), "--engine", engine, "--dry-run")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    versions = shown.stdout.split("versions:", 1)[1].splitlines()
    assert "  + epsilon 1.0  (pip)" in versions and "  + beta 1.0  (conda)" in versions
    assert not [line for line in versions if "(pip)" in line and "epsilon" not in line]
    assert not prefix.exists()


@pytest.mark.parametrize(
    "requirement",
    ["beta>=2", "delta"],  # beta 2.0 itself; delta, which needs beta>=2
)
def test_a_pip_list_that_would_replace_a_conda_dist_is_refused_before_linking(
    tmp_path, channel, wheelhouse, requirement
):
    yml = _yml(tmp_path, channel, wheelhouse, [requirement])
    prefix = tmp_path / "new"
    for run in ("--dry-run", "--yes"):
        result = condapip("create", "-f", str(yml), "-p", str(prefix), run)
        assert result.returncode == 1, result.stdout + result.stderr
        line = _error(result.stderr)
        assert "beta" in line and requirement.split(">")[0] in line, line
        assert "linking" not in result.stderr  # refused before the conda layer was linked
        assert not prefix.exists()


def test_the_real_run_refuses_an_unresolvable_pip_list_before_linking(
    tmp_path, channel, wheelhouse
):
    yml = _yml(tmp_path, channel, wheelhouse, ["nosuchdist==1"])
    prefix = tmp_path / "envs" / "made"
    result = condapip("create", "-f", str(yml), "-p", str(prefix), "--yes")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "nosuchdist==1" in _error(result.stderr)
    assert "linking" not in result.stderr
    assert not prefix.exists()


def test_the_conda_layer_is_offered_to_pip_by_its_purls_and_only_if_it_is_python(tmp_path):
    """conda's `graphviz` (a C tool, no purls, no python) is no PyPI dist; a package whose
    purls name a PyPI project is that project, whatever its conda name."""
    from condapip.change.engines.base import SolvedPackage
    from condapip.commands.create_pip import conda_dists
    from condapip.formats.lock_pip import CondaDist
    from tests.helpers import purl_channel

    chan = purl_channel(
        tmp_path,
        {
            "kappa-tool": {"purls": ["pkg:pypi/kappa@1.0"]},
            "graphviz": {"depends": [], "noarch": None},  # as conda-forge's C tool: needs no python
            "python-graphviz": {},
            "plain": {},
        },
    )

    def solved(name: str) -> SolvedPackage:
        return SolvedPackage(name, "1.0", "pyh_0", chan.as_uri(), "noarch", "", None, None)

    names = ["python", "kappa-tool", "graphviz", "python-graphviz", "plain"]
    dists = conda_dists([solved(n) for n in names], [chan.as_uri()], [])
    assert sorted(dists, key=lambda d: d.name) == [
        CondaDist("graphviz", "1.0", "python-graphviz"),  # the name table's PyPI name
        CondaDist("kappa", "1.0", "kappa-tool"),
        CondaDist("plain", "1.0", "plain"),
    ]
