"""A real git repository holding a pip-only package, buildable offline.

Its PEP 517 backend lives in the repository itself (``backend-path``) and
needs nothing installed (``requires = []``), so pip builds the checkout with
build isolation on and no index to download from.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

BACKEND = """\
import base64, hashlib, os, zipfile

NAME, VERSION, REQUIRES = {name!r}, {version!r}, {requires!r}


def _digest(data):
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _wheel(directory, files):
    dist = f"{{NAME}}-{{VERSION}}.dist-info"
    meta = f"Metadata-Version: 2.1\\nName: {{NAME}}\\nVersion: {{VERSION}}\\n"
    meta += "".join(f"Requires-Dist: {{r}}\\n" for r in REQUIRES)
    files[f"{{dist}}/METADATA"] = meta + "\\n"
    files[f"{{dist}}/WHEEL"] = (
        "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    )
    data = {{k: v.encode() for k, v in files.items()}}
    record = [f"{{k}},sha256={{_digest(v)}},{{len(v)}}" for k, v in data.items()]
    record.append(f"{{dist}}/RECORD,,")
    data[f"{{dist}}/RECORD"] = ("\\n".join(record) + "\\n").encode()
    name = f"{{NAME}}-{{VERSION}}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w") as zf:
        for k, v in data.items():
            zf.writestr(k, v)
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open(f"{{NAME}}/__init__.py") as fh:
        return _wheel(wheel_directory, {{f"{{NAME}}/__init__.py": fh.read()}})


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, {{f"_{{NAME}}_editable.pth": os.getcwd() + "\\n"}})
"""

PYPROJECT = """\
[build-system]
requires = []
build-backend = "backend"
backend-path = ["."]
"""


def git(repo: Path, *args: str) -> str:
    cmd = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    return subprocess.run(
        [*cmd, *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


def make_git_package(
    repo: Path, name: str, version: str, requires: Sequence[str] = ()
) -> tuple[Path, str]:
    """Commit package ``name`` ``version`` into a new repo at ``repo``; return it and the commit."""
    (repo / name).mkdir(parents=True)
    (repo / name / "__init__.py").write_text(f"__version__ = {version!r}\n")
    (repo / "pyproject.toml").write_text(PYPROJECT)
    (repo / "backend.py").write_text(
        BACKEND.format(name=name, version=version, requires=tuple(requires))
    )
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", f"{name} {version}")
    return repo, git(repo, "rev-parse", "HEAD")
