"""The image a written Dockerfile builds FROM, its conda tool, and the names it may use.

Every base is treated the same way: an image without a version tag (or with
``latest``) is refused, and the message prints the pinned form to use, so
two builds of one Dockerfile start from the same image.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from condapip.errors import CondapipError

# The pinned form printed when a base is given without a tag.
PINNED = {
    "mambaorg/micromamba": "mambaorg/micromamba:2.0.5",
    "continuumio/miniconda3": "continuumio/miniconda3:24.7.1-0",
    "condaforge/miniforge3": "condaforge/miniforge3:24.3.0-0",
}
DEFAULT_IMAGE = PINNED["mambaorg/micromamba"]
DEFAULT_ENV = "app"
MICROMAMBA_USER = "mambauser"  # the micromamba images' own unprivileged user
MICROMAMBA_UID = 57439  # its id (MAMBA_USER_ID in mamba-org/micromamba-docker)
USER_UID = 1000

_ENV_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
_IMAGE = re.compile(
    r"^(?P<repo>(?:[a-z0-9.-]+(?::\d+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?P<digest>@sha256:[0-9a-f]{64})?$"
)


@dataclass(frozen=True)
class Base:
    image: str
    flavor: Literal["micromamba", "conda"]


def base_image(image: str | None) -> Base:
    """The image to build FROM, pinned, and which conda tool it carries."""
    image = (image or DEFAULT_IMAGE).strip()
    m = _IMAGE.match(image)
    if m is None:
        raise CondapipError(f"invalid base image: {image!r}")
    repo = m.group("repo")
    if (not m.group("tag") and not m.group("digest")) or m.group("tag") == "latest":
        pinned = PINNED.get(repo, f"{repo}:VERSION")
        raise CondapipError(
            f"base image {image!r} has no version tag, so each build may start from another "
            f"image: pin it, e.g. --base {pinned}"
        )
    if "micromamba" in repo:
        return Base(image, "micromamba")
    if any(k in repo for k in ("miniconda", "miniforge", "mambaforge", "anaconda")):
        return Base(image, "conda")
    raise CondapipError(
        f"unknown base image {image!r}: use a micromamba, miniconda or miniforge image"
    )


def env_name(written: str | None, chosen: str | None, source: str) -> str:
    """The image's env name: ``--name``, else the file's, else ``app``.

    A file's name that cannot be a folder name in a RUN line (a space, a ``$``)
    becomes the nearest one that can, and the user is told which.
    """
    if chosen is not None:
        return check_env_name(chosen, "--name")
    if written is None:
        return DEFAULT_ENV
    if written.strip() in ("base", "root") or _ENV_NAME.match(written):
        return check_env_name(written.strip(), source)
    dashed = re.sub(r"-+", "-", re.sub(r"[^A-Za-z0-9_.-]", "-", written))
    derived = dashed.strip("-._")[:64].rstrip("-._")
    derived = derived if _ENV_NAME.match(derived) else DEFAULT_ENV
    from condapip.support.output import warn

    warn(
        f"{source}: name {written!r} cannot name the image's env (letters, digits, "
        f"'.', '_', '-'): using {derived!r}; pass --name NAME to choose another"
    )
    return derived


def check_env_name(name: str, source: str) -> str:
    if name in ("base", "root"):
        raise CondapipError(
            f"{source}: name: {name} is conda's own environment, which pip must not change: "
            f"give the image's env a name of its own (e.g. name: {DEFAULT_ENV})"
        )
    if not _ENV_NAME.match(name):
        raise CondapipError(
            f"invalid environment name for a Dockerfile: {name!r} (letters, digits, '.', '_', '-')"
        )
    return name


def check_user(user: str) -> str:
    if not _USER.match(user) or user == "root":
        raise CondapipError(f"invalid user name: {user!r} (a non-root POSIX user name)")
    return user
