"""`condapip export`: both layers of a real prefix, exactly, in four formats.

The prefix is real: conda packages installed by rattler from a local channel,
then real pip adds an index package (find-links), a package from a local git
repo (by branch name; the export must name the commit) and a local wheel file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import CREATED_SPECS
from tests.gitrepo import make_git_package
from tests.helpers import condapip, copy_prefix, make_prefix, pip
from tests.wheelmaker import make_wheel


@pytest.fixture(scope="session")
def git_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A real git repo holding package theta 0.1; returns (path, commit)."""
    return make_git_package(tmp_path_factory.mktemp("theta-repo"), "theta", "0.1")


def git_url(repo: Path) -> str:
    # file://localhost/...: the prefix's pip (23.x) refuses `name @ git+file:///...`
    return f"git+file://localhost{repo}"


@pytest.fixture(scope="session")
def local_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_wheel(tmp_path_factory.mktemp("local-wheels"), "iota", "2.0")


def conda_env(dest: Path, channel: Path) -> Path:
    """python, pip and alpha (+beta), installed by rattler as `create` installs them."""
    return make_prefix(dest, channel, CREATED_SPECS)


def build_mixed(
    dest: Path, channel: Path, wheelhouse: Path, git_repo: tuple[Path, str], local_wheel: Path
) -> Path:
    """conda: python, pip, alpha (+beta); pip: epsilon (index), theta (git), iota (wheel)."""
    conda_env(dest, channel)
    repo, _ = git_repo
    for req in ("epsilon", f"theta @ {git_url(repo)}@main", str(local_wheel)):
        result = pip(dest, "install", req, find_links=wheelhouse)
        assert result.returncode == 0, result.stderr
    return dest


@pytest.fixture(scope="module")
def warm_env(tmp_path_factory: pytest.TempPathFactory, channel: Path) -> Path:
    """python, pip and alpha. Only copied (``env_copy``)."""
    return conda_env(tmp_path_factory.mktemp("warm") / "env", channel)


@pytest.fixture
def env_copy(tmp_path: Path, warm_env: Path) -> Path:
    """A test's own python, pip and alpha prefix: a copy of ``warm_env``."""
    return copy_prefix(warm_env, tmp_path / "env")


@pytest.fixture(scope="module")
def mixed_env(
    tmp_path_factory: pytest.TempPathFactory,
    channel: Path,
    wheelhouse: Path,
    git_repo: tuple[Path, str],
    local_wheel: Path,
) -> Path:
    """Shared by tests that only read it."""
    dest = tmp_path_factory.mktemp("mixed") / "mixed"
    return build_mixed(dest, channel, wheelhouse, git_repo, local_wheel)


@pytest.fixture
def fresh_mixed(tmp_path: Path, mixed_env: Path) -> Path:
    """For tests that change the prefix: their own copy of it."""
    return copy_prefix(mixed_env, tmp_path / "fresh")


@pytest.fixture
def find_links(monkeypatch: pytest.MonkeyPatch, wheelhouse: Path) -> Path:
    """The index a lock or pylock asks pip for index-installed artifacts."""
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse))
    return wheelhouse


def export(*args: str) -> subprocess.CompletedProcess[str]:
    result = condapip("export", *args)
    assert result.returncode == 0, result.stderr
    return result


def load_yml(text: str) -> dict:
    return YAML(typ="safe").load(text)


def pip_section(doc: dict) -> list[str]:
    return next(d["pip"] for d in doc["dependencies"] if isinstance(d, dict))


def list_json(prefix: Path) -> dict[str, tuple]:
    """What the round trip must keep: version, owner and VCS commit of every package."""
    result = condapip("list", "-p", str(prefix), "--json")
    assert result.returncode == 0, result.stderr
    return {
        row["name"]: (row["version"], row["owner"], row.get("vcs_commit"))
        for row in json.loads(result.stdout)
    }


# --- environment format ------------------------------------------------------------


def test_environment_export_pins_both_layers_exactly_and_byte_identically_on_two_runs(
    mixed_env, git_repo, local_wheel, channel
):
    repo, commit = git_repo
    text = export("-p", str(mixed_env)).stdout
    assert export("-p", str(mixed_env)).stdout == text
    doc = load_yml(text)
    assert doc["name"] == "mixed"
    assert doc["channels"] == [channel.as_uri()]
    conda = [d for d in doc["dependencies"] if isinstance(d, str)]
    assert "alpha=1.0=pyh_0" in conda and "beta=1.0=pyh_0" in conda
    assert any(d.startswith("python=") for d in conda)
    assert any(d.startswith("pip=") for d in conda)
    import hashlib

    digest = hashlib.sha256(local_wheel.read_bytes()).hexdigest()
    assert pip_section(doc) == [
        "epsilon==1.0",
        f"iota @ {local_wheel.as_uri()}#sha256={digest}",
        f"theta @ {git_url(repo)}@{commit}",
    ]
    assert "prefix:" not in text
    assert "@main" not in text  # a branch is not a pin


def test_export_writes_the_file_given_with_o(mixed_env, tmp_path):
    out = tmp_path / "environment.yml"
    result = export("-p", str(mixed_env), "-o", str(out))
    assert result.stdout == ""
    assert pip_section(load_yml(out.read_text()))[0] == "epsilon==1.0"


def test_json_with_another_format_is_refused_before_o_is_written(mixed_env, tmp_path):
    out = tmp_path / "reqs.txt"
    args = ["-p", str(mixed_env), "--format", "requirements", "-o", str(out), "--json"]
    result = condapip("export", *args)
    assert result.returncode == 2
    assert result.stderr == "condapip: error: --json works with --format environment\n"
    assert not out.exists()


def test_no_builds_writes_name_and_version_only(mixed_env):
    doc = load_yml(export("-p", str(mixed_env), "--no-builds").stdout)
    assert "alpha=1.0" in doc["dependencies"]
    assert not any(str(d).count("=") == 2 for d in doc["dependencies"] if isinstance(d, str))


def test_pip_section_equals_the_seed_recipe_pip_freeze(mixed_env):
    """The brief's manual recipe: `pip freeze`, minus what conda lists, hand-merged."""
    freeze = subprocess.run(
        [str(mixed_env / "bin" / "python"), "-m", "pip", "freeze", "--isolated"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    conda_names = {name for name, (_, owner, _) in list_json(mixed_env).items() if owner == "conda"}
    manual = sorted(line for line in freeze if line.split()[0].split("==")[0] not in conda_names)
    exported = pip_section(load_yml(export("-p", str(mixed_env)).stdout))
    assert sorted(exported) == manual


def test_requirements_format_has_the_same_pins_byte_identically_on_two_runs(mixed_env):
    env_pins = pip_section(load_yml(export("-p", str(mixed_env)).stdout))
    text = export("-p", str(mixed_env), "--format", "requirements").stdout
    assert export("-p", str(mixed_env), "--format", "requirements").stdout == text
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    assert lines == env_pins


# --- --from-history ----------------------------------------------------------------


def test_from_history_holds_requested_specs_not_dependencies(mixed_env):
    doc = load_yml(export("-p", str(mixed_env), "--from-history").stdout)
    conda = [d for d in doc["dependencies"] if isinstance(d, str)]
    assert conda == ["alpha", "pip", "python"]  # asked for; beta came as alpha's dependency
    assert doc["channels"]  # conda drops them; condapip keeps them
    assert [p.split()[0].split("==")[0] for p in pip_section(doc)] == ["epsilon", "iota", "theta"]


def test_from_history_pip_leaves_out_what_other_dists_require(env_copy, tmp_path):
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "kappa", "1.0", ["lambda-pkg"])
    make_wheel(wheels, "lambda-pkg", "1.0")
    prefix = env_copy
    assert pip(prefix, "install", "kappa", find_links=wheels).returncode == 0
    full = pip_section(load_yml(export("-p", str(prefix)).stdout))
    assert full == ["kappa==1.0", "lambda-pkg==1.0"]
    history = pip_section(load_yml(export("-p", str(prefix), "--from-history").stdout))
    assert history == ["kappa==1.0"]


def test_from_history_pip_uses_what_condapip_install_recorded(
    env_copy, tmp_path, channel, monkeypatch
):
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "kappa", "1.0", ["lambda-pkg"])
    make_wheel(wheels, "lambda-pkg", "1.0")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    prefix = env_copy
    result = condapip("install", "-p", str(prefix), "-c", str(channel), "--yes", "kappa>=1.0")
    assert result.returncode == 0, result.stderr
    history = pip_section(load_yml(export("-p", str(prefix), "--from-history").stdout))
    assert history == ["kappa>=1.0"]  # as asked; lambda-pkg came as its dependency


# --- what is left out, and what warns ----------------------------------------------


def test_pip_setuptools_wheel_are_left_out_unless_requested(env_copy, tmp_path):
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "mu", "1.0", ["wheel"])
    make_wheel(wheels, "wheel", "0.99")
    prefix = env_copy
    assert pip(prefix, "install", "mu", find_links=wheels).returncode == 0
    assert pip_section(load_yml(export("-p", str(prefix)).stdout)) == ["mu==1.0"]
    # asked for by name, pip marks it REQUESTED: then it is the user's, and exported
    assert pip(prefix, "install", "--force-reinstall", "wheel", find_links=wheels).returncode == 0
    assert pip_section(load_yml(export("-p", str(prefix)).stdout)) == ["mu==1.0", "wheel==0.99"]


def test_pip_over_conda_warns_and_exports_the_conda_record(env_copy, wheelhouse):
    prefix = env_copy
    assert pip(prefix, "install", "beta==2.0", find_links=wheelhouse).returncode == 0
    result = export("-p", str(prefix))
    doc = load_yml(result.stdout)
    assert "beta=1.0=pyh_0" in doc["dependencies"]
    assert not any(isinstance(d, dict) for d in doc["dependencies"])
    assert "warning" in result.stderr and "beta" in result.stderr and "--as-is" in result.stderr
    as_is = load_yml(export("-p", str(prefix), "--as-is").stdout)
    assert "beta=1.0=pyh_0" in as_is["dependencies"]
    assert pip_section(as_is) == ["beta==2.0"]


def test_editable_install_is_exported_as_its_path_with_a_warning(env_copy, tmp_path, git_repo):
    repo, _ = git_repo
    work = tmp_path / "theta-src"
    shutil.copytree(repo, work, ignore=shutil.ignore_patterns(".git"))
    prefix = env_copy
    result = pip(prefix, "install", "-e", str(work), find_links=tmp_path)
    assert result.returncode == 0, result.stderr
    exported = export("-p", str(prefix))
    assert pip_section(load_yml(exported.stdout)) == [f"theta @ {work.as_uri()}"]
    assert "editable" in exported.stderr


def test_credentials_never_reach_the_output(fresh_mixed, tmp_path, find_links):
    from condapip.ledger.history import append_history

    # hostile input on purpose: a record carrying a credential in its URL
    dist_info = next(fresh_mixed.glob("lib/python*/site-packages/iota-2.0.dist-info"))
    du_path = dist_info / "direct_url.json"
    du = json.loads(du_path.read_text())
    du["url"] = "https://alice:s3cr3t-token@pkgs.example.com/iota-2.0-py3-none-any.whl"
    du_path.unlink()
    du_path.write_text(json.dumps(du))
    record = next((fresh_mixed / "conda-meta").glob("alpha-*.json"))
    rec = json.loads(record.read_text())
    rec["url"] = "https://conda.example.com/t/tk-5ecret/private/noarch/" + rec["url"].split("/")[-1]
    rec["channel"] = "https://conda.example.com/t/tk-5ecret/private"
    record.unlink()  # a hardlink into rattler's cache
    record.write_text(json.dumps(rec))
    for fmt in ("environment", "explicit", "requirements", "pylock"):
        out = tmp_path / f"out-{fmt}"
        result = export("-p", str(fresh_mixed), "--format", fmt, "-o", str(out))
        text = out.read_text()
        assert "s3cr3t" not in text and "5ecret" not in text, fmt
        assert "redacted" in result.stderr
    assert "https://***@pkgs.example.com/" in (tmp_path / "out-requirements").read_text()
    append_history(
        fresh_mixed,
        added=[],
        removed=[],
        update_specs=["https://bob:pa55word@conda.example.com/private::gamma"],
    )
    history = export("-p", str(fresh_mixed), "--from-history").stdout
    # history keeps a channel:: spec as conda keeps channels: without its userinfo
    assert "pa55word" not in history and "https://conda.example.com/private::gamma" in history
    lock = tmp_path / "condapip.lock.yml"
    result = condapip("lock", "-p", str(fresh_mixed), "-o", str(lock))
    assert result.returncode == 0, result.stderr
    assert "s3cr3t" not in lock.read_text() and "5ecret" not in lock.read_text()


# --- explicit ----------------------------------------------------------------------


def test_explicit_lists_conda_urls_with_sha256_and_the_pip_layer_as_comments_identically(
    mixed_env, tmp_path
):
    from condapip.formats.explicit import load_explicit
    from condapip.ledger.prefix import read_prefix

    out = tmp_path / "explicit.txt"
    export("-p", str(mixed_env), "--format", "explicit", "-o", str(out))
    text = out.read_text()
    assert export("-p", str(mixed_env), "--format", "explicit").stdout == text  # a second run
    body = text.split("@EXPLICIT\n", 1)[1]
    # conda reads every line that is not a comment as a package URL
    assert all(ln.startswith(("file://", "#")) for ln in body.splitlines())
    parsed = load_explicit(out)
    records = read_prefix(mixed_env).records
    assert {(p.url, p.sha256) for p in parsed.conda} == {
        (r.url, r.sha256) for r in records.values()
    }
    assert [p.solved().name for p in parsed.conda][0] == "python"  # dependencies first
    env_pins = pip_section(load_yml(export("-p", str(mixed_env)).stdout))
    assert list(parsed.pip) == env_pins


@pytest.mark.parametrize(
    "text, needle",
    [
        ("https://x/noarch/a-1-0.conda\n", "before @EXPLICIT"),
        ("# nothing\n", "no @EXPLICIT"),
        ("@EXPLICIT\nfile:///c/noarch/a-1-0.conda;rm -rf ~\n", "not a conda package URL"),
        ("@EXPLICIT\nfile:///c/noarch/a-1-0.conda#nothex\n", "not a conda package URL"),
        ("@EXPLICIT\n# condapip pip layer\n# pip: --index-url http://evil\n", "pip options"),
        ("@EXPLICIT\n# condapip pip layer\n# pip: x; rm -rf ~\n", "not a pip requirement"),
    ],
)
def test_load_explicit_rejects_malformed_input(tmp_path, text, needle):
    from condapip.errors import CondapipError
    from condapip.formats.explicit import load_explicit

    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(CondapipError, match=needle) as info:
        load_explicit(path)
    assert info.value.exit_code == 2


def test_load_explicit_reads_md5_and_plain_conda_files(tmp_path):
    from condapip.formats.explicit import load_explicit

    path = tmp_path / "conda.txt"
    md5 = "a" * 32
    path.write_text(
        f"# platform: linux-64\n@EXPLICIT\nhttps://conda.anaconda.org/conda-forge/noarch/"
        f"tzdata-2024a-h0c530f3_0.conda#{md5}\n"
    )
    parsed = load_explicit(path)
    assert parsed.platform == "linux-64" and parsed.pip == ()
    pkg = parsed.conda[0].solved()
    assert (pkg.name, pkg.version, pkg.build, pkg.subdir, pkg.md5) == (
        "tzdata",
        "2024a",
        "h0c530f3_0",
        "noarch",
        md5,
    )
    assert pkg.channel == "https://conda.anaconda.org/conda-forge"


# --- pylock ------------------------------------------------------------------------


def test_pylock_is_pep751_with_hashes_and_commits_byte_identically_on_two_runs(
    mixed_env, find_links, git_repo, local_wheel
):
    tomllib = pytest.importorskip("tomllib")
    _, commit = git_repo
    text = export("-p", str(mixed_env), "--format", "pylock").stdout
    assert export("-p", str(mixed_env), "--format", "pylock").stdout == text
    doc = tomllib.loads(text)
    assert doc["lock-version"] == "1.0"
    assert doc["created-by"] == "condapip"
    pkgs = {p["name"]: p for p in doc["packages"]}
    assert set(pkgs) == {"epsilon", "iota", "theta"}
    wheel = pkgs["epsilon"]["wheels"][0]
    assert wheel["name"] == "epsilon-1.0-py3-none-any.whl"
    assert len(wheel["hashes"]["sha256"]) == 64
    assert pkgs["iota"]["archive"]["url"] == local_wheel.as_uri()
    assert pkgs["theta"]["vcs"] == {
        "type": "git",
        "url": git_url(git_repo[0]).removeprefix("git+"),
        "commit-id": commit,
    }


# --- bad usage ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--format", "yaml"], "unknown export format"),
        (["--format", "explicit", "--from-history"], "--from-history"),
    ],
)
def test_bad_usage_is_one_line_exit_2(mixed_env, args, needle):
    result = condapip("export", "-p", str(mixed_env), *args)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert needle in result.stderr and "Traceback" not in result.stderr


# --- the round trip through `condapip create -f` -------------------------------------


@pytest.mark.parametrize("fmt, filename", [("environment", "env.yml"), ("explicit", "env.txt")])
def test_round_trip_export_then_create_keeps_every_package(
    mixed_env, tmp_path, channel, find_links, fmt, filename
):
    out = tmp_path / filename
    export("-p", str(mixed_env), "--format", fmt, "-o", str(out))
    target = tmp_path / "rebuilt"
    result = condapip("create", "-p", str(target), "-f", str(out), "--yes")
    assert result.returncode == 0, result.stderr
    assert list_json(target) == list_json(mixed_env)


def test_export_does_not_import_rattler_or_pip(mixed_env):
    """An export reads ledgers; it loads no solver and runs no pip."""
    code = (
        "import sys; from condapip.formats.export import export;"
        " from condapip.ledger.prefix import read_prefix;"
        f"export(read_prefix({str(mixed_env)!r}));"
        "print('rattler' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_channels_are_listed_in_the_condarc_priority_order(
    env_copy, channel, tmp_path, monkeypatch
):
    second = tmp_path / "second-channel"
    shutil.copytree(channel, second)
    prefix = env_copy
    added = condapip("install", "-p", str(prefix), "-c", str(second), "--yes", "zeta")
    assert added.returncode == 0, added.stderr
    for order in ([second, channel], [channel, second]):
        condarc = tmp_path / "condarc"
        condarc.write_text("channels:\n" + "".join(f"  - {c.as_uri()}\n" for c in order))
        monkeypatch.setenv("CONDARC", str(condarc))
        doc = load_yml(export("-p", str(prefix)).stdout)
        assert doc["channels"] == [c.as_uri() for c in order]
