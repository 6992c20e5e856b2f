"""`condapip create -f`: a new environment from a file, conda layer then pip layer."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.gitrepo import make_git_package
from tests.helpers import condapip, purl_channel, write_envfile
from tests.wheelmaker import make_wheel


@pytest.fixture(scope="module")
def git_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A local git repository of a pip-only package; returns it and its commit. Only read."""
    return make_git_package(
        tmp_path_factory.mktemp("git") / "iota-src", "iota", "0.3", ["beta>=1.0"]
    )


def _yml(folder: Path, channel: Path | str, pip_entries: list[str], conda: list[str] | None = None):
    """``folder/environment.yml``: python, pip and alpha unless ``conda`` says otherwise."""
    return write_envfile(folder, channel, conda or ["python", "pip", "alpha"], pip_entries)


def _rows(prefix: Path) -> dict[str, dict]:
    result = condapip("list", "-p", str(prefix), "--json")
    assert result.returncode == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_create_with_both_layers_and_a_git_commit_gives_a_clean_env(
    tmp_path, channel, find_links, git_repo, pip_engine
):
    repo, commit = git_repo
    theta = make_wheel(tmp_path / "local", "theta", "2.1")
    digest = hashlib.sha256(theta.read_bytes()).hexdigest()
    yml = _yml(
        tmp_path,
        channel,
        [
            "epsilon==1.0",
            f"git+{repo.as_uri()}@{commit}",
            f"theta @ {theta.as_uri()}#sha256={digest}",
        ],
    )
    prefix = tmp_path / "envs" / "made"
    result = condapip(
        "create", "-f", str(yml), "-p", str(prefix), "--pip-engine", pip_engine, "--yes"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = _rows(prefix)
    assert rows["alpha"]["owner"] == "conda"
    assert rows["beta"]["owner"] == "conda"  # iota's beta>=1.0 is conda's, not pip's
    for name in ("epsilon", "iota", "theta"):
        assert rows[name]["owner"] == "pip", name
    assert rows["iota"]["vcs_commit"] == commit
    requests = json.loads((prefix / "conda-meta" / "condapip" / "requests.json").read_text())
    assert requests["pip_requests"]["iota"] == f"git+{repo.as_uri()}@{commit}"
    assert set(requests["pip_requests"]) == {"epsilon", "iota", "theta"}
    doctor = condapip("doctor", "-p", str(prefix), "--json")
    assert doctor.returncode == 0, doctor.stdout


def test_create_names_the_env_from_the_file_in_conda_envs_path(tmp_path, channel, monkeypatch):
    envs = tmp_path / "envs"
    monkeypatch.setenv("CONDA_ENVS_PATH", str(envs))
    yml = _yml(tmp_path, channel, [])
    yml.write_text("name: made\n" + yml.read_text())
    result = condapip("create", "-f", str(yml), "--yes")
    assert result.returncode == 0, result.stderr
    assert (envs / "made" / "conda-meta").is_dir()
    history = (envs / "made" / "conda-meta" / "history").read_text()
    assert "# update specs: ['python', 'pip', 'alpha']" in history


def test_dry_run_creates_nothing(tmp_path, channel, wheelhouse):
    yml = _yml(tmp_path, channel, [f"-f {wheelhouse}", "epsilon"])
    prefix = tmp_path / "new"
    result = condapip("create", "-f", str(yml), "-p", str(prefix), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "epsilon" in result.stdout and "alpha" in result.stdout
    assert f"Create {prefix} from environment.yml" in result.stdout  # the plan names its target
    assert not prefix.exists()


@pytest.mark.parametrize(
    "conda, pip, missing",
    [
        (["python", "pip", "alpha"], ["alpha==1.0"], None),  # one package, both layers
        (["python", "pip", "alpha"], ["-r missing.txt"], "missing.txt"),
    ],
    ids=["both-layers", "missing-r-file"],
)
def test_a_conflict_the_plan_can_see_is_refused_before_anything_is_solved(
    tmp_path, channel, conda, pip, missing
):
    yml = _yml(tmp_path, channel, pip, conda)
    prefix = tmp_path / "new"
    result = condapip("create", "-f", str(yml), "-p", str(prefix), "--yes")
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.splitlines()  # no "solving" step ran
    assert line.startswith("condapip: error:")
    assert (missing or "both layers") in line
    assert not prefix.exists()


def test_failed_pip_layer_removes_the_half_made_prefix(tmp_path, channel, find_links):
    # resolved from its metadata before linking, but pip refuses to install it
    escaping = make_wheel(tmp_path / "bad", "mu", "1.0", files={"../../../escape.py": "x = 1\n"})
    yml = _yml(tmp_path, channel, [f"-f {escaping.parent}", "mu"])
    prefix = tmp_path / "new"
    result = condapip("create", "-f", str(yml), "-p", str(prefix), "--yes")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "linking the conda layer" in result.stderr and "mu" in result.stderr
    assert not prefix.exists()
    assert not (tmp_path / "escape.py").exists()


def test_existing_prefix_is_refused_unless_empty(tmp_path, channel, make_env):
    prefix = make_env()
    yml = _yml(tmp_path, channel, [])
    result = condapip("create", "-f", str(yml), "-p", str(prefix), "--yes")
    assert result.returncode == 1
    assert "already exists" in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    result = condapip("create", "-f", str(yml), "-p", str(empty), "--yes")
    assert result.returncode == 0, result.stderr
    assert (empty / "conda-meta").is_dir()


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("name: x\ndependencies:\n  - python\n  - numpy; rm -rf /\n", "line 4: dependency"),
        ("name: x\ndependencies: [python\n", "line 3"),
        ("- just\n- a list\n", "top level"),
        ("dependencies:\n  - pip:\n    - ok==1\n    - $(touch x)\n", "line 4: pip entry"),
        ("dependencies:\n  - pip:\n    - --target /\n", "line 3: pip entry '--target /'"),
        ("channels:\n  - a\n  - b;c\n", "line 3: invalid channel"),
        ("dependencies:\n  - python\n  - {foo: 1}\n", "line 3: unexpected dependency"),
    ],
)
def test_malformed_environment_file_is_bad_input(tmp_path, text, where, capsys):
    from condapip.cli import run

    yml = tmp_path / "environment.yml"
    yml.write_text(text)
    prefix = tmp_path / "new"
    # in-process: the file is judged before anything runs (the tests above cross the process)
    assert run(["create", "-f", str(yml), "-p", str(prefix), "--yes"]) == 2
    stderr = capsys.readouterr().err
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("condapip: error: "), stderr
    assert "environment.yml" in lines[0] and where in lines[0], lines[0]
    assert not prefix.exists()
    assert not (tmp_path / "x").exists()


def test_create_from_an_explicit_file_reproduces_the_conda_layer(tmp_path, make_env):
    source = make_env(("python", "pip", "zeta"))
    explicit = tmp_path / "explicit.txt"
    exported = condapip("export", "-p", str(source), "--format", "explicit", "-o", str(explicit))
    assert exported.returncode == 0, exported.stderr
    prefix = tmp_path / "copy"
    result = condapip("create", "-f", str(explicit), "-p", str(prefix), "--yes")
    assert result.returncode == 0, result.stderr
    want = {(r["name"], r["version"], r["build"]) for r in _rows(source).values()}
    assert {(r["name"], r["version"], r["build"]) for r in _rows(prefix).values()} == want


def test_channels_from_c_replace_the_files_channels(tmp_path, channel):
    yml = _yml(tmp_path, tmp_path / "no-such-channel", [], ["python", "zeta"])
    prefix = tmp_path / "new"
    result = condapip("create", "-f", str(yml), "-p", str(prefix), "-c", str(channel), "--yes")
    assert result.returncode == 0, result.stderr
    assert {r["channel"] for r in _rows(prefix).values()} == {channel.as_uri()}
    explicit = tmp_path / "explicit.txt"
    explicit.write_text("@EXPLICIT\n")
    for source in (["-f", str(explicit)], ["--lock", str(yml)]):
        result = condapip("create", *source, "-p", str(tmp_path / "other"), "-c", str(channel))
        assert result.returncode == 2 and "-c does not apply" in result.stderr, result.stderr
    assert not (tmp_path / "other").exists()


def test_pip_list_takes_requirement_files_links_and_paths_relative_to_the_file(
    tmp_path, channel, wheelhouse
):
    here = tmp_path / "project"
    here.mkdir()
    (here / "requirements.txt").write_text("epsilon==1.0\n")
    local = make_wheel(here / "dist", "theta", "2.1")
    yml = _yml(
        here,
        channel,
        [
            f"--find-links {wheelhouse}",
            "-r requirements.txt",
            f"./dist/{local.name}",
        ],
        ["python", "pip"],
    )
    prefix = tmp_path / "new"
    result = condapip("create", "-f", str(yml), "-p", str(prefix), "--yes", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = _rows(prefix)
    assert rows["epsilon"]["version"] == "1.0" and rows["theta"]["version"] == "2.1"
    requests = json.loads((prefix / "conda-meta" / "condapip" / "requests.json").read_text())
    assert requests["pip_requests"] == {"theta": local.as_uri(), "epsilon": "epsilon==1.0"}


def test_both_layers_are_judged_by_the_channels_purls_not_the_names(tmp_path):
    from condapip.change.plan import Row, refuse_both_layers
    from condapip.errors import CondapipError

    purls = {"kappa-tool": ["pkg:pypi/kappa"], "lambda": ["pkg:pypi/other"]}
    chan = purl_channel(tmp_path, {name: {"purls": p} for name, p in purls.items()}).as_uri()

    def rows(conda: str, pip: str) -> list[Row]:
        return [Row(conda, "conda", "env.yml dependencies", conda), Row(pip, "pip", "pip:", pip)]

    with pytest.raises(CondapipError, match="kappa is asked of both layers"):
        refuse_both_layers(rows("kappa-tool", "kappa"), [chan])
    refuse_both_layers(rows("lambda", "lambda"), [chan])  # purls: another PyPI project
    with pytest.raises(CondapipError, match="lambda is asked of both layers"):
        refuse_both_layers(rows("lambda", "lambda"), [])  # offline: same name, same project


def test_the_name_table_maps_pypi_to_conda_only(tmp_path):
    from condapip.change.plan import Row, refuse_both_layers
    from condapip.errors import CondapipError

    def rows(conda: str, pip: str) -> list[Row]:
        return [Row(conda, "conda", "env.yml dependencies", conda), Row(pip, "pip", "pip:", pip)]

    refuse_both_layers(rows("graphviz", "graphviz"), [])  # conda's C tool, PyPI's binding
    with pytest.raises(CondapipError, match="graphviz is asked of both layers"):
        refuse_both_layers(rows("python-graphviz", "graphviz"), [])
    with pytest.raises(CondapipError, match="torch is asked of both layers"):
        refuse_both_layers(rows("pytorch", "torch"), [])


def test_dry_run_solves_the_conda_layer_and_fails_as_the_real_run_does(tmp_path, channel):
    yml = _yml(tmp_path, channel, [], ["python", "alpha=9"])
    prefix = tmp_path / "new"
    real = condapip("create", "-f", str(yml), "-p", str(prefix), "--yes")
    dry = condapip("create", "-f", str(yml), "-p", str(prefix), "--dry-run")
    assert real.returncode == 1, real.stdout + real.stderr
    assert dry.returncode == real.returncode, dry.stdout + dry.stderr
    assert dry.stderr.splitlines()[-1] == real.stderr.splitlines()[-1]
    assert not prefix.exists()


def test_a_create_plan_shows_every_version_and_the_channels(tmp_path, channel):
    yml = _yml(tmp_path, channel, [], ["python", "zeta"])
    result = condapip("create", "-f", str(yml), "-p", str(tmp_path / "new"), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "+ zeta 1.0" in result.stdout and "+ alpha 1.0" in result.stdout
    assert f"channels: {channel.as_uri()}" in result.stdout


def test_plan_versions_read_as_conda_and_pip_users_read_them():
    from condapip.change.engines.base import SolvedPackage
    from condapip.change.result import Plan, conda_versions, pip_versions

    def pkg(name, version, build="0"):
        return SolvedPackage(name, version, build, "", "", f"u/{name}-{version}", None, None)

    before = [pkg("numpy", "1.26.4"), pkg("gone", "1.0"), pkg("same", "2"), pkg("py", "3", "a")]
    after = [pkg("numpy", "2.2.6"), pkg("condalib", "1.0"), pkg("same", "2"), pkg("py", "3", "b")]
    versions = conda_versions(before, after) + pip_versions({"x": "1"}, {"x": "2", "y": "0.1"})
    assert [v.text for v in versions] == [
        "+ condalib 1.0",
        "- gone 1.0",
        "numpy 1.26.4 -> 2.2.6",
        "py 3=a -> 3=b",
        "x 1 -> 2",
        "+ y 0.1",
    ]
    shown = Plan("t", [], versions=versions).as_json()["versions"]
    assert shown[2] == {"package": "numpy", "layer": "conda", "before": "1.26.4", "after": "2.2.6"}


def test_the_prefix_lock_is_named_as_the_readme_says(tmp_path):
    from condapip.change.transaction import lock_path

    assert lock_path(tmp_path / "env") == tmp_path / ".env.condapip.lock"
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert "`.NAME.condapip.lock`" in readme


def _via_dotdot(folder: Path, target: Path) -> str:
    """``target`` as a path written from ``folder``: up to ``/``, then down again."""
    return str(folder) + "/.." * len(folder.parts[1:]) + str(target)


def test_a_channel_path_with_dotdot_is_recorded_resolved(tmp_path, channel):
    odd = tmp_path / "a" / "b"
    odd.mkdir(parents=True)
    written = _via_dotdot(odd, channel)
    yml = _yml(tmp_path, written, [], ["python", "beta"])
    prefix = tmp_path / "new"
    result = condapip("create", "-f", str(yml), "-p", str(prefix), "--yes")
    assert result.returncode == 0, result.stderr
    assert {r["channel"] for r in _rows(prefix).values()} == {channel.resolve().as_uri()}
    assert ".." not in (prefix / "conda-meta" / "history").read_text()


def test_offline_with_no_channels_is_a_clear_error_not_a_download(tmp_path, monkeypatch):
    rc = tmp_path / "offline.condarc"
    rc.write_text("offline: true\nchannels: []\n")
    monkeypatch.setenv("CONDARC", str(rc))
    yml = tmp_path / "environment.yml"
    yml.write_text("name: x\ndependencies:\n  - python\n")
    result = condapip("create", "-f", str(yml), "-p", str(tmp_path / "new"), "--dry-run")
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.splitlines()
    assert "https://repo.anaconda.com/pkgs/main is not available locally" in line
    assert str(rc) in line and "offline: true" in line


def test_a_local_channel_resolves_to_its_real_path_without_dotdot(tmp_path, channel):
    from condapip.ledger.channels import resolve

    odd = tmp_path / "a"
    odd.mkdir()
    [found] = resolve([_via_dotdot(odd, channel)])
    assert found.url == channel.resolve().as_uri()


@pytest.mark.conda
def test_engine_conda_records_a_dotdot_channel_as_its_real_path(
    tmp_path, channel, condarc, find_links
):
    odd = tmp_path / "a"
    odd.mkdir()
    yml = _yml(tmp_path, _via_dotdot(odd, channel), [], ["python"])
    prefix = tmp_path / "by-conda"
    proc = condapip("create", "-f", str(yml), "-p", str(prefix), "--engine", "conda", "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    meta = prefix / "conda-meta"
    recorded = {json.loads(p.read_text())["channel"] for p in meta.glob("*.json")}
    # conda records the channel with the package's subdir
    assert {c.rsplit("/", 1)[0] for c in recorded} == {channel.resolve().as_uri()}, recorded
    assert ".." not in (meta / "history").read_text()
