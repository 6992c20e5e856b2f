"""`condapip doctor` on real prefixes changed by real pip: each rule fires, and stays silent."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.helpers import condapip, copy_prefix, host_channel, make_prefix, pip, tree_digest
from tests.inprocess import run_cli
from tests.wheelmaker import make_wheel

RULES = (
    "pip-overwrote-conda",
    "duplicate-dist",
    "broken-requirement",
    "pip-in-base",
    "conda-after-pip",
    "cuda-mismatch",
    "install-log-warning",
    "channel-priority",
    "interrupted-change",
)


def doctor_json(prefix: Path, *args: str, code: int | None = None) -> dict:
    # in-process: these tests are about doctor's findings, not the process boundary
    done = run_cli("doctor", "-p", str(prefix), "--json", *args)
    returncode, stdout, stderr = done.returncode, done.stdout, done.stderr
    assert returncode in (0, 1), stderr
    data = json.loads(stdout)
    assert data["healthy"] == (returncode == 0)
    if code is not None:
        assert returncode == code, data
    return data


def fired(data: dict, rule: str) -> list[dict]:
    return [f for f in data["findings"] if f["rule"] == rule]


def conda_install(prefix: Path, specs: Sequence[str], chan: Path) -> None:
    """A later conda transaction, as `conda install` would make it."""
    make_prefix(prefix, chan, specs, argv=["conda", "install", *specs])


def replace_file(path: Path, text: str) -> None:
    # prefix files are hardlinks into rattler's cache: never edit in place
    path.unlink()
    path.write_text(text)


def _mixed(prefix: Path, channel: Path, wheelhouse: Path) -> Path:
    """A healthy mixed prefix: conda first (alpha, beta), then a pip-only package."""
    conda_install(prefix, ["python", "pip", "alpha"], channel)
    assert pip(prefix, "install", "epsilon", find_links=wheelhouse).returncode == 0
    return prefix


@pytest.fixture(scope="module")
def healthy_env(tmp_path_factory, channel, wheelhouse) -> Path:
    """A healthy mixed prefix, shared by the tests that only read it."""
    return _mixed(tmp_path_factory.mktemp("healthy") / "env", channel, wheelhouse)


@pytest.fixture
def mixed_env(healthy_env, tmp_path) -> Path:
    """The same, a private copy for a test that changes it."""
    return copy_prefix(healthy_env, tmp_path / "env")


@pytest.fixture(scope="module")
def beta2_env(healthy_env, tmp_path_factory, wheelhouse) -> Path:
    """The healthy prefix after `pip install beta==2.0` over conda's beta 1.0; read only."""
    prefix = copy_prefix(healthy_env, tmp_path_factory.mktemp("beta2") / "env")
    assert pip(prefix, "install", "beta==2.0", find_links=wheelhouse).returncode == 0
    return prefix


@pytest.fixture(scope="module")
def pip_ready_env(tmp_path_factory, channel) -> Path:
    """python and pip from conda, nothing else; only copied."""
    prefix = tmp_path_factory.mktemp("pip-ready") / "env"
    conda_install(prefix, ["python", "pip"], channel)
    return prefix


@pytest.fixture
def bare_env(pip_ready_env, tmp_path) -> Path:
    """A private copy of it."""
    return copy_prefix(pip_ready_env, tmp_path / "env")


@pytest.fixture(scope="module")
def conda_only_env(tmp_path_factory, channel) -> Path:
    """python, pip and alpha from conda, no pip change; read only."""
    prefix = tmp_path_factory.mktemp("conda-only") / "env"
    conda_install(prefix, ["python", "pip", "alpha"], channel)
    return prefix


# --- the seed's breakage, with real numpy and scipy wheels ---------------------------------


@pytest.mark.slow
def test_pip_numpy2_over_conda_scipy_is_found_in_both_worlds(healthy_sci, broken_sci):
    # the same conda numpy and scipy, before and after pip's numpy 2.x (conftest)
    assert doctor_json(healthy_sci, code=0)["findings"] == []
    assert doctor_json(healthy_sci, "--verify", code=0)["findings"] == []

    prefix = broken_sci
    data = doctor_json(prefix, code=1)
    overwrote = fired(data, "pip-overwrote-conda")
    assert [f["package"] for f in overwrote] == ["numpy"]
    assert "1.26.4" in overwrote[0]["message"] and "2.2.6" in overwrote[0]["message"]
    assert "missing" in overwrote[0]["message"] and "altered" in overwrote[0]["message"]
    # one command, no "pip uninstall && ...": rebuild sets pip's numpy aside itself
    assert overwrote[0]["fix"] == f"condapip rebuild -p {prefix}"
    broken = fired(data, "broken-requirement")
    assert [f["package"] for f in broken] == ["scipy"]
    assert broken[0]["message"] == (
        "scipy 1.11.4 (conda) requires numpy <1.28.0,>=1.21.6, found numpy 2.2.6 (pip)"
    )
    assert all(f["severity"] == "error" for f in data["findings"])
    assert data["prefix"] == str(prefix)


# --- a healthy prefix: every rule silent ---------------------------------------------------


@pytest.mark.parametrize("rule", RULES)
def test_healthy_mixed_env_is_silent_for_every_rule(healthy_env, rule):
    data = doctor_json(healthy_env, "--verify", "--strict", code=0)
    assert fired(data, rule) == []


def test_healthy_env_prints_a_summary_and_exits_0(healthy_env):
    result = condapip("doctor", "-p", str(healthy_env))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"healthy: no findings in {healthy_env}"


def test_doctor_does_not_change_the_prefix(beta2_env):
    before = tree_digest(beta2_env)
    result = condapip("doctor", "-p", str(beta2_env), "--verify")
    assert result.returncode == 1, result.stdout + result.stderr  # pip's beta over conda's
    assert "pip-overwrote-conda" in result.stdout
    assert tree_digest(beta2_env) == before


# --- pip-overwrote-conda -------------------------------------------------------------------


def test_pip_upgrade_of_conda_package_is_pip_overwrote_conda(beta2_env):
    prefix = beta2_env
    data = doctor_json(prefix, code=1)
    [finding] = fired(data, "pip-overwrote-conda")
    assert finding["package"] == "beta"
    assert "beta 1.0 (conda) was replaced by beta 2.0" in finding["message"]
    assert "INSTALLER pip" in finding["message"]
    assert finding["fix"] == f"condapip rebuild -p {prefix}"  # one command, run as printed


def test_pip_reinstall_of_same_version_is_pip_overwrote_conda(mixed_env, wheelhouse):
    prefix = mixed_env
    proc = pip(
        prefix, "install", "--force-reinstall", "--no-deps", "beta==1.0", find_links=wheelhouse
    )
    assert proc.returncode == 0, proc.stderr
    [finding] = fired(doctor_json(prefix, code=1), "pip-overwrote-conda")
    assert "INSTALLER pip" in finding["message"]


def test_pip_uninstall_of_conda_package_counts_missing_files(mixed_env):
    prefix = mixed_env
    assert pip(prefix, "uninstall", "-y", "beta").returncode == 0
    data = doctor_json(prefix, code=1)
    [finding] = fired(data, "pip-overwrote-conda")
    assert finding["package"] == "beta"
    assert "5 of 5 conda files missing, 0 altered" in finding["message"]
    assert finding["fix"] == f"condapip rebuild -p {prefix}"
    # alpha (conda) needs beta, which pip took away
    [broken] = fired(data, "broken-requirement")
    assert broken["package"] == "alpha" and "beta >=1.0" in broken["message"]


def test_changed_file_of_same_size_is_found_only_with_verify(make_env):
    prefix = make_env()
    init = next(prefix.glob("lib/python*/site-packages/alpha/__init__.py"))
    text = init.read_text()
    replace_file(init, text.replace("1.0", "9.9"))
    assert init.stat().st_size == len(text)
    assert doctor_json(prefix, code=0)["findings"] == []
    [finding] = fired(doctor_json(prefix, "--verify", code=1), "pip-overwrote-conda")
    assert finding["package"] == "alpha"
    assert "0 of 5 conda files missing, 1 altered (sha256)" in finding["message"]


def test_changed_file_size_is_found_without_verify(make_env):
    prefix = make_env()
    init = next(prefix.glob("lib/python*/site-packages/alpha/__init__.py"))
    replace_file(init, init.read_text() + "# patched\n")
    [finding] = fired(doctor_json(prefix, code=1), "pip-overwrote-conda")
    assert "1 altered (size)" in finding["message"]


def test_bytecode_written_after_install_is_not_a_change(mixed_env):
    python = str(mixed_env / "bin" / "python")
    subprocess.run([python, "-m", "compileall", "-q", str(mixed_env / "lib")], check=True)
    assert doctor_json(mixed_env, "--verify", code=0)["findings"] == []


# --- duplicate-dist and conda-after-pip: pip first, then conda ------------------------------


@pytest.fixture(scope="module")
def conda_after_pip_env(tmp_path_factory, wheelhouse, channel) -> Path:
    """pip installs beta 2.0; later conda installs alpha, which lays beta 1.0 beside it."""
    prefix = tmp_path_factory.mktemp("conda-after-pip") / "env"
    conda_install(prefix, ["python", "pip"], channel)
    assert pip(prefix, "install", "beta==2.0", find_links=wheelhouse).returncode == 0
    _into_the_past(prefix)  # conda's history is to the second: no waiting for the next one
    conda_install(prefix, ["alpha"], channel)
    return prefix


def _into_the_past(prefix: Path) -> None:
    """Move the env's creation 20 s back in conda's history, and pip's install 10 s back."""
    import os
    import re
    from datetime import datetime, timedelta

    history = prefix / "conda-meta" / "history"

    def earlier(m: re.Match[str]) -> str:
        when = datetime.strptime(m[1], "%Y-%m-%d %H:%M:%S") - timedelta(seconds=20)
        return f"==> {when:%Y-%m-%d %H:%M:%S} <=="

    text = re.sub(r"==> (.+?) <==", earlier, history.read_text())
    history.unlink()  # replaced, never edited in place
    history.write_text(text)
    ten_seconds_ago = datetime.now().timestamp() - 10
    for installer in prefix.glob("lib/python*/site-packages/*.dist-info/INSTALLER"):
        if installer.read_text().strip() == "pip":
            os.utime(installer, (ten_seconds_ago, ten_seconds_ago))


def test_conda_install_beside_pip_dist_is_duplicate_dist(conda_after_pip_env):
    data = doctor_json(conda_after_pip_env, code=1)
    [finding] = fired(data, "duplicate-dist")
    assert finding["package"] == "beta"
    assert "beta-1.0.dist-info (conda)" in finding["message"]
    assert "beta-2.0.dist-info (pip)" in finding["message"]


def test_conda_transaction_after_pip_is_conda_after_pip(conda_after_pip_env):
    data = doctor_json(conda_after_pip_env)
    [finding] = fired(data, "conda-after-pip")
    assert finding["severity"] == "warning"
    assert "conda changed alpha, beta" in finding["message"]
    assert "after pip had installed beta" in finding["message"]
    assert "rebuild" in finding["fix"]


def test_pip_after_conda_is_not_conda_after_pip(bare_env, wheelhouse, channel):
    prefix = bare_env
    conda_install(prefix, ["gamma"], channel)
    assert pip(prefix, "install", "epsilon", find_links=wheelhouse).returncode == 0
    assert fired(doctor_json(prefix, code=0), "conda-after-pip") == []


def test_a_conda_change_condapip_made_after_pip_is_not_conda_after_pip(
    bare_env, wheelhouse, channel
):
    # condapip resolved the pip layer against the change and re-laid what it reached
    prefix = bare_env
    assert pip(prefix, "install", "epsilon", find_links=wheelhouse).returncode == 0
    _into_the_past(prefix)
    argv = ["/home/me/.venv/bin/condapip", "install", "-p", str(prefix), "gamma"]
    make_prefix(prefix, channel, ["gamma"], argv=argv)
    assert fired(doctor_json(prefix, code=0), "conda-after-pip") == []


def test_normal_pip_upgrade_leaves_no_duplicate(bare_env, wheelhouse):
    prefix = bare_env
    assert pip(prefix, "install", "beta==1.0", find_links=wheelhouse).returncode == 0
    assert pip(prefix, "install", "beta==2.0", find_links=wheelhouse).returncode == 0
    assert fired(doctor_json(prefix, code=0), "duplicate-dist") == []


# --- broken-requirement ---------------------------------------------------------------------


def test_pip_package_needing_newer_conda_package_is_broken(mixed_env, wheelhouse):
    proc = pip(mixed_env, "install", "--no-deps", "delta", find_links=wheelhouse)
    assert proc.returncode == 0, proc.stderr
    data = doctor_json(mixed_env, code=1)
    [finding] = fired(data, "broken-requirement")
    assert finding["package"] == "delta"
    assert finding["message"] == "delta 1.0 (pip) requires beta>=2, found beta 1.0 (conda)"
    assert finding["fix"] == f"condapip install -p {mixed_env} 'beta>=2'"


def test_pip_package_with_missing_requirement_is_broken(mixed_env, tmp_path):
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "theta", "1.0", ["nowhere-to-be-found>=1"])
    assert pip(mixed_env, "install", "--no-deps", "theta", find_links=wheels).returncode == 0
    [finding] = fired(doctor_json(mixed_env, code=1), "broken-requirement")
    assert finding["message"].endswith("requires nowhere-to-be-found>=1, found none")


def test_requirements_behind_false_markers_and_extras_are_skipped(mixed_env, tmp_path):
    wheels = tmp_path / "wheels"
    make_wheel(
        wheels,
        "eta",
        "1.0",
        [
            'ancient-only; python_version < "3"',
            'docs-only>=1; extra == "docs"',
            "beta>=1.0",
            "alpha[fast]>=1.0",
        ],
    )
    assert pip(mixed_env, "install", "--no-deps", "eta", find_links=wheels).returncode == 0
    assert fired(doctor_json(mixed_env, code=0), "broken-requirement") == []


# --- pip-in-base ----------------------------------------------------------------------------


def test_pip_package_in_base_is_pip_in_base(healthy_env, monkeypatch):
    monkeypatch.setenv("CONDA_ROOT", str(healthy_env))
    data = doctor_json(healthy_env, code=1)
    [finding] = fired(data, "pip-in-base")
    assert finding["package"] == "epsilon"
    assert "pip uninstall -y epsilon" in finding["fix"]


def test_base_without_pip_packages_is_not_pip_in_base(conda_only_env, monkeypatch):
    prefix = conda_only_env
    monkeypatch.setenv("CONDA_ROOT", str(prefix))
    assert fired(doctor_json(prefix, code=0), "pip-in-base") == []


# --- install-log-warning --------------------------------------------------------------------

LOG = "\n".join(
    [
        "Collecting package metadata (current_repodata.json): done",
        "Solving environment: done",
        "Warning: pinned specs were ignored: numpy=1.26",
        "Conda is constrained to only using the old .tar.bz2 file format because you have "
        "conda-build installed",
        "ClobberWarning: This transaction has incompatible packages due to a shared path.",
        "SafetyError: The package for numpy located at /opt/conda/pkgs/numpy appears to be "
        "corrupted.",
        "ERROR: pip's dependency resolver does not currently take into account all the packages "
        "that are installed. This behaviour is the source of the following dependency conflicts.",
        "scipy 1.11.4 requires numpy<1.28.0,>=1.21.6, but you have numpy 2.2.6 which is "
        "incompatible.",
        "Successfully installed numpy-2.2.6",
    ]
)


def test_known_warnings_in_logs_are_found_with_line_numbers(healthy_env, tmp_path):
    log = tmp_path / "install.log"
    log.write_text(LOG)
    data = doctor_json(healthy_env, "--log", str(log), code=0)
    findings = fired(data, "install-log-warning")
    assert [f["message"].split(": ", 1)[0] for f in findings] == [
        f"{log}:{n}" for n in (3, 4, 5, 6, 7, 8)
    ]
    assert "pinned specs were ignored: numpy=1.26" in findings[0]["message"]
    assert all(f["severity"] == "warning" for f in findings)
    assert run_cli("doctor", "-p", str(healthy_env), "--log", str(log), "--strict").returncode == 1


def test_log_option_is_repeatable(healthy_env, tmp_path):
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_text("Warning: pinned specs were ignored\n")
    b.write_text("ok\nClobberWarning: shared path\n")
    data = doctor_json(healthy_env, "--log", str(a), "--log", str(b))
    assert [f["message"].split(": ", 1)[0] for f in fired(data, "install-log-warning")] == [
        f"{a}:1",
        f"{b}:2",
    ]


def test_clean_log_is_silent(healthy_env, tmp_path):
    log = tmp_path / "clean.log"
    log.write_text("Solving environment: done\nSuccessfully installed epsilon-1.0\n")
    assert doctor_json(healthy_env, "--log", str(log), "--strict", code=0)["findings"] == []


# --- channel-priority -----------------------------------------------------------------------


def test_flexible_channel_priority_in_condarc_is_a_warning(healthy_env, monkeypatch, tmp_path):
    rc = tmp_path / "condarc"
    rc.write_text("channels:\n  - conda-forge\nchannel_priority: flexible\n")
    monkeypatch.setenv("CONDARC", str(rc))
    data = doctor_json(healthy_env, code=0)
    [finding] = fired(data, "channel-priority")
    assert finding["severity"] == "warning"
    assert "'flexible'" in finding["message"] and str(rc) in finding["message"]
    assert finding["fix"] == f"conda config --file {rc} --set channel_priority strict"
    assert run_cli("doctor", "-p", str(healthy_env), "--strict").returncode == 1


def test_prefix_condarc_overrides_user_condarc(mixed_env, monkeypatch, tmp_path):
    rc = tmp_path / "condarc"
    rc.write_text("channel_priority: strict\n")
    monkeypatch.setenv("CONDARC", str(rc))
    (mixed_env / ".condarc").write_text("channel_priority: disabled\n")
    [finding] = fired(doctor_json(mixed_env), "channel-priority")
    assert str(mixed_env / ".condarc") in finding["message"]


def test_unset_priority_with_a_condarc_is_a_warning(healthy_env, monkeypatch, tmp_path):
    rc = tmp_path / "condarc"
    rc.write_text("channels:\n  - conda-forge\n")
    monkeypatch.setenv("CONDARC", str(rc))
    [finding] = fired(doctor_json(healthy_env), "channel-priority")
    assert "not set" in finding["message"]


def test_strict_priority_is_silent(healthy_env, monkeypatch, tmp_path):
    rc = tmp_path / "condarc"
    rc.write_text("channels:\n  - conda-forge\nchannel_priority: strict\n")
    monkeypatch.setenv("CONDARC", str(rc))
    assert fired(doctor_json(healthy_env, "--strict", code=0), "channel-priority") == []


def test_conda_forge_records_behind_another_channel_are_a_warning(
    tmp_path, tmp_path_factory, monkeypatch, wheelhouse
):
    # A local mirror of conda-forge: its records come from conda-forge as much as the real one's.

    forge = tmp_path / "mirror" / "conda-forge"
    host_channel(tmp_path_factory, [wheelhouse / "beta-1.0-py3-none-any.whl"], forge)
    prefix = tmp_path / "forge-env"
    conda_install(prefix, ["python", "pip", "beta"], forge)
    rc = tmp_path / "condarc"
    rc.write_text("channels:\n  - defaults\n  - conda-forge\nchannel_priority: strict\n")
    monkeypatch.setenv("CONDARC", str(rc))
    [finding] = fired(doctor_json(prefix, code=0), "channel-priority")
    assert "4 packages come from conda-forge (beta, pip, python, python_abi)" in finding["message"]
    assert "the first channel is defaults" in finding["message"]
    assert finding["fix"] == f"conda config --file {rc} --prepend channels conda-forge"

    rc.write_text("channels:\n  - conda-forge\nchannel_priority: strict\n")
    assert fired(doctor_json(prefix, "--strict", code=0), "channel-priority") == []


# --- bad input and output -------------------------------------------------------------------


def _assert_bad_input(result, needle: str) -> None:
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("condapip: error: ") and needle in lines[0]
    assert result.stdout == ""


def test_missing_prefix_is_bad_input(tmp_path):
    _assert_bad_input(condapip("doctor", "-p", str(tmp_path / "nope")), "does not exist")


def test_missing_log_file_is_bad_input(healthy_env, tmp_path):
    missing = tmp_path / "nope.log"
    _assert_bad_input(
        run_cli("doctor", "-p", str(healthy_env), "--log", str(missing)), str(missing)
    )


def test_corrupt_record_is_bad_input(make_env):
    prefix = make_env()
    record = next((prefix / "conda-meta").glob("alpha-*.json"))
    replace_file(record, "{not json")
    _assert_bad_input(run_cli("doctor", "-p", str(prefix), "--json"), record.name)


def test_malformed_condarc_is_bad_input(mixed_env):
    (mixed_env / ".condarc").write_text("channels: [unclosed\n")
    _assert_bad_input(run_cli("doctor", "-p", str(mixed_env)), ".condarc")


def test_human_output_groups_findings_by_severity(beta2_env, tmp_path):
    prefix = beta2_env
    log = tmp_path / "x.log"
    log.write_text("ClobberWarning: shared path\n")
    result = run_cli("doctor", "-p", str(prefix), "--log", str(log))
    assert result.returncode == 1
    out = result.stdout
    assert out.index("errors (1)") < out.index("pip-overwrote-conda") < out.index("warnings (1)")
    assert out.index("warnings (1)") < out.index("install-log-warning")
    # in a pipe each finding is a block: what is wrong, then the fix on its own line
    assert f"    fix: condapip rebuild -p {prefix}" in out
    assert out.strip().splitlines()[-1] == f"unhealthy: 1 error, 1 warning in {prefix}"


def test_json_findings_have_the_contract_fields(beta2_env):
    prefix = beta2_env
    data = doctor_json(prefix, code=1)
    assert set(data) == {"prefix", "healthy", "findings"}
    for finding in data["findings"]:
        assert set(finding) == {"rule", "severity", "package", "message", "fix"}
        assert finding["rule"] in RULES


# --- --all: the fleet view ------------------------------------------------------------------


def test_all_audits_every_env_and_reports_unreadable_ones(make_env, beta2_env, monkeypatch):
    good = make_env(name="good")
    copy_prefix(beta2_env, good.parent / "bad")
    broken = make_env(name="broken")
    record = next((broken / "conda-meta").glob("alpha-*.json"))
    replace_file(record, "{not json")
    monkeypatch.setenv("CONDA_ENVS_PATH", str(good.parent))

    result = condapip("doctor", "--all", "--json")
    assert result.returncode == 1, result.stderr
    rows = {Path(r["prefix"]).name: r for r in json.loads(result.stdout)["envs"]}
    assert rows["good"]["healthy"] and rows["good"]["errors"] == 0
    assert not rows["bad"]["healthy"] and rows["bad"]["errors"] >= 1
    assert not rows["broken"]["healthy"] and record.name in rows["broken"]["error"]

    human = run_cli("doctor", "--all")
    assert human.returncode == 1
    assert "3 environments, 2 unhealthy" in human.stdout


def test_all_with_only_healthy_envs_exits_0(conda_only_env, monkeypatch):
    monkeypatch.setenv("CONDA_ENVS_PATH", str(conda_only_env.parent))
    result = run_cli("doctor", "--all", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["healthy"] is True


def test_all_with_a_prefix_is_bad_usage(healthy_env):
    _assert_bad_input(run_cli("doctor", "--all", "-p", str(healthy_env)), "--all")
