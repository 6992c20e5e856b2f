"""`condapip dockerfile`: the seed's layered image, written safely, passing its own lint."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from condapip.cli.confirm import NO_TERMINAL
from tests.helpers import condapip
from tests.inprocess import run_cli

# The seed's Dockerfile example as an environment.yml, with the pip layer at exact pins.
SEED_ENV = """\
name: ml
channels:
  - pytorch
  - conda-forge
dependencies:
  - python=3.10
  - numpy
  - pandas
  - matplotlib
  - pytorch
  - torchvision
  - torchaudio
  - cudatoolkit=11.8
  - pip
  - pip:
    - transformers[torch]==4.44.2
    - datasets==2.21.0
    - jupyterlab==4.2.5
    - git+https://github.com/huggingface/tokenizers.git@0123456789abcdef0123456789abcdef01234567
"""

BASES = [
    "mambaorg/micromamba:2.0.5",
    "continuumio/miniconda3:24.7.1-0",
    "condaforge/miniforge3:24.3.0-0",
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "environment.yml").write_text(SEED_ENV)
    return tmp_path


def write(project: Path, *args: str, via=run_cli) -> subprocess.CompletedProcess[str]:
    """``condapip dockerfile`` on the project's file; in-process unless ``via`` says."""
    return via(
        "dockerfile",
        *("-f", str(project / "environment.yml"), "-o", str(project / "Dockerfile")),
        *args,
    )


def written(project: Path) -> list[str]:
    """The project's files; ``home`` is the test's private HOME (rattler's repodata cache)."""
    return sorted(p.name for p in project.iterdir() if p.name != "home")


def lint(path: Path) -> tuple[int, list[tuple[str, int]]]:
    done = run_cli("dockerfile", "--lint", str(path), "--json")
    assert done.returncode in (0, 1), done.stderr
    found = json.loads(done.stdout)["findings"]
    return done.returncode, [(f["rule"], f["line"]) for f in found]


def instructions(dockerfile: Path) -> list[str]:
    """Each instruction as Docker's own parser reads it: ``KIND value``."""
    import dockerfile as parser

    return [c.original for c in parser.parse_file(str(dockerfile))]


@pytest.mark.parametrize("base", BASES)
def test_dockerfile_from_the_seed_example_layers_conda_then_pip_and_passes_its_own_lint(
    project: Path, base: str
) -> None:
    done = write(project, "--base", base)

    assert done.returncode == 0, done.stderr
    dockerfile = project / "Dockerfile"
    assert lint(dockerfile) == (0, [])
    steps = instructions(dockerfile)
    assert steps[0] == f"FROM {base}"
    runs = [s for s in steps if s.startswith("RUN ")]
    conda_run = next(i for i, s in enumerate(steps) if " create " in s)
    pip_run = next(i for i, s in enumerate(steps) if "-m pip install" in s)
    user = next(i for i, s in enumerate(steps) if s.startswith("USER ") and s != "USER 0:0")
    assert user < conda_run < pip_run
    assert "clean --all --yes" in steps[conda_run]
    python = "/opt/conda/envs/ml/bin/python"
    assert steps[pip_run].startswith(f"RUN {python} -m pip list --format=freeze > ")
    # pip brings the dependencies, held to the versions the conda layer installed
    assert (
        f"{python} -m pip install --no-cache-dir --constraint conda-layer.constraints.txt "
        "--requirement pip-layer.txt" in steps[pip_run]
    )
    assert not any(w in s for s in steps[pip_run + 1 :] for w in ("conda ", "micromamba "))
    assert runs[-1] == steps[pip_run]
    assert any(s.startswith("ENV ") and "PATH=/opt/conda/envs/ml/bin:$PATH" in s for s in steps)
    assert steps[-1] == 'CMD ["jupyter", "lab", "--ip=0.0.0.0", "--no-browser"]'
    assert "--allow-root" not in dockerfile.read_text()


def test_dockerfile_writes_each_layer_to_its_own_file_no_yml_value_in_shell(
    project: Path,
) -> None:
    from condapip.formats.envfile import load

    assert write(project).returncode == 0
    conda_layer = load(project / "conda-layer.yml")
    assert conda_layer.name == "ml"
    assert conda_layer.channels == ("pytorch", "conda-forge")
    assert conda_layer.pip == ()
    assert "cudatoolkit=11.8" in conda_layer.conda and "pip" in conda_layer.conda
    pins = [
        ln for ln in (project / "pip-layer.txt").read_text().splitlines() if not ln.startswith("#")
    ]
    assert pins == [
        "transformers[torch]==4.44.2",
        "datasets==2.21.0",
        "jupyterlab==4.2.5",
        "git+https://github.com/huggingface/tokenizers.git@0123456789abcdef0123456789abcdef01234567",
    ]
    text = (project / "Dockerfile").read_text()
    for value in ("numpy", "transformers", "pytorch", "cudatoolkit"):
        assert value not in text


def _hadolint() -> str | None:
    beside = Path(sys.executable).parent / "hadolint"
    return shutil.which("hadolint") or (str(beside) if beside.exists() else None)


@pytest.mark.skipif(_hadolint() is None, reason="hadolint is not installed (test extra)")
@pytest.mark.parametrize(
    "args", [(), ("--base", BASES[1]), ("--base", BASES[2]), ("--user", "alice")]
)
def test_written_dockerfile_passes_hadolint(project: Path, args: tuple[str, ...]) -> None:
    assert write(project, *args).returncode == 0

    done = subprocess.run(
        [str(_hadolint()), "--no-color", str(project / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == ""


HOSTILE = [
    ("conda", SEED_ENV.replace("  - numpy\n", "  - 'x; rm -rf /'\n"), ()),
    ("pip", SEED_ENV.replace("datasets==2.21.0", "'x; rm -rf /'"), ()),
    ("user", SEED_ENV, ("--user", "bob; rm -rf /")),
    ("base", SEED_ENV, ("--base", "ubuntu:22.04; rm -rf /")),
    ("base-unpinned", SEED_ENV, ("--base", "continuumio/miniconda3:latest")),
    ("local-pip", SEED_ENV.replace("datasets==2.21.0", "mine @ file:///local/path"), ()),
    (
        "credentials",
        SEED_ENV.replace("https://github.com", "https://user:token@github.com"),
        (),
    ),
]


@pytest.mark.parametrize(("case", "yml", "args"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_dockerfile_rejects_unsafe_values_with_exit_2(
    tmp_path: Path, case: str, yml: str, args: tuple[str, ...]
) -> None:
    (tmp_path / "environment.yml").write_text(yml)

    done = write(tmp_path, *args)

    assert done.returncode == 2, (case, done.stdout, done.stderr)
    assert done.stderr.startswith("condapip: error:") and done.stderr.count("\n") == 1
    assert written(tmp_path) == ["environment.yml"]


def test_dockerfile_will_not_replace_an_existing_dockerfile_without_yes(project: Path) -> None:
    (project / "Dockerfile").write_text("FROM scratch\n")

    done = write(project, via=condapip)  # the process's own stdin: no terminal

    assert (done.returncode, done.stderr) == (2, f"condapip: error: {NO_TERMINAL}\n")
    assert (project / "Dockerfile").read_text() == "FROM scratch\n"
    assert write(project, "--yes").returncode == 0
    assert (project / "Dockerfile").read_text() != "FROM scratch\n"


def test_dockerfile_dry_run_prints_every_file_and_writes_none(project: Path) -> None:
    done = write(project, "--dry-run")

    assert done.returncode == 0, done.stderr
    assert "FROM mambaorg/micromamba:" in done.stdout
    assert "datasets==2.21.0" in done.stdout and "cudatoolkit=11.8" in done.stdout
    assert written(project) == ["environment.yml"]


def test_dockerfile_without_a_pip_layer_has_no_pip_step(tmp_path: Path) -> None:
    (tmp_path / "environment.yml").write_text(
        "name: sci\nchannels: [conda-forge]\ndependencies: [python=3.11, numpy]\n"
    )

    assert write(tmp_path).returncode == 0

    text = (tmp_path / "Dockerfile").read_text()
    assert "-m pip" not in text and not (tmp_path / "pip-layer.txt").exists()
    assert text.rstrip().endswith('CMD ["python"]')
    assert lint(tmp_path / "Dockerfile") == (0, [])


def _lock_of(env: Path, out: Path) -> dict:
    from ruamel.yaml import YAML

    done = run_cli("lock", "-p", str(env), "-o", str(out))
    assert done.returncode == 0, done.stderr
    return YAML(typ="safe").load(out.read_text())


def _as_conda_forge(doc: dict, channel: Path) -> dict:
    """The same lock as if its packages came from conda-forge, not a local folder."""
    for body in doc["platforms"].values():
        for pkg in body["conda"]:
            pkg["url"] = pkg["url"].replace(
                channel.as_uri().rstrip("/"), "https://conda.anaconda.org/conda-forge"
            )
    return doc


def _dump(doc: dict, path: Path) -> None:
    from ruamel.yaml import YAML

    with path.open("w") as fh:
        YAML().dump(doc, fh)


def test_dockerfile_from_a_lock_installs_every_conda_package_by_url_and_hash(
    make_env, channel: Path, tmp_path: Path
) -> None:
    from condapip.ledger.platform import current_subdir

    env = make_env(("python", "pip", "alpha"), name="locked")
    doc = _as_conda_forge(_lock_of(env, tmp_path / "raw.lock.yml"), channel)
    body = doc["platforms"][current_subdir()]
    body["pip"] = [
        {
            "name": "epsilon",
            "version": "1.0",
            "requirement": "epsilon==1.0",
            "source": "index",
            "url": "https://files.pythonhosted.org/packages/ab/epsilon-1.0-py3-none-any.whl",
            "sha256": "a" * 64,
        }
    ]
    doc["platforms"] = {"linux-64": body}
    out = tmp_path / "image"
    out.mkdir()
    _dump(doc, out / "condapip.lock.yml")

    done = run_cli(
        "dockerfile", "-f", str(out / "condapip.lock.yml"), "-o", str(out / "Dockerfile")
    )

    assert done.returncode == 0, done.stderr
    explicit = (out / "conda-layer.txt").read_text().splitlines()
    assert "@EXPLICIT" in explicit
    urls = [ln for ln in explicit if ln.startswith("https://")]
    assert len(urls) == len(body["conda"])
    for pkg in body["conda"]:
        assert f"{pkg['url']}#{pkg['md5']}" in urls
    assert "epsilon==1.0 --hash=sha256:" + "a" * 64 in (out / "pip-layer.txt").read_text()
    text = (out / "Dockerfile").read_text()
    assert "micromamba create --yes --prefix /opt/conda/envs/locked --file conda-layer.txt" in text
    assert lint(out / "Dockerfile") == (0, [])


def test_dockerfile_from_a_lock_of_a_local_channel_is_refused(make_env, tmp_path: Path) -> None:
    env = make_env(("python", "alpha"), name="local")
    doc = _lock_of(env, tmp_path / "x.lock.yml")
    (body,) = doc["platforms"].values()
    doc["platforms"] = {"linux-64": body}
    _dump(doc, tmp_path / "condapip.lock.yml")

    done = run_cli(
        "dockerfile", "-f", str(tmp_path / "condapip.lock.yml"), "-o", str(tmp_path / "D")
    )

    assert done.returncode == 2 and "not reachable" in done.stderr
    assert not (tmp_path / "D").exists()


def _env(tmp_path: Path, yml: str) -> Path:
    (tmp_path / "environment.yml").write_text(yml)
    return tmp_path


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        ("mambaorg/micromamba", "mambaorg/micromamba:2.0.5"),
        ("continuumio/miniconda3", "continuumio/miniconda3:24.7.1-0"),
        ("condaforge/miniforge3", "condaforge/miniforge3:24.3.0-0"),
        ("condaforge/miniforge3:latest", "condaforge/miniforge3:24.3.0-0"),
        ("quay.io/me/micromamba", "quay.io/me/micromamba:VERSION"),
    ],
)
def test_every_untagged_base_is_refused_with_the_pinned_form(
    project: Path, image: str, pinned: str
) -> None:
    done = write(project, "--base", image)

    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert f"--base {pinned}" in done.stderr
    assert not (project / "Dockerfile").exists()


def test_variables_become_env_lines_quoted_as_data(tmp_path: Path) -> None:
    yml = "name: sci\ndependencies: [python=3.11]\nvariables:\n  OMP_NUM_THREADS: '4'\n"
    _env(tmp_path, yml + "  GREETING: 'a $HOME \"b\"'\n")

    assert write(tmp_path).returncode == 0

    steps = instructions(tmp_path / "Dockerfile")
    assert 'ENV OMP_NUM_THREADS="4"' in steps
    assert 'ENV GREETING="a \\$HOME \\"b\\""' in steps
    assert lint(tmp_path / "Dockerfile") == (0, [])


def test_an_env_without_python_gets_no_python_cmd(tmp_path: Path) -> None:
    _env(tmp_path, "name: r\nchannels: [conda-forge]\ndependencies: [r-base=4.3]\n")

    assert write(tmp_path).returncode == 0

    steps = instructions(tmp_path / "Dockerfile")
    assert not any(s.startswith("CMD") for s in steps)
    assert lint(tmp_path / "Dockerfile") == (0, [])


@pytest.mark.parametrize(
    ("spec", "cuda"),
    [
        ("pytorch=*=cuda12*", "12.0"),
        ("pytorch=2.1=*cuda118*", "11.8"),
        ("cudatoolkit=11.8", "11.8"),
    ],
)
def test_a_cuda_build_solves_without_a_gpu(tmp_path: Path, spec: str, cuda: str) -> None:
    _env(tmp_path, f"name: gpu\ndependencies: [python=3.11, '{spec}']\n")

    assert write(tmp_path).returncode == 0

    create = next(s for s in instructions(tmp_path / "Dockerfile") if " create " in s)
    assert create.startswith(f"RUN CONDA_OVERRIDE_CUDA={cuda} micromamba create")


def test_exact_builds_without_a_channel_use_flexible_priority(tmp_path: Path) -> None:
    yml = (
        "name: ex\nchannels: [conda-forge, defaults]\n"
        "dependencies: [python=3.11.9=h1_0, 'defaults::numpy=1.26.4=py311h2_0']\n"
    )
    _env(tmp_path, yml)

    assert write(tmp_path).returncode == 0

    text = (tmp_path / "Dockerfile").read_text()
    assert "--strict-channel-priority" not in text and "# flexible channel priority" in text


def test_exact_builds_each_with_its_channel_keep_strict_priority(tmp_path: Path) -> None:
    yml = (
        "name: ex\nchannels: [conda-forge, defaults]\n"
        "dependencies: ['conda-forge::python=3.11.9=h1_0', 'defaults::numpy=1.26.4=py311h2_0']\n"
    )
    _env(tmp_path, yml)

    assert write(tmp_path, "--base", BASES[1]).returncode == 0

    create = next(s for s in instructions(tmp_path / "Dockerfile") if " create " in s)
    assert create.startswith("RUN CONDA_CHANNEL_PRIORITY=strict conda env create")
    assert "defaults::numpy=1.26.4=py311h2_0" in (tmp_path / "conda-layer.yml").read_text()


@pytest.mark.parametrize("args", [("--base", BASES[1]), ("--user", "alice")])
def test_the_env_is_made_by_the_user_without_copying_conda(
    project: Path, args: tuple[str, ...]
) -> None:
    assert write(project, *args).returncode == 0

    steps = instructions(project / "Dockerfile")
    text = "\n".join(steps)
    assert "chown -R" not in text and "chown" not in text.replace("--chown", "")
    useradd = next(i for i, s in enumerate(steps) if "useradd" in s)
    assert "install -d -o 1000 -g 1000 /opt/conda/envs" in steps[useradd]
    user = next(i for i, s in enumerate(steps) if s == "USER 1000:1000")
    create = next(i for i, s in enumerate(steps) if " create " in s)
    assert useradd < user < create


@pytest.mark.parametrize("name", ["base", "root"])
def test_name_base_says_why_not_and_what_to_use_in_one_line(tmp_path: Path, name: str) -> None:
    _env(tmp_path, f"name: {name}\ndependencies: [python=3.11]\n")

    done = write(tmp_path)

    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "pip must not change" in done.stderr and "name: app" in done.stderr


def test_unpinned_pip_still_writes_the_dockerfile_with_one_warning(tmp_path: Path) -> None:
    yml = "name: w\ndependencies:\n  - python=3.11\n  - pip:\n    - requests\n    - rich>=13\n"
    _env(tmp_path, yml)

    done = write(tmp_path)

    assert done.returncode == 0, done.stderr
    (warning,) = done.stderr.splitlines()
    assert "requests, rich>=13" in warning and "condapip lock" in warning
    assert "condapip dockerfile -f condapip.lock.yml" in warning
    pip_run = next(s for s in instructions(tmp_path / "Dockerfile") if "-m pip install" in s)
    assert "--no-deps" not in pip_run  # pip brings what the file does not list


def test_whatever_create_accepts_dockerfile_accepts(tmp_path: Path) -> None:
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("attrs==23.2.0\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'me'\nversion = '1.0'\n")
    yml = """\
name: app
dependencies:
  - python=3.11
  - pip:
    - --index-url https://pypi.org/simple
    - --extra-index-url https://download.pytorch.org/whl/cpu
    - -r requirements/base.txt
    - ./pkg
    - -e .
"""
    _env(tmp_path, yml)

    done = write(tmp_path)

    assert done.returncode == 0, done.stderr
    layer = (tmp_path / "pip-layer.txt").read_text().splitlines()
    assert "--index-url https://pypi.org/simple" in layer
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in layer
    assert "--requirement ./requirements/base.txt" in layer
    assert "./pkg" in layer and "." in layer and "-e ." not in layer
    steps = instructions(tmp_path / "Dockerfile")
    assert 'COPY --chown=57439:57439 ["requirements/base.txt", "./requirements/base.txt"]' in steps
    assert 'COPY --chown=57439:57439 ["pkg", "./pkg"]' in steps
    assert "COPY --chown=57439:57439 . ./" in steps
    assert "non-editable" in (tmp_path / "Dockerfile").read_text()
    assert lint(tmp_path / "Dockerfile") == (0, [])


def test_a_local_pip_path_outside_the_build_context_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    project = tmp_path / "project"
    project.mkdir()
    _env(project, "name: app\ndependencies:\n  - python=3.11\n  - pip:\n    - ../outside\n")

    done = write(project)

    assert done.returncode == 2 and "outside the build context" in done.stderr
    assert written(project) == ["environment.yml"]


def test_an_explicit_file_builds_the_conda_layer_from_its_urls(tmp_path: Path) -> None:
    url = "https://conda.anaconda.org/conda-forge/linux-64/python-3.11.9-hb806964_0_cpython.conda"
    (tmp_path / "explicit.txt").write_text(
        f"# platform: linux-64\n@EXPLICIT\n{url}#{'a' * 32}\n"
        "# condapip pip layer\n"
        "# pip: rich==13.7.1\n"
    )

    done = run_cli(
        "dockerfile", "-f", str(tmp_path / "explicit.txt"), "-o", str(tmp_path / "Dockerfile")
    )

    assert done.returncode == 0, done.stderr
    assert f"{url}#{'a' * 32}" in (tmp_path / "conda-layer.txt").read_text().splitlines()
    assert "rich==13.7.1" in (tmp_path / "pip-layer.txt").read_text().splitlines()
    assert lint(tmp_path / "Dockerfile") == (0, [])


RICH_ENV = """\
name: gpu
channels: [conda-forge, nvidia]
dependencies:
  - python=3.11.9=h1_0
  - pytorch=*=cuda12*
  - pip
  - pip:
    - rich==13.7.1
variables:
  OMP_NUM_THREADS: "4"
"""


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("user", [None, "alice"])
def test_every_variant_is_read_by_dockers_parser_and_lints_clean(
    tmp_path: Path, base: str, user: str | None
) -> None:
    _env(tmp_path, RICH_ENV)

    done = write(tmp_path, "--base", base, *(("--user", user) if user else ()))

    assert done.returncode == 0, done.stderr
    assert instructions(tmp_path / "Dockerfile")[0] == f"FROM {base}"
    assert lint(tmp_path / "Dockerfile") == (0, [])


@pytest.mark.skipif(_hadolint() is None, reason="hadolint is not installed (test extra)")
@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("user", [None, "alice"])
def test_every_variant_passes_hadolint(tmp_path: Path, base: str, user: str | None) -> None:
    _env(tmp_path, RICH_ENV)
    assert write(tmp_path, "--base", base, *(("--user", user) if user else ())).returncode == 0

    checked = subprocess.run(
        [str(_hadolint()), "--no-color", str(tmp_path / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert checked.returncode == 0 and checked.stdout.strip() == "", checked.stdout


@pytest.mark.parametrize(
    ("conda", "pip"), [("numpy", "numpy==1.26.4"), ("python-graphviz", "graphviz==0.20.3")]
)
def test_create_and_dockerfile_refuse_a_both_layer_file_with_the_same_line(
    tmp_path: Path, conda: str, pip: str
) -> None:
    yml = f"name: w\ndependencies:\n  - python=3.11\n  - {conda}\n  - pip:\n    - {pip}\n"
    path = _env(tmp_path, yml) / "environment.yml"

    made = run_cli("create", "-f", str(path), "-p", str(tmp_path / "env"), "--dry-run")
    done = write(tmp_path)

    assert (made.returncode, done.returncode) == (2, 2), made.stderr + done.stderr
    (line,) = done.stderr.splitlines()
    assert line == made.stderr.strip()
    assert f"{pip.split('==')[0]} is asked of both layers" in line
    assert not (tmp_path / "Dockerfile").exists()


def test_conda_graphviz_is_the_c_tool_not_pypi_graphviz(tmp_path: Path) -> None:
    yml = (
        "name: g\ndependencies:\n  - python=3.11\n  - graphviz\n  - pip:\n    - graphviz==0.20.3\n"
    )
    _env(tmp_path, yml)

    done = write(tmp_path)

    assert done.returncode == 0, done.stderr
    assert "both" not in done.stderr


@pytest.mark.parametrize(
    ("written", "derived"),
    [
        ("my env", "my-env"),
        ("app$HOME", "app-HOME"),
        ("ml;rm -rf x", "ml-rm-rf-x"),
        ("ml\nRUN id", "ml-RUN-id"),
    ],
)
def test_an_env_name_docker_cannot_use_is_derived_and_said(
    tmp_path: Path, written: str, derived: str
) -> None:
    _env(tmp_path, f"name: {json.dumps(written)}\ndependencies:\n  - python=3.11\n")

    done = write(tmp_path)

    assert done.returncode == 0, done.stderr
    assert f"using {derived!r}; pass --name NAME" in done.stderr
    assert f"/opt/conda/envs/{derived}" in (tmp_path / "Dockerfile").read_text()
    assert lint(tmp_path / "Dockerfile") == (0, [])


def test_name_names_the_images_env_and_is_checked(tmp_path: Path) -> None:
    _env(tmp_path, "name: my env\ndependencies:\n  - python=3.11\n")

    done = write(tmp_path, "--name", "svc")
    bad = write(tmp_path, "--name", "a b", "--dry-run")

    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "/opt/conda/envs/svc" in (tmp_path / "Dockerfile").read_text()
    assert bad.returncode == 2 and "invalid environment name" in bad.stderr


def test_new_files_are_written_without_asking_even_with_no_terminal(project: Path) -> None:
    done = write(project)  # no --yes, and the test's stdin is no terminal

    assert done.returncode == 0, done.stderr
    assert {"Dockerfile", "conda-layer.yml", "pip-layer.txt"} <= {p.name for p in project.iterdir()}
    assert write(project).returncode == 0  # the same content again: nothing is replaced


def test_lint_takes_several_files_and_reports_each(tmp_path: Path) -> None:
    clean = tmp_path / "clean.Dockerfile"
    clean.write_text("FROM scratch\nUSER 1000\n")
    dirty = tmp_path / "dirty.Dockerfile"
    dirty.write_text("FROM python:3.12\nUSER app\nRUN pip install --no-cache-dir requests\n")

    text = run_cli("dockerfile", "--lint", str(clean), str(dirty))
    done = run_cli("dockerfile", "--lint", str(clean), str(dirty), "--json")
    only_clean = run_cli("dockerfile", "--lint", str(clean))

    assert (text.returncode, done.returncode, only_clean.returncode) == (1, 1, 0), text.stderr
    assert f"{clean}: no findings" in text.stdout and f"{dirty}:3: unpinned-pip" in text.stdout
    files = json.loads(done.stdout)["files"]
    assert [(f["file"], [x["rule"] for x in f["findings"]]) for f in files] == [
        (str(clean), []),
        (str(dirty), ["unpinned-pip"]),
    ]


def test_lint_without_files_lints_the_dockerfile_here(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.12\nRUN echo\n")

    done = condapip("dockerfile", "--lint", cwd=tmp_path)

    assert done.returncode == 1 and "Dockerfile:2: root-user" in done.stdout, done.stderr


def test_dockerfiles_without_lint_are_bad_usage(tmp_path: Path) -> None:
    done = condapip("dockerfile", str(tmp_path / "Dockerfile"))

    assert done.returncode == 2 and done.stderr.startswith("condapip: error:")
