"""Write the seed's layered Dockerfile: conda layer, then pip layer, never conda again.

No value from the environment file is interpolated into shell text: both
layers go into files that the Dockerfile COPYs (``conda-layer.yml`` and
``pip-layer.txt``). What must appear in the Dockerfile itself (the env name,
the user, the image) is validated against a strict pattern and still quoted.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from condapip.docker.lint.pins import is_pinned
from condapip.errors import CondapipError
from condapip.formats.envfile import EnvSpec, dumps

if TYPE_CHECKING:
    from condapip.formats.lock import Lock

CONDA_FILE = "conda-layer.yml"
EXPLICIT_FILE = "conda-layer.txt"
PIP_FILE = "pip-layer.txt"
DEFAULT_ENV = "app"
# Tags are pinned: `latest` would make two builds of one Dockerfile differ.
IMAGES = {
    "mambaorg/micromamba": "mambaorg/micromamba:2.0.5",
    "continuumio/miniconda3": "continuumio/miniconda3:24.7.1-0",
}
DEFAULT_IMAGE = IMAGES["mambaorg/micromamba"]
MICROMAMBA_USER = "mambauser"  # the micromamba images' own unprivileged user
MICROMAMBA_UID = 57439  # its id (MAMBA_USER_ID in mamba-org/micromamba-docker)
USER_UID = 1000

_ENV_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
_IMAGE = re.compile(
    r"^(?:[a-z0-9.-]+(?::\d+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@sha256:[0-9a-f]{64})?$"
)


@dataclass(frozen=True)
class Base:
    image: str
    flavor: Literal["micromamba", "conda"]


@dataclass(frozen=True)
class Written:
    """The Dockerfile and the layer files it COPYs, by file name."""

    dockerfile: str
    files: dict[str, str]


def base_image(image: str | None) -> Base:
    """The image to build FROM, with a pinned tag, and which conda tool it carries."""
    image = (image or DEFAULT_IMAGE).strip()
    image = IMAGES.get(image, image)
    m = _IMAGE.match(image)
    if m is None:
        raise CondapipError(f"invalid base image: {image!r}")
    if ("@sha256:" not in image and not m.group("tag")) or m.group("tag") == "latest":
        raise CondapipError(f"pin the base image to a version tag or digest: {image!r}")
    if "micromamba" in image:
        return Base(image, "micromamba")
    if any(k in image for k in ("miniconda", "miniforge", "mambaforge", "anaconda")):
        return Base(image, "conda")
    raise CondapipError(
        f"unknown base image {image!r}: use a micromamba, miniconda or miniforge image"
    )


def check_env_name(name: str) -> str:
    if not _ENV_NAME.match(name) or name == "base":
        raise CondapipError(
            f"invalid environment name for a Dockerfile: {name!r} "
            "(letters, digits, '.', '_', '-'; not base)"
        )
    return name


def check_user(user: str) -> str:
    if not _USER.match(user) or user == "root":
        raise CondapipError(f"invalid user name: {user!r} (a non-root POSIX user name)")
    return user


def check_pip_layer(requirements: tuple[str, ...]) -> None:
    """Every pip entry pinned, reachable from a build, and free of credentials."""
    for req in requirements:
        url = req.split(" @ ", 1)[1].strip() if " @ " in req else req
        if re.match(r"^[a-z+]+://[^/@]+@", url, re.IGNORECASE):
            raise CondapipError(
                f"pip requirement {req!r} carries credentials in its URL; "
                "they would be baked into the image: use a build secret instead"
            )
        if url.startswith(("file:", ".", "/", "~")):
            raise CondapipError(
                f"pip requirement {req!r} is a local path, which a Docker build cannot see: "
                "build a wheel into the build context and pin it by version"
            )
        if not is_pinned(req):
            raise CondapipError(
                f"pip requirement {req!r} is not pinned: the pip layer is installed with "
                "--no-deps, so it needs every dist at an exact version (name==version or a "
                "VCS URL at a commit); `condapip export` writes such a file"
            )


@dataclass(frozen=True)
class Layers:
    """Both layers as the files the image COPYs, and what the Dockerfile needs to know."""

    name: str
    conda_file: str
    conda_text: str
    explicit: bool  # an @EXPLICIT list of package URLs (from a lock), not an env yml
    pip: tuple[str, ...]
    packages: frozenset[str]


def from_envfile(spec: EnvSpec, source: str) -> Layers:
    name = check_env_name(spec.name or DEFAULT_ENV)
    check_pip_layer(spec.pip)
    channels = spec.channels or ("conda-forge",)
    for channel in channels:
        if channel.startswith(("file:", ".", "/", "~")):
            raise CondapipError(f"channel {channel!r} is a local path a Docker build cannot see")
    conda = spec.conda
    if spec.pip and not any(_conda_name(s) == "pip" for s in conda):
        conda = (*conda, "pip")
    text = _header(source, "conda") + dumps(
        EnvSpec(name=name, channels=channels, conda=conda, pip=())
    )
    names = {_conda_name(s) for s in conda} | {_pip_name(r) for r in spec.pip}
    return Layers(name, CONDA_FILE, text, False, spec.pip, frozenset(names))


def from_lock(lock: Lock, source: str, platform: str = "linux-64") -> Layers:
    """A condapip lock's linux packages, by URL and hash: the image gets exactly those."""
    name = check_env_name(lock.name or DEFAULT_ENV)
    locked = lock.platforms.get(platform)
    if locked is None:
        raise CondapipError(f"{source} has no {platform} packages: lock the env on {platform}")
    lines = [f"# platform: {platform}", "@EXPLICIT"]
    for pkg in locked.conda:
        if not pkg.url.startswith("https://") or "***" in pkg.url:
            raise CondapipError(f"conda package {pkg.url!r} is not reachable from a Docker build")
        lines.append(f"{pkg.url}#{pkg.md5}" if pkg.md5 else pkg.url)
    pip = tuple(a.requirement for a in locked.pip)
    check_pip_layer(pip)
    if locked.pip and all(a.sha256 for a in locked.pip):
        # every line hashed puts pip in hash-checking mode: it installs only these bytes
        pip = tuple(f"{a.requirement} --hash=sha256:{a.sha256}" for a in locked.pip)
    names = {p.name for p in locked.conda} | {_pip_name(a.name) for a in locked.pip}
    text = _header(source, "conda") + "\n".join(lines) + "\n"
    return Layers(name, EXPLICIT_FILE, text, True, pip, frozenset(names))


def render(layers: Layers, *, base: Base, user: str | None, source: str) -> Written:
    user = check_user(user or (MICROMAMBA_USER if base.flavor == "micromamba" else "dev"))
    files = {layers.conda_file: layers.conda_text}
    if layers.pip:
        files[PIP_FILE] = _header(source, "pip") + "".join(f"{r}\n" for r in layers.pip)
    return Written(_dockerfile(base, layers, user, source, files), files)


def _dockerfile(base: Base, layers: Layers, user: str, source: str, files: dict[str, str]) -> str:
    q = shlex.quote
    name = layers.name
    env_bin = f"/opt/conda/envs/{name}/bin"
    python = f"{env_bin}/python"
    home = f"/home/{user}"
    lines = [
        f"# Written by `condapip dockerfile` from {_oneline(source)}.",
        "# The conda layer first, then the pip layer through the env's own python;",
        "# no conda command after pip. Change the spec and write this file again.",
        f"FROM {base.image}",
    ]
    # USER takes the numeric id: a runtime (Kubernetes runAsNonRoot) can then
    # prove the container is not root without reading /etc/passwd.
    uid = MICROMAMBA_UID
    if base.flavor == "conda" or user != MICROMAMBA_USER:
        uid = USER_UID
        if base.flavor == "micromamba":
            lines.append("USER 0:0")
        lines += [
            f"RUN useradd --no-log-init --create-home --shell /bin/bash --uid {uid} {q(user)} \\",
            f"    && chown -R {uid}:{uid} /opt/conda",
        ]
    lines += [
        f"USER {uid}:{uid}",
        f"WORKDIR {home}",
        f"COPY --chown={uid}:{uid} {' '.join(files)} ./",
    ]
    conda_file = layers.conda_file
    if base.flavor == "micromamba":
        priority = "" if layers.explicit else "--strict-channel-priority "
        create = f"micromamba create --yes {priority}--name {q(name)} --file {conda_file}"
        clean = "micromamba clean --all --yes"
        env_line = f"ENV ENV_NAME={name} PATH={env_bin}:$PATH"
    else:
        if layers.explicit:
            create = f"conda create --yes --name {q(name)} --file {conda_file}"
        else:
            create = (
                f"CONDA_CHANNEL_PRIORITY=strict conda env create --name {q(name)} "
                f"--file {conda_file}"
            )
        clean = "conda clean --all --yes"
        env_line = f"ENV PATH={env_bin}:$PATH"
    lines += [f"RUN {create} \\", f"    && {clean}", env_line]
    if layers.pip:
        lines += [
            f"RUN {q(python)} -m pip install --no-deps --no-cache-dir --requirement {PIP_FILE} \\",
            f"    && {q(python)} -m pip check",
        ]
    lines += _start(layers.packages)
    return "\n".join(lines) + "\n"


def _start(names: frozenset[str]) -> list[str]:
    if "jupyterlab" in names:
        cmd = ["jupyter", "lab", "--ip=0.0.0.0", "--no-browser"]
        return ["EXPOSE 8888", f"CMD {json.dumps(cmd)}"]
    return [f"CMD {json.dumps(['python'])}"]


def _conda_name(spec: str) -> str:
    from condapip.ledger.specs import spec_name

    return spec_name(spec)


def _pip_name(req: str) -> str:
    from packaging.utils import canonicalize_name

    m = re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*", req)
    if m is None or "://" in req.split(" @ ", 1)[0]:
        return ""
    return canonicalize_name(m.group(0))


def _header(source: str, layer: str) -> str:
    return f"# The {layer} layer, written by `condapip dockerfile` from {_oneline(source)}.\n"


def _oneline(text: str) -> str:
    return re.sub(r"[\r\n]+", " ", text)
