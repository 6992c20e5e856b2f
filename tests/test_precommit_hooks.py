"""The real pre-commit runs condapip's hooks from a git repository of this checkout.

pre-commit clones the hook repository at a rev and pip-installs it into a
virtualenv of its own (from PyPI, as a user's would), once per test session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import condapip

ROOT = Path(__file__).resolve().parents[1]
GOOD_DOCKERFILE = """\
FROM mambaorg/micromamba:1.5.8
COPY --chown=$MAMBA_USER:$MAMBA_USER env.yaml /tmp/env.yaml
RUN micromamba install -y -n base -f /tmp/env.yaml && micromamba clean --all --yes
"""
BAD_DOCKERFILE = """\
FROM continuumio/miniconda3:24.1.2-0
RUN pip install requests
RUN conda install -y numpy
"""


def _git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def _commit_all(repo: Path) -> str:
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x")
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This checkout's working tree as a git repository: what a user's rev would hold."""
    repo = tmp_path_factory.mktemp("hooks") / "condapip"
    shutil.copytree(
        ROOT,
        repo,
        # what git ignores is in no rev: tools' caches (mypy's alone is megabytes) too
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "*.egg-info", "__pycache__", "build", "dist", ".*_cache"
        ),
    )
    _git(repo, "init", "-q")
    return repo, _commit_all(repo)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _pre_commit(project: Path, home: Path) -> subprocess.CompletedProcess[str]:
    # pre-commit pip-installs condapip and what it needs: the index as the user has it
    env = {k: v for k, v in os.environ.items() if k not in ("PIP_NO_INDEX", "PIP_CONFIG_FILE")}
    env["PRE_COMMIT_HOME"] = str(home)
    # pip byte-compiles every module it installs into the hook env, most of which no hook
    # imports: Python compiles what a hook does import, on its first run
    env["PIP_NO_COMPILE"] = "1"
    # virtualenv, making the hook env, would otherwise start pip downloads of newer seed
    # wheels (its update every 14 days, due at once with a private HOME): 10 s of CPU
    env["VIRTUALENV_NO_PERIODIC_UPDATE"] = "1"
    cmd = [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"]
    return subprocess.run(cmd, cwd=project, capture_output=True, text=True, check=False, env=env)


def _project(tmp_path: Path, repo: Path, rev: str, hooks: list[str], args: str = "") -> Path:
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    listed = "".join(f"      - id: {h}\n{args}" for h in hooks)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n{listed}"
    )
    return project


@pytest.fixture(scope="module")
def locked_project(tmp_path_factory: pytest.TempPathFactory, channel: Path) -> Path:
    """An environment file and the condapip lock beside it. Only read."""
    project = tmp_path_factory.mktemp("locked")
    yml = project / "environment.yml"
    yml.write_text(f"channels:\n  - {channel}\ndependencies:\n  - python\n  - alpha\n")
    made = condapip("lock", "-f", str(yml), "-o", str(project / "condapip.lock.yml"))
    assert made.returncode == 0, made.stderr
    return project


def _failed(run: subprocess.CompletedProcess[str]) -> set[str]:
    """The hooks pre-commit reports as failed (it prints `- hook id: ID` under each)."""
    return {ln.split(": ", 1)[1] for ln in run.stdout.splitlines() if ln.startswith("- hook id: ")}


def test_hooks_pass_good_files_and_fail_a_bad_dockerfile_a_stale_lock_or_a_malformed_file(
    hook_repo, pre_commit_home, locked_project, tmp_path, channel
):
    """All three hooks in one project: one pre-commit install, one run per state."""
    repo, rev = hook_repo
    hooks = ["condapip-dockerfile-lint", "condapip-lock-check", "condapip-envfile"]
    project = _project(tmp_path, repo, rev, hooks)
    (project / "Dockerfile").write_text(GOOD_DOCKERFILE)
    for name in ("environment.yml", "condapip.lock.yml"):  # a fresh lock beside its file
        shutil.copy(locked_project / name, project)
    yml = project / "environment.yml"
    _commit_all(project)
    good = _pre_commit(project, pre_commit_home)
    assert good.returncode == 0, good.stdout + good.stderr

    (project / "app.Dockerfile").write_text(BAD_DOCKERFILE)
    yml.write_text(f"channels:\n  - {channel}\ndependencies:\n  - python\n  - alpha>=2\n")
    _commit_all(project)
    bad = _pre_commit(project, pre_commit_home)
    assert bad.returncode == 1
    assert _failed(bad) == {"condapip-dockerfile-lint", "condapip-lock-check"}, bad.stdout
    assert "conda-after-pip" in bad.stdout and "app.Dockerfile" in bad.stdout
    assert "is stale" in bad.stdout and "alpha>=2" in bad.stdout

    yml.write_text("name: x\ndependencies:\n  - numpy=1.26.4 - scipy\n")
    _commit_all(project)
    malformed = _pre_commit(project, pre_commit_home)
    assert malformed.returncode == 1
    assert "condapip-envfile" in _failed(malformed), malformed.stdout
    assert "malformed" in malformed.stdout


# -- what the hooks run, without pre-commit: `condapip hook ...` on several files at once


def test_hook_lock_check_passes_a_fresh_lock_and_fails_a_stale_or_missing_one(
    locked_project, channel, tmp_path
):
    fresh = locked_project / "environment.yml"
    stale = tmp_path / "stale" / "environment.yml"
    stale.parent.mkdir()
    stale.write_text(f"channels:\n  - {channel}\ndependencies:\n  - python\n  - alpha>=2\n")
    shutil.copy(locked_project / "condapip.lock.yml", stale.parent)
    alone = tmp_path / "alone" / "environment.yml"
    alone.parent.mkdir()
    alone.write_text(fresh.read_text())

    assert condapip("hook", "lock-check", str(fresh)).returncode == 0
    result = condapip("hook", "lock-check", str(fresh), str(stale), str(alone))
    assert result.returncode == 1
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert lines[str(fresh)] == "ok"
    assert "is stale" in lines[str(stale)] and "alpha>=2" in lines[str(stale)]
    assert f"condapip lock -f {stale}" in lines[str(stale)]
    assert lines[str(alone)].startswith("no condapip.lock.yml beside it")


def test_hook_lock_check_reads_the_lock_name_it_is_given(locked_project, tmp_path):
    project = tmp_path / "p"
    shutil.copytree(locked_project, project)
    (project / "condapip.lock.yml").rename(project / "team.lock.yml")
    yml = str(project / "environment.yml")
    assert condapip("hook", "lock-check", yml).returncode == 1
    assert condapip("hook", "lock-check", yml, "--lock", "team.lock.yml").returncode == 0


def test_hook_envfile_fails_a_malformed_file_among_good_ones_with_its_one_line(
    locked_project, tmp_path
):
    bad = tmp_path / "environment.yml"
    bad.write_text("name: x\ndependencies:\n  - numpy=1.26.4 - scipy\n")
    result = condapip("hook", "envfile", str(locked_project / "environment.yml"), str(bad))
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines[0].endswith(": ok") and lines[1].startswith(f"{bad}: malformed")
