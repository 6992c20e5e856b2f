"""What well-known base images already are: conda or not, where, and which user.

A lint rule may fire only when its premise holds, and for an image built
``FROM`` something the premise often comes from the base image. This table is
the lint's whole knowledge of base images; an image not in it is ``unknown``:
its user is root (Docker runs as root unless the image says otherwise), and
rules that need its PATH (which pip runs) stay silent unless the Dockerfile
itself says.

========================================  ==========  ===========  ===========
image (any tag; also under ``quay.io/``)  conda       root prefix  user
========================================  ==========  ===========  ===========
continuumio/miniconda3, anaconda3         conda       /opt/conda   root
condaforge/miniforge3, mambaforge         conda       /opt/conda   root
pytorch/pytorch                           conda       /opt/conda   root
jupyter/* docker-stacks (base-notebook,   conda       /opt/conda   jovyan
scipy-notebook, ...)
mambaorg/micromamba                       micromamba  /opt/conda   mambauser
python, pypy                              none        --           root
ubuntu, debian, alpine, fedora, centos,   none        --           root
rockylinux, almalinux, amazonlinux,
nvidia/cuda, tensorflow/tensorflow
========================================  ==========  ===========  ===========

``conda`` images put the root prefix's ``bin`` first on PATH, so a bare
``pip`` there is base's pip. micromamba images put no env on PATH until
``MAMBA_DOCKERFILE_ACTIVATE=1``, and their base env does not run conda.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Flavor = Literal["conda", "micromamba", "none", "unknown"]
SYSTEM_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


@dataclass(frozen=True)
class BaseImage:
    flavor: Flavor
    user: str | None  # None: not known
    path: tuple[str, ...] | None  # PATH at FROM; None: not known
    env: dict[str, str] = field(default_factory=dict)  # ENV the image sets
    pip_dirs: tuple[str, ...] = ()  # PATH entries known to hold a non-conda pip
    run_with: tuple[str, ...] = ("/bin/sh", "-c")  # the SHELL that RUN lines go through


_ROOT = "/opt/conda"
_CONDA = BaseImage("conda", "root", (f"{_ROOT}/bin", *SYSTEM_PATH), {"CONDA_DIR": _ROOT})
_JUPYTER = BaseImage(
    "conda",
    "jovyan",
    (f"{_ROOT}/bin", *SYSTEM_PATH),
    {"CONDA_DIR": _ROOT, "NB_USER": "jovyan", "NB_UID": "1000", "NB_GID": "100"},
)
_MICROMAMBA = BaseImage(
    "micromamba",
    "mambauser",
    SYSTEM_PATH,
    {"MAMBA_ROOT_PREFIX": _ROOT, "MAMBA_EXE": "/bin/micromamba", "ENV_NAME": "base",
     "MAMBA_USER": "mambauser"},
    run_with=("/usr/local/bin/_dockerfile_shell.sh",),  # activates ENV_NAME when asked to
)  # fmt: skip
_PYTHON = BaseImage("none", "root", SYSTEM_PATH, pip_dirs=("/usr/local/bin",))
_PLAIN = BaseImage("none", "root", SYSTEM_PATH)
UNKNOWN = BaseImage("unknown", "root", None)

# repository (registry host removed) -> what it is
KNOWN: dict[str, BaseImage] = {
    "continuumio/miniconda3": _CONDA,
    "continuumio/miniconda": _CONDA,
    "continuumio/anaconda3": _CONDA,
    "continuumio/anaconda": _CONDA,
    "condaforge/miniforge3": _CONDA,
    "condaforge/miniforge-pypy3": _CONDA,
    "condaforge/mambaforge": _CONDA,
    "condaforge/mambaforge-pypy3": _CONDA,
    "pytorch/pytorch": _CONDA,
    "mambaorg/micromamba": _MICROMAMBA,
    "python": _PYTHON,
    "pypy": _PYTHON,
    "tensorflow/tensorflow": _PLAIN,
    "nvidia/cuda": _PLAIN,
    **{name: _PLAIN for name in (
        "ubuntu", "debian", "alpine", "fedora", "centos", "rockylinux", "almalinux",
        "amazonlinux", "buildpack-deps", "busybox", "archlinux", "opensuse/leap",
    )},
}  # fmt: skip
_JUPYTER_OWNERS = ("jupyter/", "quay.io/jupyter/")


def base_image(image: str) -> BaseImage:
    """What ``image`` (as written after FROM, variables expanded) is known to be."""
    name = image.split("@", 1)[0]
    if ":" in name.rsplit("/", 1)[-1]:
        name = name.rsplit(":", 1)[0]
    name = name.lower()
    if name.startswith(_JUPYTER_OWNERS):
        return _JUPYTER
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/", "quay.io/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    if name.startswith("library/"):
        name = name[len("library/") :]
    return KNOWN.get(name, UNKNOWN)
