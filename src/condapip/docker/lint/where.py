"""Which environment a pip or conda command acts on, from what the stage has set so far.

The answer comes from what decides it at build time: an explicit path, a
``conda run -n``/``activate`` in the same RUN, the SHELL, a login shell's
rc-file activation, micromamba's ``MAMBA_DOCKERFILE_ACTIVATE``, then PATH.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Literal

from condapip.docker.lint.calls import CondaCall, PipCall, expand
from condapip.docker.lint.images import Flavor

Kind = Literal["env", "base", "system", "bare", "unclear"]
_ROOT_NAMES = ("conda", "miniconda", "miniforge", "mambaforge", "anaconda", "micromamba")
_LOGIN_FLAGS = frozenset({"-l", "--login", "-i", "-lc", "-ic", "-li", "-il"})
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh"})
# An env that a SHELL wrapper script may activate, which this lint cannot read.
UNSEEN = "?"


@dataclass(frozen=True)
class Target:
    kind: Kind  # env: a named or prefix env; base: a root prefix's base env;
    # system: a python that is no conda env; bare: conda is there but PATH decides
    # and nothing says which env; unclear: an explicit path this lint cannot read
    name: str = ""  # the env's name or prefix (kind env)
    runs_conda: bool = False  # kind base: this base env runs conda itself

    @property
    def key(self) -> str | None:
        """The same key for the same environment, for "pip, then conda, in one env"."""
        if self.kind == "env":
            return f"env:{self.name}"
        return "base" if self.kind == "base" else None


@dataclass
class Where:
    """What a stage has set so far that decides where pip and conda act."""

    flavor: Flavor
    path: list[str] | None  # PATH entries; None when the base image's PATH is unknown
    shell: tuple[str, ...] = ("/bin/sh", "-c")
    values: dict[str, str] = field(default_factory=dict)  # ARG and ENV values
    roots: dict[str, bool] = field(default_factory=dict)  # root prefix -> base runs conda
    prefixes: set[str] = field(default_factory=set)  # envs created with -p PATH
    venvs: set[str] = field(default_factory=set)  # virtualenvs created in the image
    pip_dirs: set[str] = field(default_factory=set)  # PATH dirs holding a non-conda pip
    has_conda: bool = False
    rc_env: str | None = None  # env a shell rc file activates (for a login SHELL)

    def copy(self) -> Where:
        return Where(
            self.flavor, None if self.path is None else list(self.path), self.shell,
            dict(self.values), dict(self.roots), set(self.prefixes), set(self.venvs),
            set(self.pip_dirs), self.has_conda, self.rc_env,
        )  # fmt: skip

    @property
    def root(self) -> str:
        return next(iter(self.roots), "/opt/conda")


def env_target(env: str, where: Where) -> Target:
    """``-n NAME`` or ``-p PATH`` (or an activated name) as a target."""
    if env == UNSEEN:
        return Target("unclear")
    env = posixpath.normpath(env) if "/" in env else env
    if env in ("base", "root") or env in where.roots:  # "root" is base's old name
        return _base(where.root if "/" not in env else env, where)
    parent, name = posixpath.split(env)
    if posixpath.basename(parent) == "envs":
        return Target("env", name)
    return Target("env", env)


def _base(root: str, where: Where) -> Target:
    runs = where.roots.get(root)
    if runs is None:
        runs = "micromamba" not in root.lower() and where.flavor != "micromamba"
    return Target("base", runs_conda=runs)


def bin_target(directory: str, where: Where) -> Target | None:
    """The env whose ``bin`` is ``directory``, if any env's is."""
    directory = posixpath.normpath(directory)
    if posixpath.basename(directory) != "bin":
        return None
    prefix = posixpath.dirname(directory)
    if prefix in where.venvs:
        return Target("system")
    if prefix in where.roots or prefix in where.prefixes:
        return env_target(prefix, where)
    if posixpath.basename(posixpath.dirname(prefix)) == "envs":
        return Target("env", posixpath.basename(prefix))
    if any(n in posixpath.basename(prefix).lower() for n in _ROOT_NAMES):
        return _base(prefix, where)
    return None


def program_target(program: str, where: Where) -> Target:
    """The env of an explicit ``/path/to/pip`` or ``/path/to/python``."""
    path = expand(program, where.values)
    found = bin_target(posixpath.dirname(path), where)
    if found is not None:
        return found
    if "$" in path:
        return Target("unclear")
    return Target("system")


def activated(where: Where) -> str | None:
    """The env the SHELL instruction runs every RUN in, if it activates one."""
    shell = where.shell
    name = posixpath.basename(shell[0]) if shell else ""
    if name in ("conda", "mamba", "micromamba") and "run" in shell:
        call = CondaCall(name, shell[0], "run", shell[1:], None, None)
        return _run_env(call.args) or "base"
    if where.rc_env and _LOGIN_FLAGS & set(shell):
        return where.rc_env
    if name == "_dockerfile_shell.sh":
        if where.values.get("MAMBA_DOCKERFILE_ACTIVATE") == "1":
            return where.values.get("ENV_NAME", "base")
        return None
    return UNSEEN if name and name not in _SHELLS else None


def _run_env(args: tuple[str, ...]) -> str | None:
    for i, word in enumerate(args[:-1]):
        if word in ("-n", "--name", "-p", "--prefix"):
            return args[i + 1]
    return None


def pip_target(call: PipCall, where: Where, active: str | None) -> Target:
    """Where ``call`` installs: its runner, its path, the active env, or PATH."""
    if call.runner is not None:
        env = call.runner.name or call.runner.prefix or active or "base"
        if "/" not in call.program:
            return env_target(env, where)
    if call.program == "uv":
        return _uv_target(call, where, active)
    if "/" in call.program:
        return program_target(call.program, where)
    if active is not None:
        return env_target(active, where)
    return path_target(where)


def path_target(where: Where) -> Target:
    """What a bare ``pip`` or ``python`` is: the first PATH entry that holds one."""
    for entry in where.path or ():
        entry = posixpath.normpath(expand(entry, where.values))
        if entry in where.pip_dirs:
            return Target("system")
        found = bin_target(entry, where)
        if found is not None:
            return found
    return Target("bare") if where.has_conda else Target("system")


def _uv_target(call: PipCall, where: Where, active: str | None) -> Target:
    """uv's own choice (not pip's): ``--python`` names the interpreter (a path, or a
    request such as ``3.12`` that uv looks up on PATH); ``--system`` takes the first
    python on PATH; else the active virtualenv (``VIRTUAL_ENV``), then the active
    conda env (``CONDA_PREFIX``); with none, uv stops with an error."""
    request = call.uv_python
    if request is not None and "/" in request:
        return program_target(request, where)
    if request is not None or "--system" in call.args:
        # an activation puts its env's bin first on PATH
        return env_target(active, where) if active else path_target(where)
    if where.values.get("VIRTUAL_ENV"):
        return Target("system")
    env = active or where.values.get("CONDA_PREFIX")
    return env_target(env, where) if env else Target("unclear")


def conda_target(call: CondaCall, where: Where, active: str | None) -> Target:
    """The env a conda command changes: -n/-p, else the active env, else base."""
    if call.prefix:
        return env_target(call.prefix, where)
    if call.name:
        return env_target(call.name, where)
    if call.sub in ("env create", "env update", "create"):
        return Target("unclear")  # the name comes from a file this lint may not see
    return env_target(active or where.values.get("CONDA_PREFIX") or "base", where)
