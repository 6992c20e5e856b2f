"""The lint against hadolint on the rules both have: where they agree, and each difference.

hadolint's DL3013 (pin pip versions), DL3002 (last USER root) and DL3042 (pip
cache) overlap ``unpinned-pip``, ``root-user`` and ``no-cache-clean``. Each case
below records what each tool reports; the README's comparison table is this
list in prose. A change to either side shows up here as a failing case.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from condapip.docker.lint import lint_text

OVERLAP = {"DL3013": "unpinned-pip", "DL3002": "root-user", "DL3042": "no-cache-clean"}
PY = "FROM python:3.11\n"
NONROOT = "USER 1000\n"
BASH = 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\n'  # arrays are bash's, not sh's

# case: (Dockerfile, condapip's (rule, line) on the overlapping rules, hadolint's (code, line))
CASES: dict[str, tuple[str, list[tuple[str, int]], list[tuple[str, int]]]] = {
    "unpinned-name": (
        f"{PY}RUN pip install --no-cache-dir requests\n{NONROOT}",
        [("unpinned-pip", 2)],
        [("DL3013", 2)],
    ),
    "upgrade-pip-itself": (
        f"{PY}RUN pip install --no-cache-dir --upgrade pip\n{NONROOT}",
        [("unpinned-pip", 2)],
        [("DL3013", 2)],
    ),
    "variable-suffix": (
        f"{PY}ARG TF_POSTFIX\n"
        f'RUN pip install --no-cache-dir "tensorflow${{TF_POSTFIX}}"\n{NONROOT}',
        [("unpinned-pip", 3)],
        [("DL3013", 3)],
    ),
    "range-is-not-a-pin": (
        f'{PY}RUN pip install --no-cache-dir "requests>=2" "attrs~=23.2"\n{NONROOT}',
        [("unpinned-pip", 2)],
        [],
    ),
    "vcs-branch-is-not-a-pin": (
        f'{PY}RUN pip install --no-cache-dir "git+https://github.com/a/b.git@main"\n{NONROOT}',
        [("unpinned-pip", 2)],
        [],
    ),
    "pip-behind-conda-run": (
        "FROM continuumio/miniconda3:24.7.1-0\n"
        f"RUN conda run -n ml pip install --no-cache-dir requests\n{NONROOT}",
        [("unpinned-pip", 2)],
        [],
    ),
    "line-inside-a-run": (
        f"{PY}RUN apt-get update \\\n    # then pip\n    && pip install --no-cache-dir requests\n"
        f"{NONROOT}",
        [("unpinned-pip", 4)],
        [("DL3013", 2)],
    ),
    "heredoc-run": (
        f"{PY}RUN <<EOF\npip install --no-cache-dir requests\nEOF\n{NONROOT}",
        [("unpinned-pip", 3)],
        [],  # hadolint 2.x reads past the heredoc: DL1000 parse error, no rule runs
    ),
    "explicit-user-root": (
        f'{PY}USER root\nCMD ["python"]\n',
        [("root-user", 3)],
        [("DL3002", 2)],
    ),
    "root-by-default": (
        f'{PY}CMD ["python"]\n',
        [("root-user", 2)],
        [],
    ),
    "non-root-base-image": (
        'FROM jupyter/base-notebook:2024-07-29\nCMD ["start-notebook.sh"]\n',
        [],
        [],
    ),
    "pip-cache-kept": (
        f"{PY}RUN pip install requests==2.32.3\n{NONROOT}",
        [("no-cache-clean", 2)],
        [("DL3042", 2)],
    ),
    "pip-cache-removed-in-the-run": (
        f"{PY}RUN pip install requests==2.32.3 && rm -rf /root/.cache/pip\n{NONROOT}",
        [],
        [("DL3042", 2)],
    ),
    "pip-cache-off-by-env": (
        f"{PY}ENV PIP_NO_CACHE_DIR=1\nRUN pip install requests==2.32.3\n{NONROOT}",
        [],
        [],
    ),
    "pip-cache-in-a-builder-stage": (
        "FROM python:3.11 AS build\nRUN pip install requests==2.32.3\n"
        f"{PY}COPY --from=build /usr/local/lib /usr/local/lib\n{NONROOT}",
        [],
        [("DL3042", 2)],
    ),
    "bash-array-unpinned": (
        f'{PY}{BASH}RUN PKGS=(requests) && pip install --no-cache-dir "${{PKGS[@]}}"\n{NONROOT}',
        [("unpinned-pip", 3)],
        [("DL3013", 3)],
    ),
    "bash-array-pinned": (
        f"{PY}{BASH}RUN PKGS=(requests==2.32.3) "
        f'&& pip install --no-cache-dir "${{PKGS[@]}}"\n{NONROOT}',
        [],
        [("DL3013", 3)],  # hadolint does not read the array
    ),
    "uv-pip-unpinned": (
        f"{PY}RUN uv pip install --system --no-cache requests\n{NONROOT}",
        [("unpinned-pip", 2)],
        [],  # hadolint has no uv rule
    ),
    "root-in-a-target-stage": (
        f"FROM python:3.11 AS test\nRUN echo\n{PY}{NONROOT}",
        [("root-user", 2)],
        [],
    ),
    "root-on-an-unknown-base": (
        'FROM registry.example.com/team/base:1.4\nCMD ["python"]\n',
        [("root-user", 2)],
        [],
    ),
    "conda-cache-kept": (
        f"FROM continuumio/miniconda3:24.7.1-0\nRUN conda create -y -n ml python=3.11\n{NONROOT}",
        [("no-cache-clean", 2)],
        [],  # hadolint has no conda rule
    ),
}


def _hadolint() -> str | None:
    beside = Path(sys.executable).parent / "hadolint"
    return shutil.which("hadolint") or (str(beside) if beside.exists() else None)


def _hadolint_findings(tool: str, path: Path) -> list[tuple[str, int]]:
    done = subprocess.run(
        [tool, "--no-color", "-f", "json", str(path)], capture_output=True, text=True, check=False
    )
    return sorted((f["code"], f["line"]) for f in json.loads(done.stdout) if f["code"] in OVERLAP)


@pytest.mark.skipif(_hadolint() is None, reason="hadolint is not installed (test extra)")
@pytest.mark.parametrize("case", sorted(CASES))
def test_lint_and_hadolint_agree_or_differ_as_recorded(tmp_path: Path, case: str) -> None:
    text, ours, theirs = CASES[case]
    path = tmp_path / "Dockerfile"
    path.write_text(text)

    found = sorted((f.rule, f.line) for f in lint_text(text.encode()) if f.rule in OVERLAP.values())

    assert found == sorted(ours)
    assert _hadolint_findings(str(_hadolint()), path) == sorted(theirs)
