"""condapip inside the real conda: health checks, the guard, the subcommand, failure safety."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

from tests.helpers import conda, condapip, copy_prefix, pip, tree_digest

pytestmark = pytest.mark.conda


def _rules() -> list[str]:
    from condapip.conda_plugin.health import rule_modules

    return [m.RULE for m in rule_modules()]


def test_conda_doctor_list_gives_every_condapip_rule_its_own_fix(condarc):
    from condapip.conda_plugin.health import FIXES

    listed = conda("doctor", "--list", check=True).stdout
    for rule in _rules():
        line = next(x for x in listed.splitlines() if f"condapip-{rule}: condapip: " in x)
        assert line.endswith(f"(fix: {FIXES[rule]})")
    assert "(fix: conda config --set channel_priority strict" in listed


def test_conda_doctor_fix_dry_run_prints_the_command_and_changes_nothing(
    make_env, wheelhouse, condarc
):
    prefix = make_env(("python", "pip", "beta"))
    assert pip(prefix, "install", "beta==2.0", find_links=wheelhouse).returncode == 0
    before = tree_digest(prefix)
    check = "condapip-pip-overwrote-conda"
    proc = conda("doctor", "-p", str(prefix), "--fix", "--dry-run", check)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"the fix runs: condapip rebuild -p {prefix} --yes" in proc.stdout
    assert tree_digest(prefix) == before


@pytest.mark.slow
def test_conda_doctor_shows_the_seeds_breakage_with_fix_commands(broken_sci, condarc, tmp_path):
    prefix = copy_prefix(broken_sci, tmp_path / "sci")
    out = conda("doctor", "-p", str(prefix), check=True).stdout
    overwrote = out.split("condapip pip-overwrote-conda:", 1)[1]
    assert overwrote.lstrip().startswith("numpy: numpy 1.26.4 (conda) was replaced by numpy 2.2.6")
    fix = next(line for line in overwrote.splitlines() if line.strip().startswith("fix: "))
    assert fix.endswith(f"condapip rebuild -p {prefix}")
    broken = out.split("condapip broken-requirement:", 1)[1]
    assert "scipy 1.11.4 (conda) requires numpy <1.28.0,>=1.21.6, found numpy 2.2.6" in broken
    assert "✅ condapip duplicate-dist: no findings." in out


@pytest.mark.slow
def test_guard_stops_conda_replacing_numpy_under_pip_and_changes_nothing(
    broken_sci, real_channel, condarc, tmp_path
):
    prefix = copy_prefix(broken_sci, tmp_path / "sci")
    before = tree_digest(prefix)
    proc = _reinstall_numpy(prefix, real_channel)
    assert proc.returncode == 1
    message = proc.stdout + proc.stderr
    assert "CondapipGuardRefused" in message
    assert f"would break pip packages in {prefix} (numpy 2.2.6)" in message
    assert "pip's numpy 2.2.6 needs its files: numpy would be replaced by 1.26.4" in message
    assert f"condapip rebuild -p {prefix} --drop numpy --yes" in message
    assert tree_digest(prefix) == before


def _reinstall_numpy(prefix: Path, channel: Path) -> subprocess.CompletedProcess[str]:
    args = ("install", "-y", "-p", str(prefix), "--force-reinstall", "-c", channel.as_uri())
    return conda(*args, "numpy")


@pytest.mark.parametrize(
    "setting", ["plugins:\n  condapip_guard: 'off'\n", "condapip_guard: off\n"]
)
@pytest.mark.slow
def test_guard_off_lets_conda_proceed(broken_sci, real_channel, condarc, tmp_path, setting):
    condarc.write_text(condarc.read_text() + setting)
    prefix = copy_prefix(broken_sci, tmp_path / "sci")
    proc = _reinstall_numpy(prefix, real_channel)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "CondapipGuardRefused" not in proc.stdout + proc.stderr
    # conda linked its numpy 1.x again, over pip's files
    assert next(prefix.glob("lib/python3*/site-packages/numpy-1.26.4.dist-info")).is_dir()


@pytest.mark.slow
def test_guard_warn_tells_and_lets_conda_proceed(broken_sci, real_channel, condarc, tmp_path):
    condarc.write_text(condarc.read_text() + "plugins:\n  condapip_guard: warn\n")
    prefix = copy_prefix(broken_sci, tmp_path / "sci")
    proc = _reinstall_numpy(prefix, real_channel)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "condapip guard (warn)" in proc.stderr


def test_guard_lets_a_change_the_pip_layer_does_not_touch_pass(
    make_env, channel, wheelhouse, condarc
):
    prefix = make_env()
    assert pip(prefix, "install", "epsilon", find_links=wheelhouse).returncode == 0
    proc = conda("install", "-y", "-p", str(prefix), "-c", channel.as_uri(), "zeta")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert any(p.name.startswith("zeta-") for p in (prefix / "conda-meta").glob("*.json"))


def test_guard_stops_conda_removing_a_package_pip_requires(make_env, wheelhouse, condarc):
    prefix = make_env(("python", "pip", "beta"))
    assert pip(prefix, "install", "--no-deps", "alpha", find_links=wheelhouse).returncode == 0
    before = tree_digest(prefix)
    proc = conda("remove", "-y", "-p", str(prefix), "beta")
    assert proc.returncode == 1
    assert "pip's alpha 1.0 needs beta>=1.0: beta would be removed" in proc.stdout + proc.stderr
    assert tree_digest(prefix) == before


@pytest.mark.slow
def test_conda_doctor_fix_runs_condapip_rebuild(broken_sci, condarc, tmp_path):
    prefix = copy_prefix(broken_sci, tmp_path / "sci")
    checks = ("condapip-pip-overwrote-conda", "condapip-broken-requirement")
    proc = conda("doctor", "-p", str(prefix), "--fix", "--yes", *checks)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"rebuilt: {prefix}" in proc.stdout + proc.stderr
    report = json.loads(condapip("doctor", "-p", str(prefix), "--json").stdout)
    assert report["healthy"], report


@pytest.mark.slow
def test_conda_doctor_fix_respects_a_no(broken_sci, condarc, tmp_path):
    prefix = copy_prefix(broken_sci, tmp_path / "sci")
    before = tree_digest(prefix)
    proc = conda("doctor", "-p", str(prefix), "--fix", "--dry-run", "condapip-pip-overwrote-conda")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"the fix runs: condapip rebuild -p {prefix} --yes" in proc.stdout
    assert tree_digest(prefix) == before


def test_conda_runs_with_an_env_condapip_cannot_read(make_env, condarc):
    prefix = make_env()
    record = next((prefix / "conda-meta").glob("beta-*.json"))
    # a lone surrogate: Python's json (conda) reads it, orjson (condapip) does not
    text = record.read_text().replace('"name": "beta"', '"name": "beta", "x": "\\ud800"', 1)
    record.unlink()  # replace, never edit: prefix files are hardlinked to rattler's cache
    record.write_text(text)
    assert condapip("list", "-p", str(prefix)).returncode == 2
    listed = conda("list", "-p", str(prefix), check=True).stdout
    assert "beta" in listed and "alpha" in listed
    doctor = conda("doctor", "-p", str(prefix), check=True).stdout
    assert "condapip could not read this environment" in doctor
    assert "There are no packages with missing files" in doctor


def test_conda_condapip_runs_a_verb_on_condas_environment(make_env, condarc, monkeypatch):
    prefix = make_env()
    monkeypatch.setenv("CONDA_PREFIX", str(prefix))
    proc = conda("condapip", "list", "--json", check=True)
    assert {row["name"] for row in json.loads(proc.stdout)} >= {"alpha", "beta", "python"}


@pytest.mark.skipif(
    find_spec("conda_pypi") is None,
    reason="conda-pypi is not installed: pip install 'conda-pypi==0.13.*' to compare",
)
@pytest.mark.slow
def test_beside_conda_pypi_both_plugins_load_and_condapip_reads_first(
    broken_sci, condarc, tmp_path
):
    listed = conda("doctor", "--list", check=True).stdout
    assert "external-packages" in listed and "condapip-pip-overwrote-conda" in listed
    prefix = copy_prefix(broken_sci, tmp_path / "sci")
    out = conda("doctor", "-p", str(prefix), check=True).stdout
    assert "These packages are not installed by conda" in out  # conda-pypi's
    assert out.index("condapip pip-overwrote-conda:") < out.index("not installed by conda")
    assert "numpy: numpy 1.26.4 (conda) was replaced by numpy 2.2.6" in out
    # conda's pip-interop read (conda-pypi's check) deleted the overwritten
    # record; condapip put it back after the command
    assert list((prefix / "conda-meta").glob("numpy-*.json"))


def test_plugin_import_is_cheap():
    # conda imports the plugin and calls most of its hooks on every command (the
    # health checks only on doctor): none of that may load the doctor, rattler or typer
    code = (
        "import sys, condapip.conda_plugin.hooks as p\n"
        "for hook in (p.conda_settings, p.conda_subcommands, p.conda_pre_commands,\n"
        "             p.conda_post_commands, p.conda_exception_observers,\n"
        "             p.conda_pre_transaction_actions, p.conda_pre_solves, p.conda_post_solves,\n"
        "             p.conda_environment_exporters, p.conda_environment_specifiers):\n"
        "    list(hook())\n"
        "heavy = ('rattler', 'typer', 'rich', 'condapip.doctor', 'condapip.ledger')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_conda_export_format_condapip_reads_before_conda_deletes_records(
    broken_sci, condarc, tmp_path
):
    prefix = copy_prefix(broken_sci, tmp_path / "sci")
    ours = condapip("export", "-p", str(prefix)).stdout
    assert "numpy=1.26.4=py311_0" in ours
    via_conda = conda("export", "-p", str(prefix), "--format", "condapip", check=True).stdout
    assert via_conda == ours
    # conda's own pip-interop read deleted the record pip overwrote; it is back
    assert list((prefix / "conda-meta").glob("numpy-*.json"))
    report = json.loads(condapip("doctor", "-p", str(prefix), "--json").stdout)
    assert "pip-overwrote-conda" in {f["rule"] for f in report["findings"]}


@pytest.mark.skipif(
    find_spec("conda_pypi") is None,
    reason="conda-pypi is not installed: pip install 'conda-pypi==0.13.*' to compare",
)
@pytest.mark.slow
def test_conda_doctor_fix_beside_conda_pypi_puts_back_the_deleted_record_and_rebuilds(
    broken_sci, condarc, tmp_path
):
    prefix = copy_prefix(broken_sci, tmp_path / "sci")
    proc = conda("doctor", "-p", str(prefix), "--fix", "--yes")
    out = proc.stdout + proc.stderr
    assert "put back conda-meta/numpy-1.26.4-py311_0.json" in out
    assert f"rebuilt: {prefix}" in out
    report = json.loads(condapip("doctor", "-p", str(prefix), "--json").stdout)
    assert report["healthy"], report
    rows = json.loads(condapip("list", "-p", str(prefix), "--json").stdout)
    assert {(r["name"], r["version"], r["owner"]) for r in rows} >= {("numpy", "1.26.4", "conda")}


def test_conda_doctor_fix_rolls_back_an_interrupted_change(
    make_env, channel, find_links, condarc, tmp_path
):
    from tests.helpers import kill_at

    prefix = make_env()
    before = sorted(p.name for p in (prefix / "conda-meta").glob("*.json"))
    kill_at(tmp_path, "conda", "install", "-p", str(prefix), "-c", str(channel), "--yes", "zeta")
    out = conda("doctor", "-p", str(prefix), check=True).stdout
    assert "❌ condapip interrupted-change:" in out
    proc = conda("doctor", "-p", str(prefix), "--fix", "--yes", "condapip-interrupted-change")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in (prefix / "conda-meta").glob("*.json")) == before
    report = json.loads(condapip("doctor", "-p", str(prefix), "--json").stdout)
    assert report["healthy"], report


def test_the_guard_lets_condapips_own_conda_engine_through(make_env, wheelhouse, channel, condarc):
    from condapip.change.engines import conda_engine

    prefix = make_env(("python", "pip", "beta"))
    assert pip(prefix, "install", "--no-deps", "alpha", find_links=wheelhouse).returncode == 0
    engine = conda_engine("conda")
    solved = engine.solve(prefix, [channel.as_uri()], ["python", "pip"])
    change = engine.install(prefix, solved)  # conda remove beta, unguarded
    assert any("::beta-1.0-" in d for d in change.removed)
