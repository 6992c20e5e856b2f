"""`condapip dockerfile --lint`: each anti-pattern of the seed, found with its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import condapip

# The brief's own Dockerfile, as printed in the seed.
SEED = """\
FROM continuumio/miniconda3:latest
# non-root user (recommended for production)
RUN useradd -m -s /bin/bash dev && \\
    chown -R dev:dev /opt/conda
USER dev
WORKDIR /home/dev
# one RUN per layer
RUN conda create -n ml python=3.10 && \\
    conda install -n ml numpy pandas matplotlib \\
        pytorch torchvision torchaudio cudatoolkit=11.8 -c pytorch -c conda-forge && \\
    /opt/conda/envs/ml/bin/pip install transformers[torch] datasets jupyterlab
ENV PATH=/opt/conda/envs/ml/bin:$PATH
CMD ["jupyter", "lab", "--ip=0.0.0.0", "--allow-root"]
"""

GOOD_TAIL = 'USER 1000\nCMD ["python"]\n'

ANTI_PATTERNS = {
    # alternating updates: conda, then pip, then conda again
    "alternating-updates": (
        """\
FROM continuumio/miniconda3:24.7.1-0
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
"""
        + GOOD_TAIL,
        [("conda-after-pip", 3)],
    ),
    "bare-pip": (
        """\
FROM continuumio/miniconda3:24.7.1-0
RUN pip install --no-cache-dir requests==2.32.3
RUN python -m pip install --no-cache-dir rich==13.7.1
"""
        + GOOD_TAIL,
        [("bare-pip", 2), ("bare-pip", 3)],
    ),
    "pip-in-base": (
        """\
FROM continuumio/miniconda3:24.7.1-0
ENV CONDA_DIR=/opt/conda
RUN /opt/conda/bin/pip install --no-cache-dir requests==2.32.3
RUN $CONDA_DIR/bin/python -m pip install --no-cache-dir rich==13.7.1
RUN conda run -n base pip install --no-cache-dir attrs==23.2.0
"""
        + GOOD_TAIL,
        [("pip-in-base", 3), ("pip-in-base", 4), ("pip-in-base", 5)],
    ),
    "root-user-no-user": (
        """\
FROM continuumio/miniconda3:24.7.1-0
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
    "no-cache-clean": (
        """\
FROM continuumio/miniconda3:24.7.1-0
RUN conda create -y -n ml python=3.11 numpy
RUN /opt/conda/envs/ml/bin/python -m pip install rich==13.7.1
"""
        + GOOD_TAIL,
        [("no-cache-clean", 2), ("no-cache-clean", 3)],
    ),
    "unpinned-pip": (
        """\
FROM continuumio/miniconda3:24.7.1-0
WORKDIR /app
COPY requirements.txt ./
RUN /opt/conda/envs/ml/bin/python -m pip install --no-cache-dir \\
        transformers \\
        "git+https://github.com/huggingface/datasets.git@main" \\
    && /opt/conda/envs/ml/bin/python -m pip install --no-cache-dir -r requirements.txt
"""
        + GOOD_TAIL,
        [("unpinned-pip", 4), ("unpinned-pip", 4), ("unpinned-pip", 7)],
    ),
}


def lint_file(tmp_path: Path, text: str, name: str = "Dockerfile") -> tuple[int, list[dict]]:
    path = tmp_path / name
    path.write_text(text)
    done = condapip("dockerfile", "--lint", str(path), "--json")
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)["findings"]


@pytest.mark.parametrize("case", sorted(ANTI_PATTERNS))
def test_each_anti_pattern_is_found_with_its_rule_and_line(tmp_path: Path, case: str) -> None:
    text, expected = ANTI_PATTERNS[case]
    (tmp_path / "requirements.txt").write_text("# pins\nnumpy==1.26.4\nscipy>=1.11\n")

    code, findings = lint_file(tmp_path, text)

    assert code == 1
    assert sorted((f["rule"], f["line"]) for f in findings) == sorted(expected)
    assert all(f["message"] for f in findings)


def test_unpinned_pip_reads_a_requirements_file_the_dockerfile_copies(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("# pins\nnumpy==1.26.4\nscipy>=1.11\n")

    _, findings = lint_file(tmp_path, ANTI_PATTERNS["unpinned-pip"][0])

    flagged = sorted(f["message"].split("'")[1] for f in findings)
    assert flagged == [
        "git+https://github.com/huggingface/datasets.git@main",
        "scipy>=1.11",
        "transformers",
    ]


def test_the_seeds_own_dockerfile_is_flagged_for_caches_and_pins_only(tmp_path: Path) -> None:
    code, findings = lint_file(tmp_path, SEED)

    assert code == 1
    assert sorted((f["rule"], f["line"]) for f in findings) == [
        ("no-cache-clean", 8),
        ("no-cache-clean", 9),
        ("no-cache-clean", 11),
        ("unpinned-pip", 11),
        ("unpinned-pip", 11),
        ("unpinned-pip", 11),
    ]


CLEAN = {
    "commit-pin-and-cache-mount": """\
FROM mambaorg/micromamba:2.0.5
RUN micromamba create -y -n ml -f env.yml && micromamba clean --all --yes
RUN --mount=type=cache,target=/home/mambauser/.cache/pip \\
    /opt/conda/envs/ml/bin/python -m pip install \\
    "tok @ git+https://github.com/x/tok.git@0123456789abcdef0123456789abcdef01234567"
CMD ["python"]
""",
    "pip-no-cache-env-and-uv": """\
FROM continuumio/miniconda3:24.7.1-0
ENV PIP_NO_CACHE_DIR=1
RUN conda env create -n ml -f env.yml && rm -rf /opt/conda/pkgs/*
RUN /opt/conda/envs/ml/bin/python -m pip install rich==13.7.1 ./dist/mine-1.0-py3-none-any.whl
RUN uv pip install --no-cache --python /opt/conda/envs/ml/bin/python attrs==23.2.0
USER dev:dev
CMD ["python"]
""",
    "builder-stage-may-be-root": """\
FROM continuumio/miniconda3:24.7.1-0 AS build
RUN conda create -y -n ml python=3.11 && conda clean -afy
FROM mambaorg/micromamba:2.0.5
COPY --from=build /opt/conda/envs/ml /opt/conda/envs/ml
CMD ["python"]
""",
}


@pytest.mark.parametrize("case", sorted(CLEAN))
def test_dockerfiles_that_follow_the_rules_have_no_findings(tmp_path: Path, case: str) -> None:
    (tmp_path / "Dockerfile").write_text(CLEAN[case])

    done = condapip("dockerfile", "--lint", str(tmp_path / "Dockerfile"))

    assert done.returncode == 0, done.stdout + done.stderr
    assert "no findings" in done.stdout


def test_lint_text_output_names_file_line_and_rule(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(ANTI_PATTERNS["bare-pip"][0])

    done = condapip("dockerfile", "--lint", str(path))

    assert done.returncode == 1
    assert done.stdout.splitlines()[0].startswith(f"{path}:2: bare-pip: ")


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
