"""`condapip install`: conda first, pip last, through the env's own interpreter."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from condapip.channel_build.build import build_channel
from tests.helpers import condapip, copy_prefix, make_prefix, pip, tree_digest
from tests.inprocess import cli as _cli
from tests.wheelmaker import make_wheel


def _rows(prefix: Path) -> dict[str, dict]:
    code, out = _cli("list", "-p", str(prefix), "--json")
    assert code == 0, out
    return {row["name"]: row for row in json.loads(out)}


def _install(prefix: Path, *args: str, channel: Path, engine: str = "pip", yes: bool = True):
    flags = ["--yes"] if yes else []
    return condapip(
        "install", "-p", str(prefix), "-c", str(channel), "--pip-engine", engine, *flags, *args
    )


def _requests(prefix: Path) -> dict[str, str]:
    path = prefix / "conda-meta" / "condapip" / "requests.json"
    return json.loads(path.read_text())["pip_requests"]


def _python(prefix: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(prefix / "bin" / "python"), "-c", code], capture_output=True, text=True, check=False
    )


def _dist_files(prefix: Path, name: str) -> dict[str, str]:
    """Every file of an installed dist (its RECORD), with content hashes."""
    sp = next((prefix / "lib").glob("python3*/site-packages"))
    dist_info = next(sp.glob(f"{name}-*.dist-info"))
    out = {}
    for line in (dist_info / "RECORD").read_text().splitlines():
        rel = line.split(",", 1)[0]
        path = sp / rel
        if path.is_file() and "__pycache__" not in rel and not rel.endswith("RECORD"):
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _doctor_clean(prefix: Path) -> None:
    code, out = _cli("doctor", "-p", str(prefix), "--json")
    assert code == 0, out


@pytest.fixture(scope="module")
def untouched_env(tmp_path_factory: pytest.TempPathFactory, channel: Path) -> Path:
    """One prefix (python, pip, alpha) for the tests that must leave it as it is: dry
    runs, refusals and bad input, each proving the prefix byte-identical after."""
    prefix = tmp_path_factory.mktemp("untouched") / "env"
    return make_prefix(prefix, channel, ["python", "pip", "alpha"])


# --- the plan ------------------------------------------------------------------------


def test_plan_routes_channel_packages_to_conda_and_the_rest_to_pip(
    untouched_env, channel, find_links
):
    prefix = untouched_env
    before = tree_digest(prefix)
    result = condapip(
        "install", "-p", str(prefix), "-c", str(channel), "--dry-run", "zeta", "epsilon"
    )
    assert result.returncode == 0, result.stderr
    layers = {ln.split()[0]: ln.split()[1] for ln in result.stdout.splitlines() if "  " in ln}
    assert layers["zeta"] == "conda"
    assert layers["epsilon"] == "pip"
    assert "in no configured channel" in result.stdout
    assert "dry run" in result.stdout
    assert tree_digest(prefix) == before


def test_pip_only_forces_a_channel_package_to_pip(untouched_env, channel, find_links):
    prefix = untouched_env
    result = condapip(
        "install", "-p", str(prefix), "-c", str(channel), "--dry-run", "--pip-only", "zeta", "zeta"
    )
    assert result.returncode == 0, result.stderr
    assert any(ln.split()[:2] == ["zeta", "pip"] for ln in result.stdout.splitlines())
    assert "--pip-only" in result.stdout


def test_pypi_names_map_to_conda_names_through_purls_then_the_table(
    untouched_env, tmp_path, monkeypatch
):
    wheels = tmp_path / "wheels"
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))  # the dry run resolves lambda with pip
    make_wheel(wheels, "torch", "2.0")  # channel build names it pytorch, as conda-forge does
    make_wheel(wheels, "python-kappa", "1.0")
    make_wheel(wheels, "lambda", "1.0")
    chan = tmp_path / "chan"
    build_channel([wheels], chan)
    # Repodata purls say which PyPI project a conda package is, as conda-forge's do.
    repodata = chan / "noarch" / "repodata.json"
    data = json.loads(repodata.read_text())
    purls = {"python-kappa": "pkg:pypi/kappa", "lambda": "pkg:pypi/other-lambda"}
    for record in data["packages.conda"].values():
        if record["name"] in purls:
            record["purls"] = [purls[record["name"]]]
    repodata.write_text(json.dumps(data))
    prefix = untouched_env
    result = condapip(
        "install", "-p", str(prefix), "-c", str(chan), "--dry-run", "torch", "kappa", "lambda"
    )
    assert result.returncode == 0, result.stderr
    rows = {ln.split()[0]: ln.split() for ln in result.stdout.splitlines() if "  " in ln}
    assert rows["pytorch"][1] == "conda"
    assert rows["python-kappa"][1] == "conda"
    assert "pkg:pypi/kappa" in " ".join(rows["python-kappa"])
    assert rows["lambda"][1] == "pip"  # the conda "lambda" is another PyPI project


# --- the pip layer -------------------------------------------------------------------


def test_pip_only_package_installs_through_env_interpreter_never_condapips_and_lists_as_pip(
    make_env, channel, find_links, pip_engine
):
    prefix = make_env()
    if pip_engine == "pip":  # the default engine
        result = condapip("install", "-p", str(prefix), "-c", str(channel), "--yes", "epsilon")
    else:
        result = _install(prefix, "epsilon", channel=channel, engine=pip_engine)
    assert result.returncode == 0, result.stderr
    rows = _rows(prefix)
    assert rows["epsilon"]["owner"] == "pip"
    assert rows["alpha"]["owner"] == "conda"
    assert _requests(prefix) == {"epsilon": "epsilon"}
    assert _python(prefix, "import epsilon").returncode == 0
    installer = (
        next((prefix / "lib").glob("python3*/site-packages/epsilon-1.0.dist-info")) / "INSTALLER"
    )
    assert installer.read_text().strip() == pip_engine
    own = subprocess.run(
        [os.environ.get("PYTHON", "python3"), "-c", "import epsilon"],
        capture_output=True,
        check=False,
    )
    assert own.returncode != 0  # it went into the prefix, not beside condapip


def test_pip_layer_that_would_replace_a_conda_package_is_refused_byte_identical(
    untouched_env, channel, find_links, pip_engine
):
    prefix = untouched_env
    before = tree_digest(prefix)
    result = _install(prefix, "delta", channel=channel, engine=pip_engine)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "beta 1.0 is installed by conda; the request needs beta>=2 (delta 1.0" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(prefix) == before
    assert _rows(prefix)["beta"]["owner"] == "conda"


def test_conda_and_pip_specs_in_one_install(make_env, channel, find_links):
    prefix = make_env()
    result = _install(prefix, "zeta", "epsilon", channel=channel)
    assert result.returncode == 0, result.stderr
    rows = _rows(prefix)
    assert rows["zeta"]["owner"] == "conda"
    assert rows["epsilon"]["owner"] == "pip"
    history = (prefix / "conda-meta" / "history").read_text()
    assert "# update specs: ['zeta']" in history
    assert "+" in history.rsplit("==>", 1)[1] and "zeta-1.0" in history


def test_a_pip_request_that_conflicts_with_the_conda_solution_is_refused_before_anything_moves(
    untouched_env, channel, find_links
):
    prefix = untouched_env
    before = tree_digest(prefix)
    started = time.monotonic()
    result = _install(prefix, "zeta", "delta", channel=channel)
    took = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert "beta 1.0 is installed by conda; the request needs beta>=2 (delta 1.0" in result.stderr
    assert "linking the conda layer" not in result.stderr  # decided before touching
    assert tree_digest(prefix) == before
    assert took < 60, took  # pip's answers only: no link, no install
    # the way out it names, run as printed: conda has no beta>=2, so nothing changes
    way_out = result.stderr.split("if no channel has it): ", 1)[1].splitlines()[0]
    argv = shlex.split(way_out)
    assert argv[0] == "condapip" and argv[-1] == "beta>=2"
    result = condapip(*argv[1:])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "conda solve failed" in result.stderr
    assert tree_digest(prefix) == before


def test_a_dry_run_checks_the_pip_layer_as_the_real_run_does(untouched_env, channel, find_links):
    prefix = untouched_env
    before = tree_digest(prefix)
    result = condapip("install", "-p", str(prefix), "-c", str(channel), "--dry-run", "delta")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the request needs beta>=2 (delta 1.0 requires it)" in result.stderr
    assert tree_digest(prefix) == before


# --- re-layering ---------------------------------------------------------------------


def test_a_conda_change_leaves_pip_packages_it_does_not_reach_in_place(
    make_env, channel, find_links
):
    prefix = make_env(("python", "pip", "gamma"))
    assert _install(prefix, "epsilon", channel=channel).returncode == 0
    files = _dist_files(prefix, "epsilon")
    dist_info = next(prefix.glob("lib/python*/site-packages/epsilon-1.0.dist-info"))
    written = (dist_info / "RECORD").stat().st_mtime_ns
    result = _install(prefix, "zeta", channel=channel)
    assert result.returncode == 0, result.stderr
    assert "re-layering" not in result.stderr
    rows = _rows(prefix)
    assert rows["zeta"]["owner"] == "conda"
    assert rows["epsilon"]["owner"] == "pip"
    assert _dist_files(prefix, "epsilon") == files
    assert (dist_info / "RECORD").stat().st_mtime_ns == written  # never uninstalled
    assert _requests(prefix) == {"epsilon": "epsilon"}
    _doctor_clean(prefix)


def test_a_conda_change_relayers_only_the_pip_packages_it_reaches(
    make_env, channel, wheelhouse, tmp_path, monkeypatch, pip_engine
):
    more = tmp_path / "more"
    make_wheel(more, "iota", "1.0", ["gamma"])  # pip brings gamma along, as a pip package
    monkeypatch.setenv("PIP_FIND_LINKS", f"{wheelhouse} {more}")
    monkeypatch.setenv("UV_FIND_LINKS", f"{wheelhouse},{more}")
    prefix = make_env(("python", "pip", "alpha"))
    for name in ("iota", "epsilon"):
        assert _install(prefix, name, channel=channel, engine=pip_engine).returncode == 0
    assert _rows(prefix)["gamma"]["owner"] == "pip"
    epsilon = _dist_files(prefix, "epsilon")
    result = _install(prefix, "gamma", channel=channel, engine=pip_engine)
    assert result.returncode == 0, result.stderr
    # pip's gamma (conda's now) and iota, which requires it; not epsilon
    assert "setting aside 2 pip package(s)" in result.stderr
    rows = _rows(prefix)
    assert rows["gamma"]["owner"] == "conda"
    assert rows["iota"]["owner"] == "pip" and rows["epsilon"]["owner"] == "pip"
    assert _dist_files(prefix, "epsilon") == epsilon
    assert _python(prefix, "import iota, gamma, epsilon").returncode == 0
    _doctor_clean(prefix)


def test_a_conda_request_a_pip_package_cannot_live_with_names_the_way_out_as_one_command(
    make_env, channel, wheelhouse, find_links
):
    prefix = make_env(("python", "pip"))
    # pip's delta needs beta>=2; then conda's beta<2 is asked for (the pandas<3 story)
    assert pip(prefix, "install", "delta", find_links=wheelhouse).returncode == 0
    before = tree_digest(prefix)
    result = _install(prefix, "beta<2", channel=channel)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the pip layer needs beta>=2 (delta 1.0 requires it)" in result.stderr
    assert tree_digest(prefix) == before
    way_out = result.stderr.split("without the pip package(s) delta: ", 1)[1].splitlines()[0]
    argv = shlex.split(way_out)
    assert argv[0] == "condapip" and argv[-2:] == ["--drop", "delta"]
    result = condapip(*argv[1:])  # as printed (it carries the --yes of the first command)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = _rows(prefix)
    assert (rows["beta"]["owner"], rows["beta"]["version"]) == ("conda", "1.0")
    assert "delta" not in rows
    _doctor_clean(prefix)


def test_drop_names_only_a_pip_package_of_the_environment(untouched_env, channel):
    prefix = untouched_env
    before = tree_digest(prefix)
    result = _install(prefix, "zeta", "--drop", "beta", channel=channel)
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("condapip: error: --drop beta: not a pip package")
    )
    assert tree_digest(prefix) == before


def test_install_refuses_an_env_where_pip_already_replaced_conda(make_env, channel, wheelhouse):
    prefix = make_env()
    assert pip(prefix, "install", "beta==2.0", find_links=wheelhouse).returncode == 0
    before = tree_digest(prefix)
    result = _install(prefix, "zeta", channel=channel)
    assert result.returncode == 1
    assert "rebuild" in result.stderr
    assert tree_digest(prefix) == before


# --- refusals and bad input ----------------------------------------------------------


@pytest.mark.parametrize(
    "spec", ["numpy; rm -rf /", "$(touch pwned)", "../evil", "evil/pkg", "`touch pwned`"]
)
def test_hostile_spec_is_bad_input_and_nothing_runs(untouched_env, channel, tmp_path, spec):
    prefix = untouched_env
    before = tree_digest(prefix)
    parent = sorted(p.name for p in prefix.parent.iterdir())
    result = condapip("install", "-p", str(prefix), "-c", str(channel), "--yes", spec, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("condapip: error: "), result.stderr
    assert not (tmp_path / "pwned").exists()
    assert tree_digest(prefix) == before
    assert sorted(p.name for p in prefix.parent.iterdir()) == parent  # not even a lock file


def test_base_environment_is_refused(untouched_env, channel, monkeypatch):
    prefix = untouched_env
    monkeypatch.setenv("CONDA_ROOT", str(prefix))
    before = tree_digest(prefix)
    result = _install(prefix, "epsilon", channel=channel)
    assert result.returncode == 1
    assert "base" in result.stderr
    assert tree_digest(prefix) == before


def test_without_a_terminal_install_asks_for_yes(untouched_env, channel, find_links):
    from condapip.cli.confirm import NO_TERMINAL

    prefix = untouched_env
    before = tree_digest(prefix)
    result = _install(prefix, "epsilon", channel=channel, yes=False)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == f"condapip: error: {NO_TERMINAL}"
    assert tree_digest(prefix) == before


def test_unknown_engine_is_bad_input(untouched_env, channel):
    prefix = untouched_env
    result = condapip("install", "-p", str(prefix), "--engine", "nope", "--yes", "zeta")
    assert result.returncode == 2
    assert "nope" in result.stderr


# --- the seed's numpy/scipy, with real wheels ----------------------------------------


@pytest.mark.slow
def test_conda_numpy2_missing_from_channel_fails_cleanly(healthy_sci, real_channel, tmp_path):
    prefix = copy_prefix(healthy_sci, tmp_path / "sci")
    before = tree_digest(prefix)
    result = _install(prefix, "numpy>=2", channel=real_channel)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "conda solve failed" in result.stderr
    assert tree_digest(prefix) == before


@pytest.mark.slow
def test_pip_package_needing_numpy2_is_refused_and_scipy_still_imports(
    healthy_sci, real_channel, real_wheels, tmp_path, monkeypatch
):
    links = tmp_path / "links"
    links.mkdir()
    shutil.copy(real_wheels.numpy2, links)
    make_wheel(links, "needsnp2", "1.0", ["numpy>=2"])
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    monkeypatch.setenv("UV_FIND_LINKS", str(links))
    prefix = copy_prefix(healthy_sci, tmp_path / "sci")
    before = tree_digest(prefix)
    result = _install(prefix, "needsnp2", channel=real_channel)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "scipy 1.11.4 from conda requires numpy" in result.stderr
    assert "the request needs numpy>=2 (needsnp2 1.0 requires it)" in result.stderr
    assert tree_digest(prefix) == before
    check = _python(prefix, "import scipy.linalg, numpy; print(numpy.__version__)")
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == "1.26.4"


# --- the conda/mamba/micromamba executable engine --------------------------------------


def test_missing_conda_executable_is_bad_input(untouched_env, channel, monkeypatch):
    prefix = untouched_env
    monkeypatch.setenv("PATH", "/nonexistent")
    result = condapip("install", "-p", str(prefix), "--engine", "micromamba", "--yes", "zeta")
    assert result.returncode == 2
    assert "no micromamba executable" in result.stderr


def test_executable_engine_solves_strictly_and_reads_urls_from_conda_json(tmp_path):
    from condapip.change.engines.executable import ExecutableEngine

    base = "https://conda.anaconda.org/conda-forge"
    answer = {
        "success": True,
        "actions": {
            # conda: LINK without URLs, FETCH with them
            "LINK": [
                {"name": "zlib", "version": "1.3", "build_string": "h0", "platform": "linux-64"}
            ],
            "FETCH": [
                {
                    "name": "zlib",
                    "version": "1.3",
                    "build": "h0",
                    "subdir": "linux-64",
                    "url": f"{base}/linux-64/zlib-1.3-h0.conda",
                    "md5": "0" * 32,
                    "sha256": "1" * 64,
                }
            ],
        },
    }
    argv_file = tmp_path / "argv.json"
    fake = tmp_path / "conda"
    fake.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"open({str(argv_file)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
        f"print(json.dumps({answer!r}))\n"
    )
    fake.chmod(0o755)
    solved = ExecutableEngine("conda", str(fake)).solve(tmp_path / "p", ["conda-forge"], ["zlib"])
    assert [(p.name, p.build, p.subdir, p.url) for p in solved] == [
        ("zlib", "h0", "linux-64", f"{base}/linux-64/zlib-1.3-h0.conda")
    ]
    assert solved[0].channel == base
    argv = json.loads(argv_file.read_text())
    assert argv[:4] == ["create", "--dry-run", "--json", "-y"]
    assert "--override-channels" in argv and "--strict-channel-priority" in argv
    # the name resolved through channel_alias, as conda resolves it
    assert argv[-3:] == ["-c", "https://conda.anaconda.org/conda-forge", "zlib"]


def test_install_into_an_env_without_history_keeps_what_is_installed(make_env, channel, find_links):
    prefix = make_env()
    (prefix / "conda-meta" / "history").write_text("")  # as rattler or pixi leave it
    result = _install(prefix, "zeta", channel=channel)
    assert result.returncode == 0, result.stderr
    rows = _rows(prefix)
    assert {"alpha", "beta", "pip", "python", "zeta"} <= set(rows)


def test_without_channels_configured_install_uses_the_envs_own_channel(make_env, find_links):
    prefix = make_env()
    result = condapip("install", "-p", str(prefix), "--yes", "zeta")
    assert result.returncode == 0, result.stderr
    assert _rows(prefix)["zeta"]["owner"] == "conda"


def test_pip_leaving_a_requirement_unmet_is_refused_and_rolled_back(
    make_env, channel, wheelhouse, tmp_path, monkeypatch, pip_engine
):
    # pip installs epsilon 2.0 over theta's epsilon<2 and only warns, exit 0; uv is silent
    more = tmp_path / "more"
    make_wheel(more, "theta", "1.0", ["epsilon<2"])
    make_wheel(more, "epsilon", "2.0")
    monkeypatch.setenv("PIP_FIND_LINKS", f"{wheelhouse} {more}")
    monkeypatch.setenv("UV_FIND_LINKS", f"{wheelhouse},{more}")
    prefix = make_env()
    assert _install(prefix, "theta", channel=channel, engine=pip_engine).returncode == 0
    result = _install(prefix, "epsilon==2.0", channel=channel, engine=pip_engine)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "requires" in result.stderr and "epsilon<2" in result.stderr
    assert "left requirements unmet: " in result.stderr
    assert "left as it was" in result.stderr
    assert _rows(prefix)["epsilon"]["version"] == "1.0"
    _doctor_clean(prefix)


def test_warnings_of_a_successful_step_are_passed_on(capsys):
    from condapip.change.pip_layer import heed

    heed("Collecting x\nWarning: pinned specs were ignored\nSuccessfully installed x", "conda")
    assert (
        capsys.readouterr().err == "condapip: warning: conda: Warning: pinned specs were ignored\n"
    )


def test_install_into_a_missing_environment_is_bad_input(tmp_path, channel):
    result = _install(tmp_path / "nope", "alpha", channel=channel)
    assert result.returncode == 2
    assert result.stderr.startswith("condapip: error: environment does not exist: "), result.stderr
    assert "condapip create" in result.stderr
    assert not (tmp_path / "nope").exists()
    assert not list(tmp_path.glob(".nope*"))  # not even a lock file
