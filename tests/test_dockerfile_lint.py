"""`condapip dockerfile --lint`: each rule found at its line, and only where its premise holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from condapip.docker.lint import lint_text
from tests.helpers import condapip

MINICONDA = "continuumio/miniconda3:24.7.1-0"
GOOD_TAIL = 'USER 1000\nCMD ["python"]\n'


def found(text: str, build_dir: Path | None = None) -> list[tuple[str, int]]:
    return sorted((f.rule, f.line) for f in lint_text(text.encode(), build_dir))


# (Dockerfile, the exact (rule, line) pairs found); every pair not listed is not found.
CASES: dict[str, tuple[str, list[tuple[str, int]]]] = {
    "alternating-updates": (
        f"""\
FROM {MINICONDA}
RUN conda install -y -n ml scipy && conda clean -afy
RUN /opt/conda/envs/ml/bin/python -m pip install --no-cache-dir tensorflow==2.15.0
RUN conda update -y -n ml scikit-learn && conda clean --all -y
"""
        + GOOD_TAIL,
        [("conda-after-pip", 4)],
    ),
    "conda-after-pip-same-run": (
        """\
FROM mambaorg/micromamba:2.0.5
RUN /opt/conda/envs/ml/bin/python -m pip install --no-cache-dir x==1.0 \\
    && micromamba install -y -n ml jupyterlab \\
    && micromamba clean --all --yes
""",
        [("conda-after-pip", 3)],
    ),
    "comments-inside-run-keep-lines": (
        f"""\
FROM {MINICONDA}
RUN conda create -y -n ml python=3.11 \\
    # the pip layer comes last
    # (two comment lines)
    && /opt/conda/envs/ml/bin/pip install --no-cache-dir requests \\
    # and conda again, wrongly
    && conda install -y -n ml numpy \\
    && conda clean --all --yes
"""
        + GOOD_TAIL,
        [("conda-after-pip", 7), ("unpinned-pip", 5)],
    ),
    "blank-continuation-line-is-still-the-run": (
        f"""\
FROM {MINICONDA}
RUN conda create -y -n ml python=3.11 && conda clean -afy && \\

    /opt/conda/envs/ml/bin/pip install requests==2.32.3
"""
        + GOOD_TAIL,
        [("no-cache-clean", 4)],
    ),
    "heredoc-body-is-read-line-by-line": (
        f"""\
FROM {MINICONDA}
RUN <<EOF
set -e
conda create -y -n ml python=3.11
/opt/conda/envs/ml/bin/pip install --no-cache-dir rich
conda install -y -n ml numpy
conda clean --all --yes
EOF
"""
        + GOOD_TAIL,
        [("conda-after-pip", 6), ("unpinned-pip", 5)],
    ),
    "heredoc-for-python-is-data": (
        f"""\
FROM {MINICONDA}
RUN python3 <<EOF
print("pip install anything")
EOF
"""
        + GOOD_TAIL,
        [],
    ),
    "heredoc-data-then-commands-on-its-line": (
        """\
FROM python:3.11
RUN cat <<EOF > /tmp/requirements.txt && pip install --no-cache-dir rich
attrs
EOF
USER 1000
""",
        [("unpinned-pip", 2)],
    ),
    "env-path-at-an-env-is-not-bare": (
        f"""\
FROM {MINICONDA}
RUN conda create -y -n ml python=3.11 && conda clean -afy
ENV PATH=/opt/conda/envs/ml/bin:$PATH
RUN pip install --no-cache-dir rich==13.7.1 && python -m pip install --no-cache-dir x==1
"""
        + GOOD_TAIL,
        [],
    ),
    "path-at-base-is-pip-in-base": (
        """\
FROM ubuntu:22.04
RUN curl -fsSLo /tmp/mc.sh https://repo.anaconda.com/miniconda/Miniconda3-latest-Linux-x86_64.sh \\
    && bash /tmp/mc.sh -b -p /opt/miniconda && rm /tmp/mc.sh
ENV PATH=/opt/miniconda/bin:$PATH
RUN pip install --no-cache-dir rich==13.7.1
"""
        + GOOD_TAIL,
        [("pip-in-base", 5)],
    ),
    "explicit-base-paths-are-pip-in-base": (
        f"""\
FROM {MINICONDA}
ENV CONDA_DIR=/opt/conda
RUN /opt/conda/bin/pip install --no-cache-dir requests==2.32.3
RUN $CONDA_DIR/bin/python -m pip install --no-cache-dir rich==13.7.1
RUN conda run -n base pip install --no-cache-dir attrs==23.2.0
"""
        + GOOD_TAIL,
        [("pip-in-base", 3), ("pip-in-base", 4), ("pip-in-base", 5)],
    ),
    "shell-conda-run-decides-pip-and-conda": (
        f"""\
FROM {MINICONDA}
RUN conda create -y -n ml python=3.11 && conda clean -afy
SHELL ["conda", "run", "-n", "ml", "/bin/bash", "-c"]
RUN pip install --no-cache-dir rich==13.7.1
RUN conda install -y numpy && conda clean -afy
"""
        + GOOD_TAIL,
        [("conda-after-pip", 5)],
    ),
    "activate-and-run-prefixes-decide-pip": (
        """\
FROM mambaorg/micromamba:2.0.5
RUN micromamba create -y -n ml python=3.11 pip && micromamba clean --all --yes
RUN eval "$(micromamba shell hook --shell bash)" && micromamba activate ml \\
    && pip install --no-cache-dir rich==13.7.1
RUN micromamba run -n ml python -m pip install --no-cache-dir attrs==23.2.0
""",
        [],
    ),
    "login-shell-activates-what-bashrc-says": (
        f"""\
FROM {MINICONDA}
RUN conda create -y -n ml python=3.11 && conda clean -afy
RUN conda init bash && echo "conda activate ml" >> ~/.bashrc
SHELL ["/bin/bash", "--login", "-c"]
RUN pip install --no-cache-dir rich==13.7.1
"""
        + GOOD_TAIL,
        [],
    ),
    "no-conda-image-has-no-conda-rules": (
        """\
FROM python:3.11-slim
RUN pip install --no-cache-dir requests==2.32.3 && python -m pip install --no-cache-dir x==1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
RUN pip install --no-cache-dir rich==13.7.1
CMD ["python"]
""",
        [("root-user", 6)],
    ),
    "multi-stage-inherits-the-pip-layer": (
        f"""\
FROM {MINICONDA} AS env
RUN conda create -y -n ml python=3.11 && conda clean -afy
RUN /opt/conda/envs/ml/bin/pip install --no-cache-dir rich==13.7.1
FROM env AS app
RUN conda install -y -n ml numpy && conda clean -afy
"""
        + GOOD_TAIL,
        [("conda-after-pip", 5)],
    ),
    "a-copied-env-brings-its-pip-layer": (
        f"""\
FROM {MINICONDA} AS build
RUN conda create -y -n ml python=3.11 && conda clean -afy \\
    && /opt/conda/envs/ml/bin/pip install --no-cache-dir rich==13.7.1
FROM {MINICONDA}
COPY --from=build /opt/conda/envs/ml /opt/conda/envs/ml
RUN conda install -y -n ml numpy && conda clean -afy
RUN conda install -y -n other numpy && conda clean -afy
"""
        + GOOD_TAIL,
        [("conda-after-pip", 6)],
    ),
    "builder-stage-caches-do-not-reach-the-image": (
        f"""\
FROM {MINICONDA} AS build
RUN conda create -y -n ml python=3.11 && /opt/conda/envs/ml/bin/pip install x==1
FROM mambaorg/micromamba:2.0.5
COPY --from=build /opt/conda/envs/ml /opt/conda/envs/ml
CMD ["python"]
""",
        [],
    ),
    "non-root-base-is-not-root": (
        """\
FROM quay.io/jupyter/scipy-notebook:2024-07-29
USER root
RUN apt-get update && apt-get install -y --no-install-recommends git
USER ${NB_UID}
RUN mamba install -y xarray=2024.6.0 && mamba clean --all -f -y
""",
        [],
    ),
    "non-root-base-switched-to-root": (
        """\
FROM jupyter/base-notebook:2024-07-29
USER root
RUN apt-get update && apt-get install -y --no-install-recommends git
""",
        [("root-user", 2)],
    ),
    "root-user-no-user": (
        f"""\
FROM {MINICONDA}
RUN conda create -y -n ml python=3.11 && conda clean --all -y
CMD ["python"]
""",
        [("root-user", 3)],
    ),
    "root-user-switched-back": (
        """\
FROM mambaorg/micromamba:2.0.5
USER root
RUN apt-get update && apt-get install -y --no-install-recommends git
ENTRYPOINT ["/bin/bash"]
""",
        [("root-user", 4)],
    ),
    "unknown-base-runs-as-root-and-says-nothing-about-path": (
        """\
FROM registry.example.com/team/base:1.4
RUN pip install --no-cache-dir rich==13.7.1
CMD ["python"]
""",
        [("root-user", 3)],
    ),
    "unknown-base-with-conda-and-no-env-on-path-is-bare": (
        """\
FROM registry.example.com/team/base:1.4
RUN conda create -y -n ml python=3.11 && conda clean -afy
RUN pip install --no-cache-dir rich==13.7.1
USER 1000
""",
        [("bare-pip", 3)],
    ),
    "unknown-base-with-a-user-is-not-root": (
        """\
FROM registry.example.com/team/base:1.4
USER app
""",
        [],
    ),
    "uv-system-in-miniconda-is-base": (
        f"""\
FROM {MINICONDA}
RUN uv pip install --system --no-cache rich==13.7.1
"""
        + GOOD_TAIL,
        [("pip-in-base", 2)],
    ),
    "uv-system-with-an-activated-env-is-that-env": (
        """\
FROM mambaorg/micromamba:2.0.5
ARG MAMBA_DOCKERFILE_ACTIVATE=1
ENV ENV_NAME=app
RUN uv pip install --system --no-cache rich==13.7.1
""",
        [],
    ),
    "uv-without-system-or-python-uses-the-active-conda-env": (
        """\
FROM mambaorg/micromamba:2.0.5
ENV CONDA_PREFIX=/opt/conda/envs/app
RUN uv pip install --no-cache rich==13.7.1
""",
        [],
    ),
    "uv-python-names-the-env": (
        """\
FROM mambaorg/micromamba:2.0.5
RUN uv pip install --python /opt/conda/envs/app/bin/python --no-cache rich==13.7.1
""",
        [],
    ),
    "bash-array-requirements-are-judged": (
        f"""\
FROM {MINICONDA}
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN PKGS=(rich==13.7.1 "requests") \\
    && PKGS+=(attrs) \\
    && /opt/conda/envs/ml/bin/pip install --no-cache-dir "${{PKGS[@]}}"
"""
        + GOOD_TAIL,
        [("unpinned-pip", 5)],
    ),
    "bash-array-of-pins-is-pinned": (
        f"""\
FROM {MINICONDA}
SHELL ["/bin/bash", "-c"]
RUN PKGS=("rich==13.7.1" 'attrs==23.2.0') \\
    && /opt/conda/envs/ml/bin/pip install --no-cache-dir "${{PKGS[@]}}"
"""
        + GOOD_TAIL,
        [],
    ),
    "a-stage-no-other-stage-uses-is-an-image-too": (
        """\
FROM python:3.12 AS test
RUN pip install --no-cache-dir pytest==8.3.2
FROM python:3.12 AS build
RUN pip wheel --no-cache-dir -w /wheels rich==13.7.1
FROM python:3.12 AS app
COPY --from=build /wheels /wheels
USER 1000
""",
        [("root-user", 2)],
    ),
    "a-stage-used-by-run-mount-is-a-builder": (
        """\
FROM python:3.12 AS build
RUN pip wheel --no-cache-dir -w /wheels rich==13.7.1
FROM python:3.12
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels pip install --no-cache-dir /wheels/*
USER 1000
""",
        [],
    ),
    "micromamba-base-env-is-an-ordinary-env": (
        """\
FROM mambaorg/micromamba:2.0.5
RUN micromamba install -y -n base python=3.11 pip && micromamba clean --all --yes
ARG MAMBA_DOCKERFILE_ACTIVATE=1
RUN pip install --no-cache-dir rich==13.7.1
RUN micromamba install -y -n base numpy && micromamba clean --all --yes
""",
        [("conda-after-pip", 5)],
    ),
    "pip-user-and-target-do-not-touch-base": (
        f"""\
FROM {MINICONDA}
RUN pip install --no-cache-dir --user rich==13.7.1
RUN pip install --no-cache-dir --target /opt/site attrs==23.2.0
"""
        + GOOD_TAIL,
        [],
    ),
    "no-cache-clean-judges-only-this-run": (
        f"""\
FROM {MINICONDA}
RUN conda create -y -n ml python=3.11 numpy
RUN /opt/conda/envs/ml/bin/python -m pip install rich==13.7.1
RUN conda install -y -n ml scipy && rm -rf /opt/conda/pkgs/*
ENV PIP_NO_CACHE_DIR=1
RUN /opt/conda/envs/ml/bin/python -m pip install attrs==23.2.0
RUN --mount=type=cache,target=/opt/conda/pkgs conda install -y -n ml pandas
RUN conda install -y --download-only -n ml gcc_linux-64
"""
        + GOOD_TAIL,
        [
            ("conda-after-pip", 4),
            ("conda-after-pip", 7),
            ("no-cache-clean", 2),
            ("no-cache-clean", 3),
        ],
    ),
    "a-cache-mount-covers-only-its-own-cache": (
        """\
FROM python:3.11
RUN --mount=type=cache,target=/var/cache/apt apt-get update \\
    && pip install attrs==23.2.0
RUN --mount=type=cache,target=/root/.cache/pip pip install rich==13.7.1
RUN --mount=type=cache,target=/root/.cache pip install six==1.16.0
USER 1000
""",
        [("no-cache-clean", 3)],
    ),
    "two-pip-calls-on-one-line-are-one-finding": (
        f"""\
FROM {MINICONDA}
RUN pip install -U pip && pip install --no-cache-dir rich==13.7.1
"""
        + GOOD_TAIL,
        [("no-cache-clean", 2), ("pip-in-base", 2), ("unpinned-pip", 2)],
    ),
    "unpinned-from-variables": (
        """\
FROM python:3.11
ARG TF_POSTFIX
ARG NUMPY_VERSION=1.26.4
RUN pip install --no-cache-dir "tensorflow${TF_POSTFIX}" "numpy==${NUMPY_VERSION}" \\
    "scipy==${SCIPY_VERSION}" "${EXTRA_PACKAGES}"
USER 1000
""",
        [("unpinned-pip", 4)],
    ),
    "sh-c-strings-are-read-as-shell": (
        f"""\
FROM {MINICONDA}
RUN conda create -y -n ml python=3.11 && conda clean -afy
RUN /bin/bash -c "source activate ml && \\
    pip install --no-cache-dir rich && \\
    conda install -y numpy && conda clean -afy"
"""
        + GOOD_TAIL,
        [("conda-after-pip", 5), ("unpinned-pip", 4)],
    ),
    "shell-bashlex-cannot-parse-is-still-split": (
        """\
FROM python:3.11
RUN [[ -f /etc/os-release ]] && pip install --no-cache-dir rich
RUN case "$(uname -m)" in x86_64) pip install --no-cache-dir attrs ;; esac
USER 1000
""",
        [("unpinned-pip", 2), ("unpinned-pip", 3)],
    ),
    "shell-wrapper-script-may-activate-so-nothing-is-said": (
        f"""\
FROM {MINICONDA}
COPY entry.sh /entry.sh
SHELL ["/entry.sh", "/bin/bash", "-c"]
RUN pip install --no-cache-dir rich==13.7.1 && conda install -y numpy && conda clean -afy
"""
        + GOOD_TAIL,
        [],
    ),
    "sourcing-bashrc-activates-its-env": (
        f"""\
FROM {MINICONDA}
RUN conda create -y -n ml python=3.11 && conda clean -afy \
    && echo "conda activate ml" >> ~/.bashrc
RUN . ~/.bashrc && pip install --no-cache-dir rich==13.7.1
"""
        + GOOD_TAIL,
        [],
    ),
    "installer-into-usr-local-makes-it-base": (
        """\
FROM centos:7
RUN curl -sSLo /tmp/m.sh https://repo.anaconda.com/miniconda/Miniconda3-latest-Linux-x86_64.sh \\
    && bash /tmp/m.sh -bfp /usr/local && rm -rf /tmp/m.sh
RUN pip install --no-cache-dir rich==13.7.1
"""
        + GOOD_TAIL,
        [("pip-in-base", 4)],
    ),
    "archives-pinned-by-name-or-not-by-branch": (
        """\
FROM python:3.11
RUN pip install --no-cache-dir mypkg-1.0.tar.gz dist/tool-2.1-py3-none-any.whl \\
    https://github.com/org/proj/archive/master.zip
USER 1000
""",
        [("unpinned-pip", 2)],
    ),
    "exec-form-run": (
        f"""\
FROM {MINICONDA}
RUN ["/opt/conda/bin/pip", "install", "--no-cache-dir", "rich==13.7.1"]
"""
        + GOOD_TAIL,
        [("pip-in-base", 2)],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_case_finds_exactly_its_rules_at_their_lines(case: str) -> None:
    text, expected = CASES[case]

    assert found(text) == sorted(expected)


def test_unpinned_requirement_built_from_a_variable_is_named() -> None:
    (finding,) = lint_text(CASES["unpinned-from-variables"][0].encode())

    assert "'tensorflow${TF_POSTFIX}'" in finding.message
    assert "numpy" not in finding.message and "scipy" not in finding.message


def test_no_cache_clean_says_a_called_script_may_clean() -> None:
    text = f"FROM {MINICONDA}\nRUN conda install -y numpy && ./cleanup.sh\n{GOOD_TAIL}"

    (finding,) = [f for f in lint_text(text.encode()) if f.rule == "no-cache-clean"]

    assert finding.line == 2
    assert "./cleanup.sh" in finding.message and "may clean" in finding.message


def test_every_finding_has_the_doctor_rule_shape() -> None:
    findings = lint_text(CASES["no-cache-clean-judges-only-this-run"][0].encode())

    assert findings
    for f in findings:
        assert f.rule and f.severity in ("error", "warning") and f.line > 0
        assert f.message and f.fix


def test_unpinned_pip_reads_a_requirements_file_the_dockerfile_copies(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("# pins\nnumpy==1.26.4\nscipy>=1.11\n")
    text = f"""\
FROM {MINICONDA}
WORKDIR /app
COPY requirements.txt ./
RUN /opt/conda/envs/ml/bin/python -m pip install --no-cache-dir \\
        transformers \\
        "git+https://github.com/huggingface/datasets.git@main" \\
    && /opt/conda/envs/ml/bin/python -m pip install --no-cache-dir -r requirements.txt
{GOOD_TAIL}"""

    findings = lint_text(text.encode(), tmp_path)

    assert [(f.rule, f.line) for f in findings] == [("unpinned-pip", 4), ("unpinned-pip", 7)]
    assert "'transformers'" in findings[0].message and "datasets.git@main" in findings[0].message
    assert "'scipy>=1.11'" in findings[1].message and "numpy" not in findings[1].message


def lint_file(tmp_path: Path, text: str) -> tuple[int, list[dict]]:
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    done = condapip("dockerfile", "--lint", str(path), "--json")
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)["findings"]


def test_lint_json_lists_rule_severity_line_message_and_fix(tmp_path: Path) -> None:
    code, findings = lint_file(tmp_path, CASES["exec-form-run"][0])

    assert code == 1
    assert [(f["rule"], f["severity"], f["line"]) for f in findings] == [
        ("pip-in-base", "error", 2)
    ]
    assert findings[0]["message"] and findings[0]["fix"]


def test_lint_text_output_names_file_line_and_rule(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(CASES["exec-form-run"][0])

    done = condapip("dockerfile", "--lint", str(path))

    assert done.returncode == 1
    assert done.stdout.splitlines()[0].startswith(f"{path}:2: pip-in-base: ")


def test_a_clean_dockerfile_has_no_findings_and_exit_0(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(CASES["env-path-at-an-env-is-not-bare"][0])

    done = condapip("dockerfile", "--lint", str(tmp_path / "Dockerfile"))

    assert done.returncode == 0, done.stdout + done.stderr
    assert "no findings" in done.stdout


@pytest.mark.parametrize("data", [b"", b"# only a comment\n", b"RUN echo hi\n", b"\xff\xfeFROM x"])
def test_lint_on_something_that_is_not_a_dockerfile_is_bad_input(
    tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(data)

    done = condapip("dockerfile", "--lint", str(path))

    assert done.returncode == 2
    assert done.stderr.startswith("condapip: error:") and "Traceback" not in done.stderr


def test_lint_on_a_missing_file_is_bad_input(tmp_path: Path) -> None:
    done = condapip("dockerfile", "--lint", str(tmp_path / "nope"))

    assert done.returncode == 2 and "not found" in done.stderr


def _messages(text: str) -> dict[str, str]:
    return {f.rule: f"{f.message} / {f.fix}" for f in lint_text(text.encode())}


def test_uv_is_judged_by_uvs_rules_not_called_pip() -> None:
    said = _messages(
        "FROM mambaorg/micromamba:2.0.5\nRUN uv pip install --system --no-cache rich==13.7.1\n"
    )["bare-pip"]
    assert "`uv pip install` changes the first python on PATH (--system)" in said
    assert "whichever pip" not in said
    assert "uv pip install --python /opt/conda/envs/NAME/bin/python" in said


def test_a_target_stage_running_as_root_is_named_with_its_target() -> None:
    said = _messages("FROM python:3.12 AS test\nRUN echo\nFROM python:3.12\nUSER 1000\n")
    assert "stage test (`docker build --target test`) runs as root" in said["root-user"]


def test_an_unknown_base_is_root_as_docker_runs_it() -> None:
    said = _messages("FROM registry.example.com/team/base:1.4\nRUN echo\n")["root-user"]
    assert "Docker runs as root unless the image says otherwise" in said


def test_unpinned_requirements_of_every_install_in_one_run_are_named() -> None:
    text = (
        "FROM python:3.11-slim\nUSER 1000\n"
        "RUN pip install --no-cache-dir uv && uv pip install --system --no-cache requests\n"
    )
    (finding,) = [f for f in lint_text(text.encode()) if f.rule == "unpinned-pip"]
    assert "'uv'" in finding.message and "'requests'" in finding.message
