"""`condapip rebuild`: the environment as it should be, built fresh and swapped in."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import condapip, pip, tree_digest
from tests.wheelmaker import make_wheel


def _rows(prefix: Path) -> dict[str, dict]:
    result = condapip("list", "-p", str(prefix), "--json")
    assert result.returncode == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def _python(prefix: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(prefix / "bin" / "python"), "-c", code], capture_output=True, text=True, check=False
    )


def _old(prefix: Path) -> Path:
    return prefix.with_name(prefix.name + ".condapip-old")


def test_rebuild_puts_back_the_conda_version_pip_overwrote_and_keeps_pip_packages(
    make_env, wheelhouse, find_links, pip_engine
):
    prefix = make_env()
    assert pip(prefix, "install", "epsilon", find_links=wheelhouse).returncode == 0
    assert pip(prefix, "install", "beta==2.0", find_links=wheelhouse).returncode == 0
    assert _rows(prefix)["beta"]["owner"] == "pip-over-conda"
    result = condapip("rebuild", "-p", str(prefix), "--pip-engine", pip_engine, "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = _rows(prefix)
    assert rows["beta"]["owner"] == "conda" and rows["beta"]["version"] == "1.0"
    assert rows["epsilon"]["owner"] == "pip"
    assert not _old(prefix).exists()
    assert condapip("doctor", "-p", str(prefix), "--json").returncode == 0


def test_dry_run_lists_the_spec_and_changes_nothing(make_env, wheelhouse):
    prefix = make_env()
    assert pip(prefix, "install", "epsilon", find_links=wheelhouse).returncode == 0
    before = tree_digest(prefix)
    result = condapip("rebuild", "-p", str(prefix), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "epsilon==1.0" in result.stdout
    assert ".conda" in result.stdout  # conda packages by exact URL
    assert tree_digest(prefix) == before


def test_failed_rebuild_leaves_the_old_environment_in_place(make_env, tmp_path, find_links):
    prefix = make_env()
    local = make_wheel(tmp_path / "gone", "omega", "1.0")
    assert pip(prefix, "install", str(local), "--no-index").returncode == 0
    local.unlink()  # the pip layer can no longer be reinstalled from its source
    before = tree_digest(prefix)
    result = condapip("rebuild", "-p", str(prefix), "--yes")
    assert result.returncode != 0
    assert "rebuild failed" in result.stderr and "as it was" in result.stderr
    assert tree_digest(prefix) == before
    assert not _old(prefix).exists()


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
def test_rebuild_repairs_the_seeds_numpy_scipy_breakage(make_env, real_channel, real_wheels):
    prefix = make_env(("python", "pip", "scipy"), chan=real_channel)
    links = real_wheels.numpy2.parent
    assert pip(prefix, "install", "numpy==2.2.6", find_links=links).returncode == 0
    assert _python(prefix, "import scipy.linalg").returncode != 0  # the seed's breakage
    result = condapip("rebuild", "-p", str(prefix), "--yes")
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
