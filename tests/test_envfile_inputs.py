"""environment.yml as conda reads it: keys, specs, bad entries, the pip list, variables."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from condapip.errors import CondapipError
from condapip.formats import envfile
from tests.helpers import condapip
from tests.inprocess import run_cli


def _dry_run(tmp_path: Path, text: str, *args: str, via=run_cli) -> tuple[int, str, str]:
    """``create --dry-run`` of ``text``; in-process unless ``via`` says."""
    yml = tmp_path / "environment.yml"
    yml.write_text(text)
    result = via("create", "-f", str(yml), "-p", str(tmp_path / "env"), "--dry-run", *args)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize(
    "spec",
    [
        "nbconvert[execute]!=6.0.0",
        "pkg[version='>=1,<2']",
        "numpy 1.26.*",
        "python=3.10=*_cpython",
        "pytorch>=2.7.0=cuda12*",
        "conda-forge::numpy",
        "conda-forge/linux-64::numpy>=1",
        "nvidia/label/cuda-12.1.0::cuda-toolkit",
        "numpy>=1.2|<0.5",
        "libblas=*=*mkl",
        "_libgcc_mutex=0.1=main",
    ],
)
def test_specs_conda_accepts_are_accepted(spec):
    doc = envfile.loads(f"dependencies:\n  - {json.dumps(spec)}\n")
    assert len(doc.conda) == 1


@pytest.mark.parametrize("spec", ['"numpy"', "numpy >=1.2 <2", "numpy==", "numpy>=1;rm"])
def test_specs_conda_refuses_are_bad_input(spec):
    with pytest.raises(CondapipError, match="invalid conda spec"):
        envfile.loads(f"dependencies:\n  - {json.dumps(spec)}\n")


def test_channels_expand_variables_as_conda_reads_the_file(monkeypatch):
    monkeypatch.setenv("MY_CHANNEL", "bioconda")
    doc = envfile.loads(
        "channels:\n  - ${MY_CHANNEL}\n  - $MY_CHANNEL/label/x\ndependencies: [a]\n"
    )
    assert doc.channels == ("bioconda", "bioconda/label/x")


def test_a_local_project_keeps_its_extras(tmp_path):
    doc = envfile.loads("dependencies:\n  - pip:\n    - -e .[dev,test]\n", base=tmp_path)
    assert doc.pip_section is not None
    assert doc.pip_section.lines() == [f"-e {tmp_path}[dev,test]"]


def test_a_pip_spec_beside_a_pip_section_gives_one_pip():
    doc = envfile.loads("dependencies:\n  - pip>=23\n  - pip:\n      - epsilon==1.0\n")
    text = envfile.dumps(doc)
    assert text.count("- pip") == 2  # "pip>=23" and the "pip:" key, no extra "pip"


def test_misspelled_dependencies_is_refused_with_the_nearest_key(tmp_path):
    code, _, err = _dry_run(tmp_path, "name: x\ndependecies:\n  - python\n")
    assert code == 2
    assert err.strip().splitlines() == [
        "condapip: error: malformed "
        f"{tmp_path / 'environment.yml'}, line 2: unknown key 'dependecies': "
        "did you mean 'dependencies'?"
    ]


def test_a_list_under_another_key_is_refused_not_an_empty_env(tmp_path):
    code, _, err = _dry_run(tmp_path, "name: x\nrequirements:\n  - python\n")
    assert code == 2 and "did you mean 'dependencies'?" in err


def test_an_unknown_key_warns_with_the_nearest_valid_key(tmp_path, channel):
    yml = "name: x\nchanels: [a]\ndependencies:\n  - python\n"
    code, out, err = _dry_run(tmp_path, yml, "-c", channel.as_uri())  # a dry run solves
    assert code == 0, err
    assert "unknown key 'chanels' ignored (did you mean 'channels'?)" in err


def test_a_merged_list_item_is_bad_input_with_file_line_and_entry(tmp_path):
    code, _, err = _dry_run(tmp_path, "name: x\ndependencies:\n  - numpy=1.26.4\n   - scipy\n")
    assert code == 2
    line = err.strip()
    assert "\n" not in line
    assert "environment.yml, line 3" in line and "numpy=1.26.4 - scipy" in line


def test_a_bad_pip_entry_names_its_line(tmp_path):
    text = "dependencies:\n  - pip\n  - pip:\n      - epsilon==1.0\n      - 'x; rm -rf /'\n"
    code, _, err = _dry_run(tmp_path, text)
    assert code == 2 and "environment.yml, line 5" in err and "Traceback" not in err


@pytest.mark.timeout(10)
def test_an_alias_bomb_is_refused_quickly(tmp_path):
    text = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    prev = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
        prev = name
    code, _, err = _dry_run(tmp_path, text + "dependencies: [python]\n", via=condapip)
    assert code == 2 and "aliases expand" in err and len(err.strip().splitlines()) == 1


@pytest.mark.timeout(10)
def test_5000_deep_nesting_is_refused_quickly(tmp_path):
    # in-process: the timeout measures the parse, not a Python starting on a busy machine
    code, _, err = _dry_run(tmp_path, "dependencies: " + "[" * 5000 + "]" * 5000 + "\n")
    assert code == 2 and "nested more than" in err and len(err.strip().splitlines()) == 1


def test_the_pip_list_reads_every_requirements_file_feature(tmp_path, monkeypatch):
    monkeypatch.setenv("EXTRA_INDEX", "https://mirror.example/simple")
    (tmp_path / "reqs").mkdir()
    (tmp_path / "reqs" / "base.txt").write_text(
        "# pinned\nepsilon==1.0 \\\n    --hash=sha256:" + "a" * 64 + "\n-c limits.txt\n"
    )
    (tmp_path / "reqs" / "limits.txt").write_text("beta<3\n")
    (tmp_path / "proj").mkdir()
    yml = tmp_path / "environment.yml"
    yml.write_text(
        "dependencies:\n  - pip\n  - pip:\n"
        "      - -i https://pypi.org/simple --extra-index-url ${EXTRA_INDEX}\n"
        "      - --trusted-host mirror.example --pre\n"
        "      - -f ./wheels\n"
        "      - '--no-binary :all: --only-binary numpy'\n"
        "      - -r reqs/base.txt\n"
        "      - -e ./proj\n"
        "      - -e git+https://example.com/x/y.git@0123abc#egg=y\n"
        '      - nbconvert[execute]!=6.0.0; python_version >= "3.8"  # comment\n'
    )
    section = envfile.load(yml).pip_section
    assert section is not None
    assert section.option_lines() == [
        "--index-url https://pypi.org/simple",
        "--extra-index-url https://mirror.example/simple",
        "--pre",
        "--trusted-host mirror.example",
        f"--find-links {tmp_path / 'wheels'}",
        "--no-binary :all:",
        "--only-binary numpy",
        f"--requirement {tmp_path / 'reqs' / 'base.txt'}",
    ]
    reqs = list(section.all_requirements())
    assert [r.name for r in reqs] == [None, "y", "nbconvert", "epsilon"]
    assert reqs[0].editable and reqs[0].path == tmp_path / "proj"
    assert reqs[1].text.startswith("git+https://") and reqs[1].path is None
    assert reqs[3].hashes == ("sha256:" + "a" * 64,)
    assert str(tmp_path / "reqs" / "limits.txt") in {str(p) for p in section.files()}


def test_a_missing_r_file_is_bad_input_with_its_line(tmp_path):
    yml = tmp_path / "environment.yml"
    yml.write_text("dependencies:\n  - pip:\n      - -r missing.txt\n")
    with pytest.raises(CondapipError, match=r"environment.yml, line 3: --requirement"):
        envfile.load(yml)


def test_a_requirements_file_including_itself_is_bad_input(tmp_path):
    (tmp_path / "r.txt").write_text("-r r.txt\n")
    yml = tmp_path / "environment.yml"
    yml.write_text("dependencies:\n  - pip:\n      - -r r.txt\n")
    with pytest.raises(CondapipError, match="includes itself"):
        envfile.load(yml)


def test_create_runs_the_pip_list_as_conda_does_and_keeps_variables(
    tmp_path, channel, wheelhouse, monkeypatch
):
    wheel = wheelhouse / "epsilon-1.0-py3-none-any.whl"
    (tmp_path / "wheels").mkdir()
    shutil.copy(wheel, tmp_path / "wheels")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    (tmp_path / "reqs").mkdir()
    (tmp_path / "reqs" / "pinned.txt").write_text(
        f"# hashed\nepsilon==1.0 \\\n    --hash=sha256:{digest}\n"
    )
    monkeypatch.setenv("WHEELS", "wheels")
    yml = tmp_path / "environment.yml"
    yml.write_text(
        f"name: vars\nchannels:\n  - {channel}\ndependencies:\n  - python\n  - pip\n"
        "  - pip:\n      - --no-index --find-links ./${WHEELS}\n      - -r reqs/pinned.txt\n"
        "variables:\n  MY_FLAG: 'on'\n  OTHER: two words\n"
    )
    prefix = tmp_path / "envs" / "vars"
    result = condapip("create", "-f", str(yml), "-p", str(prefix), "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {r["name"]: r for r in json.loads(run_cli("list", "-p", str(prefix), "--json").stdout)}
    assert rows["epsilon"]["owner"] == "pip"
    state = json.loads((prefix / "conda-meta" / "state").read_text())
    assert state["env_vars"] == {"MY_FLAG": "on", "OTHER": "two words"}
    exported = run_cli("export", "-p", str(prefix))
    assert exported.returncode == 0, exported.stderr
    back = envfile.loads(exported.stdout).variables
    assert back == (("MY_FLAG", "on"), ("OTHER", "two words"))


def _feature_file(tmp_path: Path) -> Path:
    (tmp_path / "reqs").mkdir()
    (tmp_path / "reqs" / "base.txt").write_text(
        "# pinned\nepsilon==1.0 \\\n    --hash=sha256:" + "a" * 64 + "\n"
    )
    (tmp_path / "wheels").mkdir()
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "pyproject.toml").write_text("[project]\nname = 'proj'\n")
    yml = tmp_path / "environment.yml"
    yml.write_text(
        "name: every-feature\nchannels:\n  - conda-forge\n  - nvidia/label/cuda-12.1.0\n"
        "  - https://conda.anaconda.org/pytorch\n  - nodefaults\n"
        "dependencies:\n  - python=3.11\n  - nbconvert[execute]!=6.0.0\n"
        "  - \"pkg[version='>=1,<2']\"\n  - numpy 1.26.*\n  - conda-forge::scipy\n  - pip>=23\n"
        "  - pip:\n"
        "      - --index-url https://pypi.org/simple --extra-index-url https://x.example/simple\n"
        "      - --trusted-host x.example --pre\n"
        "      - -f ./wheels\n"
        "      - -r reqs/base.txt\n"
        "      - -e .[dev]\n"
        "      - requests==2.31.0  # trailing comment\n"
        "variables:\n  MY_FLAG: 'on'\n"
    )
    return yml


def test_every_feature_passes_create_and_dockerfile_dry_runs(tmp_path, channel):
    yml = _feature_file(tmp_path)
    # a dry run solves: every entry is read, then the solve needs conda-forge (for
    # conda-forge::scipy), which the tests cannot reach
    create = run_cli(
        "create", "-f", str(yml), "-p", str(tmp_path / "env"), "--dry-run", "-c", channel.as_uri()
    )
    last = create.stderr.splitlines()[-1]
    assert "cannot read channels" in last or "solve failed" in last, create.stderr
    assert "malformed" not in create.stderr and "invalid" not in create.stderr
    docker = run_cli("dockerfile", "-f", str(yml), "-o", str(tmp_path / "Dockerfile"), "--dry-run")
    assert docker.returncode == 0, docker.stderr
    assert "Traceback" not in create.stderr + docker.stderr


def test_dockerfile_refuses_a_channel_with_a_token_without_showing_it(tmp_path):
    yml = tmp_path / "environment.yml"
    yml.write_text(
        "channels:\n  - https://host.example/t/tk-sekrit-77/chan\ndependencies:\n  - python\n"
    )
    docker = condapip("dockerfile", "-f", str(yml), "-o", str(tmp_path / "D"), "--dry-run")
    assert docker.returncode == 2
    assert "tk-sekrit-77" not in docker.stdout + docker.stderr
    assert len(docker.stderr.strip().splitlines()) == 1


def test_a_utf16_environment_file_is_read_as_conda_reads_it(tmp_path):
    yml = tmp_path / "environment.yml"
    yml.write_bytes("name: wide\ndependencies:\n  - python\n".encode("utf-16"))
    assert envfile.load(yml).conda == ("python",)


_SELECTORS = """\
dependencies:
  - python
  - sel(linux): cudatoolkit
  - sel(win): pywin32
"""


@pytest.mark.parametrize(
    ("platform", "picked", "skipped"),
    [("linux-64", "cudatoolkit", "pywin32"), ("win-64", "pywin32", "cudatoolkit")],
)
def test_mamba_selectors_are_evaluated_for_the_target_platform_and_warned(
    capsys, platform, picked, skipped
):
    doc = envfile.loads(_SELECTORS, platform=platform)
    assert doc.conda == ("python", picked)
    err = capsys.readouterr().err
    assert f"{skipped} skipped for {platform}" in err
    assert "conda ignores sel() entries" in err


def test_an_unknown_selector_is_bad_input_naming_its_line():
    with pytest.raises(CondapipError, match=r"line 2: selector 'sel\(beos\)'"):
        envfile.loads("dependencies:\n  - sel(beos): x\n")


def test_several_pip_lists_are_merged_with_a_warning_that_conda_keeps_the_last(capsys):
    doc = envfile.loads("dependencies:\n  - pip\n  - pip:\n    - a\n  - pip:\n    - b\n")
    assert doc.pip == ("a", "b")
    assert "conda keeps only the last" in capsys.readouterr().err


@pytest.mark.conda
def test_conda_itself_ignores_selectors_and_keeps_the_last_pip_list():
    from conda.env.env import from_yaml  # the real conda: what the warnings say it does

    env = from_yaml(_SELECTORS + "  - pip:\n    - a\n  - pip:\n    - b\n")
    assert sorted(env.dependencies["conda"]) == ["pip", "python"]
    assert env.dependencies["pip"] == ["b"]


def test_dockerfile_evaluates_selectors_for_linux(tmp_path):
    yml = tmp_path / "environment.yml"
    yml.write_text(
        "name: app\ndependencies:\n  - python\n  - sel(win): pywin32\n  - sel(unix): readline\n"
    )
    result = run_cli("dockerfile", "-f", str(yml), "-o", str(tmp_path / "Dockerfile"), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "readline" in result.stdout and "pywin32" not in result.stdout


@pytest.fixture
def two_defaults(tmp_path, channel, monkeypatch):
    """``default_channels`` of two local channels; only the second has ``kappa``."""
    from condapip.channel_build.build import build_channel
    from tests.wheelmaker import make_wheel

    wheels = tmp_path / "k-wheels"
    make_wheel(wheels, "kappa", "1.0")
    second = tmp_path / "second"
    build_channel([wheels], second)
    rc = tmp_path / "defaults.condarc"
    rc.write_text(
        f"default_channels:\n  - {channel.as_uri()}\n  - {second.as_uri()}\n"
        f"custom_multichannels:\n  mine:\n    - {second.as_uri()}\n    - {channel.as_uri()}\n"
    )
    monkeypatch.setenv("CONDARC", str(rc))
    return channel, second


def test_a_spec_from_a_multichannel_names_the_member_that_has_it(two_defaults):
    from condapip.ledger.channels import spec_channel

    first, second = two_defaults
    assert spec_channel("defaults::kappa") == (f"{second.as_uri()}::kappa", second.as_uri())
    assert spec_channel("defaults::alpha>=1")[1] == first.as_uri()
    assert spec_channel("mine::alpha")[1] == first.as_uri()  # the first member holding it
    assert spec_channel("defaults::nothing-has-it")[1] == first.as_uri()  # the solve says so


def test_create_takes_defaults_colon_colon_as_conda_does(two_defaults, tmp_path):
    first, _ = two_defaults
    yml = tmp_path / "environment.yml"
    yml.write_text(
        f"name: d\nchannels:\n  - {first.as_uri()}\ndependencies:\n"
        "  - python\n  - defaults::kappa\n  - defaults::alpha\n"
    )
    result = run_cli("create", "-f", str(yml), "-p", str(tmp_path / "env"), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "kappa" in result.stdout and "names 2 channels" not in result.stderr
