"""`condapip rebuild`: the environment as it should be, built fresh and swapped in."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import condapip, copy_prefix, make_prefix, pip, tree_digest
from tests.inprocess import cli as _cli
from tests.wheelmaker import make_wheel


def _rows(prefix: Path) -> dict[str, dict]:
    code, out = _cli("list", "-p", str(prefix), "--json")
    assert code == 0, out
    return {row["name"]: row for row in json.loads(out)}


def _doctor_clean(prefix: Path) -> None:
    code, out = _cli("doctor", "-p", str(prefix), "--json")
    assert code == 0, out


@pytest.fixture(scope="module")
def pip_over_conda(
    tmp_path_factory: pytest.TempPathFactory, channel: Path, wheelhouse: Path
) -> Path:
    """conda: python, pip, alpha, beta 1.0; pip: epsilon, then beta 2.0 over conda's.
    Tests that change it change their own copy (``copy_prefix``)."""
    prefix = tmp_path_factory.mktemp("pip-over-conda") / "env"
    make_prefix(prefix, channel, ["python", "pip", "alpha"])
    assert pip(prefix, "install", "epsilon", find_links=wheelhouse).returncode == 0
    assert pip(prefix, "install", "beta==2.0", find_links=wheelhouse).returncode == 0
    assert _rows(prefix)["beta"]["owner"] == "pip-over-conda"
    return prefix


def _python(prefix: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(prefix / "bin" / "python"), "-c", code], capture_output=True, text=True, check=False
    )


def _old(prefix: Path) -> Path:
    return prefix.with_name(prefix.name + ".condapip-old")


def test_doctors_fix_or_rebuild_with_uv_puts_back_what_pip_overwrote_and_keeps_pip_packages(
    pip_over_conda, tmp_path, find_links, pip_engine
):
    prefix = copy_prefix(pip_over_conda, tmp_path / "env")
    if pip_engine == "pip":  # doctor's fix, run as printed (pip is the default engine)
        [fix] = _error_fixes(prefix)
        result = _run_as_printed(fix)
    else:
        result = condapip("rebuild", "-p", str(prefix), "--pip-engine", pip_engine, "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = _rows(prefix)
    assert rows["beta"]["owner"] == "conda" and rows["beta"]["version"] == "1.0"
    assert rows["epsilon"]["owner"] == "pip"  # nothing the user had is missing
    assert not _old(prefix).exists()
    doctor = condapip("doctor", "-p", str(prefix), "--json")
    assert doctor.returncode == 0, doctor.stdout


def test_dry_run_lists_the_spec_and_changes_nothing(pip_over_conda):
    prefix = pip_over_conda  # read only
    before = tree_digest(prefix)
    result = condapip("rebuild", "-p", str(prefix), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "epsilon==1.0" in result.stdout
    assert ".conda" in result.stdout  # conda packages by exact URL
    assert tree_digest(prefix) == before


def test_a_pip_package_that_cannot_be_reinstalled_stops_the_rebuild_before_anything_moves(
    make_env, tmp_path, find_links
):
    prefix = make_env()
    local = make_wheel(tmp_path / "gone", "omega", "1.0")
    assert pip(prefix, "install", str(local), "--no-index").returncode == 0
    local.unlink()  # the pip layer can no longer be reinstalled from its source
    before = tree_digest(prefix)
    result = condapip("rebuild", "-p", str(prefix), "--yes")
    assert result.returncode == 1, result.stderr
    assert "nothing was changed" in result.stderr
    assert f"condapip rebuild -p {prefix} --drop omega" in result.stderr
    assert tree_digest(prefix) == before
    assert not _old(prefix).exists()


def _run_as_printed(command: str) -> subprocess.CompletedProcess[str]:
    """A command condapip printed, split as a shell splits it and run as it stands, at
    a terminal where the user answers yes to the one question."""
    argv = shlex.split(command)
    assert argv[0] == "condapip" and not {"&&", ";", "||"} & set(argv), command
    master, terminal = os.openpty()
    try:
        os.write(master, b"y\n")
        return subprocess.run(
            [sys.executable, "-m", "condapip", *argv[1:]],
            stdin=terminal,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        os.close(terminal)
        os.close(master)


def _error_fixes(prefix: Path) -> set[str]:
    report = json.loads(_cli("doctor", "-p", str(prefix), "--json")[1])
    return {f["fix"] for f in report["findings"] if f["severity"] == "error"}


def test_doctors_fix_and_its_dry_run_refuse_a_pip_package_needing_pips_version_naming_way_out(
    make_env, wheelhouse, find_links
):
    """Both change nothing; the way out the real run names then works."""
    prefix = make_env()
    # delta needs beta>=2: pip moves conda's beta 1.0 to 2.0 under it
    assert pip(prefix, "install", "delta", find_links=wheelhouse).returncode == 0
    assert _rows(prefix)["beta"]["owner"] == "pip-over-conda"
    [fix] = _error_fixes(prefix)
    assert fix == f"condapip rebuild -p {prefix}"
    before = tree_digest(prefix)
    dry = condapip("rebuild", "-p", str(prefix), "--dry-run")
    assert dry.returncode == 1, dry.stdout + dry.stderr
    assert "--drop delta" in dry.stderr
    assert tree_digest(prefix) == before
    result = _run_as_printed(fix)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "building" not in result.stderr  # decided before anything moved
    assert "beta 1.0 is conda's; the pip layer needs beta>=2 (delta 1.0 requires it)" in (
        result.stderr
    )
    assert tree_digest(prefix) == before  # decided before anything moved
    way_out = result.stderr.split("To rebuild without delta: ", 1)[1].splitlines()[0]
    assert way_out == f"condapip rebuild -p {prefix} --drop delta"
    result = _run_as_printed(way_out)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = _rows(prefix)
    assert (rows["beta"]["owner"], rows["beta"]["version"]) == ("conda", "1.0")
    assert "delta" not in rows and rows["alpha"]["owner"] == "conda"
    _doctor_clean(prefix)


def test_rebuild_moves_a_pip_package_to_a_version_that_fits_the_conda_layer(
    make_env, wheelhouse, tmp_path, monkeypatch
):
    more = tmp_path / "more"
    make_wheel(more, "kappa", "1.0", ["beta>=1"])
    make_wheel(more, "kappa", "2.0", ["beta>=2"])
    monkeypatch.setenv("PIP_FIND_LINKS", f"{wheelhouse} {more}")
    prefix = make_env()
    proc = pip(prefix, "install", "kappa==2.0", "--find-links", str(wheelhouse), find_links=more)
    assert proc.returncode == 0, proc.stderr
    [fix] = _error_fixes(prefix)
    result = _run_as_printed(fix)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kappa==1.0 (was 2.0" in result.stdout  # the plan says what moved
    rows = _rows(prefix)
    assert (rows["kappa"]["owner"], rows["kappa"]["version"]) == ("pip", "1.0")
    assert (rows["beta"]["owner"], rows["beta"]["version"]) == ("conda", "1.0")
    _doctor_clean(prefix)


def test_drop_names_only_a_pip_package(make_env):
    prefix = make_env()
    before = tree_digest(prefix)
    result = condapip("rebuild", "-p", str(prefix), "--drop", "alpha", "--yes")
    assert result.returncode == 2
    assert result.stderr.startswith("condapip: error: --drop alpha: not a pip package")
    assert len(result.stderr.strip().splitlines()) == 1
    assert tree_digest(prefix) == before


@pytest.mark.parametrize("partial", [True, False])
def test_a_leftover_old_copy_without_a_journal_is_never_trusted(make_env, tmp_path, partial):
    prefix = make_env()
    # An old copy no journal vouches for: a fragment, or a whole env someone left there.
    old = _old(prefix)
    if partial:
        (old / "conda-meta").mkdir(parents=True)
    else:
        make_env(name=old.name)
    before, old_before = tree_digest(prefix), tree_digest(old)
    result = condapip("rebuild", "-p", str(prefix), "--yes")
    assert result.returncode == 1, result.stderr
    assert "no condapip journal" in result.stderr and "Traceback" not in result.stderr
    assert tree_digest(prefix) == before and tree_digest(old) == old_before


def test_rebuild_refuses_base(make_env, monkeypatch):
    prefix = make_env()
    monkeypatch.setenv("CONDA_ROOT", str(prefix))
    result = condapip("rebuild", "-p", str(prefix), "--yes")
    assert result.returncode == 1
    assert "base" in result.stderr


@pytest.mark.slow
def test_rebuild_repairs_the_seeds_numpy_scipy_breakage(broken_sci, tmp_path):
    prefix = copy_prefix(broken_sci, tmp_path / "sci")  # pip's numpy 2.2.6 over conda's
    assert _python(prefix, "import scipy.linalg").returncode != 0  # the seed's breakage
    [fix] = _error_fixes(prefix)  # pip-overwrote-conda and broken-requirement: one command
    result = _run_as_printed(fix)
    assert result.returncode == 0, result.stdout + result.stderr
    check = _python(prefix, "import scipy.linalg, numpy; print(numpy.__version__)")
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == "1.26.4"
    assert _rows(prefix)["numpy"]["owner"] == "conda"
    doctor = condapip("doctor", "-p", str(prefix), "--json")
    assert doctor.returncode == 0, doctor.stdout


def test_exact_urls_are_read_with_one_repodata_query_per_channel(make_env):
    """rebuild, rollback and exact creates look records up by URL: one query per channel,
    not one per package (against conda-forge that is minutes for a large env)."""
    import rattler

    from condapip.change import state
    from condapip.change.engines.base import SolvedPackage
    from condapip.change.engines.rattler import records_from_urls
    from condapip.errors import CondapipError
    from condapip.ledger.prefix import read_prefix

    wanted = state.capture(read_prefix(make_env(["python", "pip", "zeta", "gamma"]))).conda
    assert len(wanted) >= 5

    class Counting:
        def __init__(self) -> None:
            self.inner, self.calls = rattler.Gateway(), 0

        def query(self, *args, **kwargs):
            self.calls += 1
            return self.inner.query(*args, **kwargs)

    gateway = Counting()
    found = records_from_urls(wanted, gateway)
    assert gateway.calls == 1
    assert {str(rec.url) for rec in found.values()} == {p.url for p in wanted}

    base = wanted[0]
    lost = SolvedPackage(**{**base.__dict__, "url": base.url.replace(".conda", "-gone.conda")})
    with pytest.raises(CondapipError, match="-gone.conda"):
        records_from_urls([*wanted, lost], gateway)
