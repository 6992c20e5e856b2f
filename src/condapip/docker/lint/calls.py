"""What one shell command is, to this lint: a pip call, a conda call, or neither.

Prefixes that only change how a command runs (``sudo``, ``env``, ``exec``,
``xargs``, ``VAR=value``) are looked through; ``conda run -n X cmd`` and
``micromamba run -n X cmd`` are the inner command, run in X.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from condapip.docker.lint.shell import Cmd

CONDA_TOOLS = frozenset({"conda", "mamba", "micromamba"})
_PIP = re.compile(r"^pip(\d+(\.\d+)?)?$")
_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")
# wrappers, and their options that take the next word as a value
_WRAPPERS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"}),
    "env": frozenset({"-u", "-C", "-S", "--unset", "--chdir"}),
    "xargs": frozenset({"-n", "-L", "-I", "-a", "-P", "-d", "-E", "-s"}),
    "nice": frozenset({"-n"}),
    "exec": frozenset({"-a"}),
    "time": frozenset({"-f", "-o"}),
    "nohup": frozenset(),
    "command": frozenset(),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
}
_USER_WRAPPERS = frozenset({"gosu", "su-exec", "timeout"})  # one positional, then the command
PIP_VALUE_OPTS = frozenset({
    "-c", "--constraint", "-r", "--requirement", "-e", "--editable", "-i", "--index-url",
    "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root", "--src",
    "--upgrade-strategy", "--progress-bar", "--log", "--cache-dir", "--trusted-host",
    "--global-option", "-C", "--config-settings", "--no-binary", "--only-binary", "--platform",
    "--python-version", "--implementation", "--abi", "--timeout", "--retries", "--proxy",
    "--cert", "--client-cert", "--exists-action", "--report", "--python", "--root-user-action",
    "--keyring-provider", "--use-feature", "--use-deprecated", "--group", "-d", "--dest",
    "--install-option", "--build-option", "-p",
})  # fmt: skip
_CONDA_VALUE_OPTS = frozenset({
    "-n", "--name", "-p", "--prefix", "-c", "--channel", "-f", "--file", "--cwd",
    "--override-channels-from", "-r", "--root-prefix", "--platform", "--subdir",
})  # fmt: skip


@dataclass(frozen=True)
class CondaCall:
    tool: str  # conda, mamba or micromamba
    program: str  # as written, variables expanded
    sub: str  # "install", "env create", "activate", "run", "clean", ... or ""
    args: tuple[str, ...]  # everything after the program
    name: str | None  # -n NAME (or the env an ``activate`` names)
    prefix: str | None  # -p PATH

    @property
    def dry(self) -> bool:
        """``--download-only``/``--dry-run``: the env stays as it was."""
        return any(a in ("--download-only", "--dry-run", "-d") for a in self.args)


@dataclass(frozen=True)
class PipCall:
    program: str  # pip, python3 or a path to either; "uv" for ``uv pip``
    args: tuple[str, ...]  # pip's own arguments
    runner: CondaCall | None  # the ``conda run`` that runs it, if any

    @property
    def sub(self) -> str:
        words = positionals(self.args, PIP_VALUE_OPTS)
        return words[0] if words else ""

    @property
    def shown(self) -> str:
        """The call as a message names it: ``uv pip``, ``pip3``, ``python -m pip``."""
        if self.program == "uv":
            return "uv pip"
        return self.program if "pip" in self.program else f"{self.program} -m pip"

    @property
    def uv_python(self) -> str | None:
        """uv's ``--python``/``-p``: an interpreter path, or a request such as ``3.12``."""
        if self.program != "uv":
            return None
        for i, word in enumerate(self.args):
            if word.startswith("--python="):
                return word.split("=", 1)[1]
            if word in ("--python", "-p") and i + 1 < len(self.args):
                return self.args[i + 1]
        return None


def expand(word: str, values: dict[str, str]) -> str:
    """``$VAR``, ``${VAR}`` and ``${VAR:-default}`` from known values; others left as written."""

    def one(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(3)
        if name in values:
            return values[name]
        return m.group(2) if m.group(2) is not None else m.group(0)

    return _VAR.sub(one, word)


def positionals(args: tuple[str, ...], value_opts: frozenset[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for word in args:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in value_opts
        else:
            out.append(word)
    return out


def unwrap(argv: tuple[str, ...]) -> tuple[str, ...]:
    """The command a wrapper (``sudo -u x``, ``env A=1``, ``xargs -n1``) runs."""
    i = 0
    while i < len(argv):
        name = posixpath.basename(argv[i])
        if name in _USER_WRAPPERS:
            i += 2
            continue
        if name not in _WRAPPERS:
            break
        i += 1
        while i < len(argv) and (argv[i].startswith("-") or _is_assignment(argv[i])):
            i += 2 if argv[i] in _WRAPPERS[name] else 1
    return argv[i:]


def _is_assignment(word: str) -> bool:
    name, eq, _ = word.partition("=")
    return bool(eq) and name.isidentifier()


def classify(cmd: Cmd, values: dict[str, str]) -> PipCall | CondaCall | None:
    argv = tuple(expand(w, values) if i == 0 else w for i, w in enumerate(unwrap(cmd.argv)))
    if not argv:
        return None
    name = posixpath.basename(argv[0])
    if name in ("source", ".") and len(argv) > 1 and posixpath.basename(argv[1]) == "activate":
        env = argv[2] if len(argv) > 2 else "base"
        return CondaCall("conda", argv[1], "activate", argv[1:], env, None)
    if name in CONDA_TOOLS:
        return _conda(name, argv, values)
    return pip_call(argv, None)


def pip_call(argv: tuple[str, ...], runner: CondaCall | None) -> PipCall | None:
    name = posixpath.basename(argv[0]) if argv else ""
    if _PIP.match(name):
        return PipCall(argv[0], argv[1:], runner)
    if _PYTHON.match(name):
        rest = list(argv[1:])
        while rest and rest[0].startswith("-") and rest[0] not in ("-m", "-mpip", "-c"):
            rest.pop(0)  # interpreter flags such as -u or -I
        if rest[:2] == ["-m", "pip"]:
            return PipCall(argv[0], tuple(rest[2:]), runner)
        if rest[:1] == ["-mpip"]:
            return PipCall(argv[0], tuple(rest[1:]), runner)
        return None
    if name == "uv" and argv[1:2] == ("pip",):
        return PipCall("uv", argv[2:], runner)
    return None


def _conda(tool: str, argv: tuple[str, ...], values: dict[str, str]) -> CondaCall | PipCall | None:
    args = argv[1:]
    words = positionals(args, _CONDA_VALUE_OPTS)
    sub = words[0] if words else ""
    if sub == "env" and len(words) > 1:
        sub = f"env {words[1]}"
    name = _option(args, ("-n", "--name"), values)
    prefix = _option(args, ("-p", "--prefix"), values)
    if sub == "activate":
        name = name or (words[1] if len(words) > 1 else "base")
    call = CondaCall(tool, argv[0], sub, args, name, prefix)
    if sub == "run":
        return pip_call(_after_run(args), call)
    return call


def _option(args: tuple[str, ...], names: tuple[str, ...], values: dict[str, str]) -> str | None:
    for i, word in enumerate(args):
        key, eq, value = word.partition("=")
        if eq and key in names and key.startswith("--"):
            return expand(value, values)
        if word in names and i + 1 < len(args):
            return expand(args[i + 1], values)
    return None


def _after_run(args: tuple[str, ...]) -> tuple[str, ...]:
    i = args.index("run") + 1
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in _CONDA_VALUE_OPTS else 1
    return args[i:]
