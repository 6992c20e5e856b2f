"""Write the layered Dockerfile: conda layer, then pip layer, never conda again.

No value from the environment file is interpolated into shell text: both
layers go into files that the Dockerfile COPYs (``conda-layer.yml`` and
``pip-layer.txt``). What must appear in the Dockerfile itself (the env name,
the user, the image, ``variables:``) is validated and quoted.

The env is created by the non-root user in a folder that user owns: root only
creates the user and hands it the (empty) envs folder, so no layer copies
conda's whole tree the way ``chown -R /opt/conda`` would.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

from condapip.docker.base import MICROMAMBA_UID, MICROMAMBA_USER, USER_UID, Base, check_user
from condapip.docker.layers import Layers, header, oneline
from condapip.errors import CondapipError
from condapip.support.redact import TOKEN, store

PIP_FILE = "pip-layer.txt"
CONDA_DISTS = "conda-layer.constraints.txt"  # made in the image: the conda layer's dists


@dataclass(frozen=True)
class Written:
    """The Dockerfile and the layer files it COPYs, by file name."""

    dockerfile: str
    files: dict[str, str]


def render(layers: Layers, *, base: Base, user: str | None, source: str) -> Written:
    """The Dockerfile and its layer files; refused when one would carry a credential."""
    return _without_credentials(_render(layers, base=base, user=user, source=source))


def _without_credentials(written: Written) -> Written:
    """An image keeps every layer: a token there is a token published.

    A channel's token or password (or conda's ``<TOKEN>``, which only the
    user's condarc can fill) belongs in a build secret, not in these files.
    """
    for name, text in [("Dockerfile", written.dockerfile), *written.files.items()]:
        if store(text) != text or f"/t/{TOKEN}/" in text:
            raise CondapipError(
                f"{name} would need a channel credential (a token or a password), and an "
                "image keeps every layer: give it through a build secret "
                "(RUN --mount=type=secret) instead"
            )
    return written


def _render(layers: Layers, *, base: Base, user: str | None, source: str) -> Written:
    user = check_user(user or (MICROMAMBA_USER if base.flavor == "micromamba" else "dev"))
    uid = _uid(base, user)
    files = {layers.conda_file: layers.conda_text}
    if layers.pip:
        files[PIP_FILE] = header(source, "pip") + "".join(f"{r}\n" for r in layers.pip)
    lines = [
        f"# Written by `condapip dockerfile` from {oneline(source)}.",
        "# The conda layer first, then the pip layer through the env's own python;",
        "# no conda command after pip. Change the spec and write this file again.",
        f"FROM {base.image}",
        *_user(base, user),
        f"COPY --chown={uid}:{uid} {layers.conda_file} ./",
        *_conda_layer(base, layers),
        *_pip_layer(layers, f"--chown={uid}:{uid}"),
        *_start(layers),
    ]
    return Written("\n".join(lines) + "\n", files)


def _uid(base: Base, user: str) -> int:
    own = base.flavor == "micromamba" and user == MICROMAMBA_USER
    return MICROMAMBA_UID if own else USER_UID


def _user(base: Base, user: str) -> list[str]:
    """A non-root user that owns the envs folder (and only that folder)."""
    uid = _uid(base, user)
    lines = []
    if uid != MICROMAMBA_UID:
        if base.flavor == "micromamba":
            lines.append("USER 0:0")
        lines += [
            f"RUN useradd --no-log-init --create-home --shell /bin/bash --uid {uid} "
            f"{shlex.quote(user)} \\",
            f"    && install -d -o {uid} -g {uid} /opt/conda/envs",
        ]
    # USER takes the numeric id: a runtime (Kubernetes runAsNonRoot) can then
    # prove the container is not root without reading /etc/passwd.
    lines += [f"USER {uid}:{uid}", f"WORKDIR /home/{user}"]
    if uid != MICROMAMBA_UID:
        # conda's own package cache is root's: download into one the user owns
        lines.append(f"ENV CONDA_PKGS_DIRS=/home/{user}/.conda/pkgs")
    return lines


def _conda_layer(base: Base, layers: Layers) -> list[str]:
    q = shlex.quote
    conda_file = layers.conda_file
    env = f"/opt/conda/envs/{layers.name}"
    # --prefix, not --name: as a non-root user conda would put a named env
    # in ~/.conda/envs, because the root prefix is not the user's
    where = f"--prefix {q(env)}"
    tool = "micromamba" if base.flavor == "micromamba" else "conda"
    prefix = f"CONDA_OVERRIDE_CUDA={layers.cuda} " if layers.cuda else ""
    if layers.explicit:
        create = f"{tool} create --yes {where} --file {conda_file}"
    elif tool == "micromamba":
        priority = "--strict-channel-priority " if layers.strict else ""
        create = f"micromamba create --yes {priority}{where} --file {conda_file}"
    else:
        if layers.strict:
            prefix += "CONDA_CHANNEL_PRIORITY=strict "
        create = f"conda env create {where} --file {conda_file}"
    env_line = f"ENV ENV_NAME={layers.name} " if tool == "micromamba" else "ENV "
    lines = []
    if not layers.strict:
        lines.append(
            "# flexible channel priority: exact builds without a channel:: may come from "
            "any channel listed (a lock pins each by URL)"
        )
    lines += [f"RUN {prefix}{create} \\", f"    && {tool} clean --all --yes"]
    lines.append(f"{env_line}PATH={env}/bin:$PATH")
    lines += [f"ENV {key}={_env_value(value)}" for key, value in layers.variables]
    return lines


def _env_value(value: str) -> str:
    """A ``variables:`` value as one ENV word: quoted, and no ``$`` that Docker would expand."""
    return json.dumps(value).replace("$", "\\$")


def _pip_layer(layers: Layers, chown: str) -> list[str]:
    """The pip layer file and what it names from the build context, then one pip run."""
    if not layers.pip:
        return []
    copies = [f"COPY {chown} {PIP_FILE} ./"]
    for rel in layers.copies:
        copies.append(
            f"COPY {chown} . ./" if rel == "." else f"COPY {chown} {json.dumps([rel, f'./{rel}'])}"
        )
    python = shlex.quote(f"/opt/conda/envs/{layers.name}/bin/python")
    check = f"    && {python} -m pip check"
    if layers.pip_complete:
        # a lock lists every dist, exact and hashed: nothing more may come in
        install = [
            f"RUN {python} -m pip install --no-deps --no-cache-dir --requirement {PIP_FILE} \\"
        ]
        return [*copies, *(f"# {note}" for note in layers.notes), *install, check]
    # an environment file lists what the user asked for: pip brings the
    # dependencies, held to the versions the conda layer installed
    install = [
        f"RUN {python} -m pip list --format=freeze > {CONDA_DISTS} \\",
        f"    && {python} -m pip install --no-cache-dir --constraint {CONDA_DISTS} "
        f"--requirement {PIP_FILE} \\",
    ]
    return [*copies, *(f"# {note}" for note in layers.notes), *install, check + " \\",
            f"    && rm {CONDA_DISTS}"]  # fmt: skip


def _start(layers: Layers) -> list[str]:
    if "jupyterlab" in layers.packages:
        cmd = ["jupyter", "lab", "--ip=0.0.0.0", "--no-browser"]
        return ["EXPOSE 8888", f"CMD {json.dumps(cmd)}"]
    if layers.has_python:
        return [f"CMD {json.dumps(['python'])}"]
    return []
