"""Lint a Dockerfile against the layering rules: conda first, pip last, by path.

The Dockerfile's structure comes from ``dockerfile-parse``; each RUN's shell
text is split into simple commands with ``shlex`` on ``&&``, ``||``, ``;`` and
``|``. Each rule is one small function over the parsed stages that returns
findings.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from condapip.errors import CondapipError

RULES = {
    "conda-after-pip": "a conda change after pip installed into the env",
    "bare-pip": "pip not run through an env's explicit interpreter",
    "pip-in-base": "pip installs into conda's base environment",
    "root-user": "the container runs as root",
    "no-cache-clean": "an install leaves its package cache in the layer",
    "unpinned-pip": "a pip requirement without == or a commit",
}

CONDA_TOOLS = {"conda", "mamba", "micromamba", "$MAMBA_EXE", "${MAMBA_EXE}"}
_CONDA_CHANGES = {"install", "create", "update", "upgrade", "remove", "uninstall"}
_CONDA_DOWNLOADS = {"install", "create", "update", "upgrade"}
_SEPARATORS = {"&&", "||", ";", "|", "&", "(", ")", ";;", "|&"}
_REDIRECTS = {">", ">>", "<", ">&", "<&", "&>", "&>>", ">|", "<<", "<<<"}
_WRAPPERS = {"sudo", "exec", "env", "time", "nohup", "command"}
_PIP = re.compile(r"^pip(\d+(\.\d+)?)?$")
_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")
_ENV_BIN = re.compile(r"/envs/([^/]+)(/bin(/[^/]+)?)?/?$")
_ROOT_BIN = re.compile(r"(conda|mamba|miniforge|anaconda)[^/]*(/bin(/[^/]+)?)?/?$", re.IGNORECASE)
_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")
# pip install options that take a value as the next word
_PIP_VALUE_OPTS = {
    "-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-f", "--find-links",
    "-t", "--target", "--prefix", "--root", "--src", "--upgrade-strategy", "--progress-bar",
    "--log", "--cache-dir", "--trusted-host", "--global-option", "-C", "--config-settings",
    "--no-binary", "--only-binary", "--platform", "--python-version", "--implementation",
    "--abi", "--timeout", "--retries", "--proxy", "--cert", "--client-cert", "--exists-action",
    "--report", "--python", "--root-user-action", "--keyring-provider", "--use-feature",
    "--use-deprecated", "--group", "-d", "--dest",
}  # fmt: skip
_CONDA_VALUE_OPTS = {"-n", "--name", "-p", "--prefix", "-c", "--channel", "-f", "--file"}


@dataclass(frozen=True)
class Finding:
    rule: str
    line: int
    message: str

    def as_json(self, path: Path) -> dict[str, Any]:
        return {"rule": self.rule, "line": self.line, "message": self.message, "file": str(path)}


@dataclass(frozen=True)
class Command:
    """One simple shell command inside a RUN."""

    argv: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class PipCall:
    env: str | None  # the env pip runs in: a name, "base", or None for "whatever is on PATH"
    args: tuple[str, ...]  # after "pip"

    @property
    def subcommand(self) -> str | None:
        return next((a for a in self.args if not a.startswith("-")), None)


@dataclass(frozen=True)
class CondaCall:
    tool: str
    subcommand: str | None
    env: str | None
    args: tuple[str, ...]


@dataclass
class Run:
    line: int
    commands: list[Command]
    cache_mount: bool


@dataclass
class Stage:
    """One FROM ... up to the next FROM, in instruction order."""

    image: str
    line: int
    instructions: list[dict[str, Any]] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    vars: dict[str, str] = field(default_factory=dict)


def lint(path: Path) -> list[Finding]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CondapipError(f"Dockerfile not found: {path}") from None
    except OSError as exc:
        raise CondapipError(f"cannot read {path}: {exc.strerror}") from None
    return lint_text(data, context=path.parent)


def lint_text(data: bytes, context: Path | None = None) -> list[Finding]:
    stages = parse(data)
    findings: list[Finding] = []
    for rule in (conda_after_pip, bare_pip, pip_in_base, no_cache_clean):
        for stage in stages:
            findings += rule(stage)
    for stage in stages:
        findings += unpinned_pip(stage, context)
    findings += root_user(stages[-1])
    return sorted(findings, key=lambda f: (f.line, f.rule))


# --- parsing -----------------------------------------------------------------


def parse(data: bytes) -> list[Stage]:
    import io

    from dockerfile_parse import DockerfileParser

    try:
        text = data.decode()
    except UnicodeDecodeError:
        raise CondapipError("not a Dockerfile: not UTF-8 text") from None
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode()), env_replace=False)
    stages: list[Stage] = []
    for ins in parser.structure:
        kind = ins["instruction"]
        if kind == "FROM":
            image = ins["value"].split()
            image = [w for w in image if not w.startswith("--")]
            stages.append(Stage(image=image[0] if image else "", line=ins["startline"] + 1))
            continue
        if kind == "COMMENT":
            continue
        if not stages:
            if kind == "ARG":
                continue
            raise CondapipError(
                f"not a Dockerfile: {kind} before FROM (line {ins['startline'] + 1})"
            )
        stage = stages[-1]
        stage.instructions.append(ins)
        if kind in ("ENV", "ARG"):
            stage.vars.update(_assignments(ins["value"]))
        elif kind == "RUN":
            stage.runs.append(_run(ins))
    if not stages:
        raise CondapipError("not a Dockerfile: no FROM instruction")
    return stages


def _assignments(value: str) -> dict[str, str]:
    try:
        words = shlex.split(value)
    except ValueError:
        return {}
    if len(words) >= 2 and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}  # legacy "ENV KEY value"
    return dict(w.split("=", 1) if "=" in w else (w, "") for w in words)


def _run(ins: dict[str, Any]) -> Run:
    value: str = ins["value"].strip()
    line = ins["startline"] + 1
    cache_mount = False
    while value.startswith("--"):
        flag, _, value = value.partition(" ")
        cache_mount |= flag.startswith("--mount=") and "type=cache" in flag
        value = value.strip()
    if value.startswith("["):
        try:
            argv = json.loads(value)
        except ValueError:
            argv = None
        if isinstance(argv, list) and all(isinstance(a, str) for a in argv):
            return Run(line, [Command(tuple(argv), line)], cache_mount)
    return Run(line, list(_commands(value, ins["content"], line)), cache_mount)


def _commands(shell: str, content: str, first_line: int) -> Iterator[Command]:
    lexer = shlex.shlex(shell, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes: words are still worth reading
        tokens = shell.split()
    cursor = 0
    argv: list[str] = []
    skip = False
    for tok in [*tokens, ";"]:
        if skip:
            skip = False
        elif tok in _SEPARATORS:
            if argv:
                start, cursor = _locate(argv, content, cursor)
                yield Command(tuple(argv), first_line + content.count("\n", 0, start))
            argv = []
        elif tok in _REDIRECTS:
            skip = True
        else:
            argv.append(tok)


def _locate(argv: list[str], content: str, cursor: int) -> tuple[int, int]:
    """Where a command starts in the RUN's raw text, and where it ends."""
    start = content.find(argv[0], cursor)
    if start < 0:
        return cursor, cursor
    end = start + len(argv[0])
    for word in argv[1:]:
        at = content.find(word, end)
        if at >= 0:
            end = at + len(word)
    return start, end


def _unwrap(argv: tuple[str, ...]) -> tuple[str, ...]:
    """Drop ``VAR=value`` prefixes and wrappers like ``sudo`` or ``env``."""
    i = 0
    while i < len(argv):
        word = argv[i]
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", word) or word in _WRAPPERS:
            i += 1
        elif argv[i - 1 : i] and argv[i - 1] in _WRAPPERS and word.startswith("-"):
            i += 1
        else:
            break
    return argv[i:]


def _expand(word: str, vars: dict[str, str]) -> str:
    return _VAR.sub(lambda m: vars.get(m.group(1), m.group(0)), word)


def env_of_path(path: str) -> str | None:
    """``/opt/conda/envs/ml/bin/python`` -> ``ml``; conda's root bin -> ``base``."""
    m = _ENV_BIN.search(path)
    if m:
        return m.group(1)
    if "/" in path and _ROOT_BIN.search(path):
        return "base"
    return None


def conda_call(cmd: Command, vars: dict[str, str]) -> CondaCall | None:
    argv = _unwrap(cmd.argv)
    if not argv or posixpath.basename(argv[0]) not in CONDA_TOOLS:
        return None
    args = argv[1:]
    words = _positionals(args, _CONDA_VALUE_OPTS)
    sub = words[0] if words else None
    if sub == "env" and len(words) > 1:
        sub = f"env {words[1]}"
    return CondaCall(posixpath.basename(argv[0]), sub, _conda_target(args, vars), args)


def _conda_target(args: tuple[str, ...], vars: dict[str, str]) -> str | None:
    for i, word in enumerate(args):
        name, eq, value = word.partition("=")
        if eq and name in ("--name", "--prefix"):
            pass
        elif word in ("-n", "--name", "-p", "--prefix") and i + 1 < len(args):
            name, value = word, args[i + 1]
        else:
            continue
        value = _expand(value, vars)
        if name in ("-n", "--name"):
            return value
        return env_of_path(value) or value
    return None


def pip_call(cmd: Command, vars: dict[str, str]) -> PipCall | None:
    argv = _unwrap(cmd.argv)
    if not argv:
        return None
    conda = conda_call(Command(argv, cmd.line), vars)
    if conda is not None and conda.subcommand == "run":
        inner = _after_run(conda.args)
        call = pip_call(Command(inner, cmd.line), vars)
        if call is not None and call.env is None:
            return PipCall(conda.env or "base", call.args)
        return call
    head = _expand(argv[0], vars)
    name = posixpath.basename(head)
    if _PIP.match(name):
        return PipCall(env_of_path(head), argv[1:])
    if _PYTHON.match(name):
        rest = argv[1:]
        if rest[:2] == ("-m", "pip") or rest[:1] == ("-mpip",):
            return PipCall(env_of_path(head), rest[2:] if rest[0] == "-m" else rest[1:])
        return None
    if name == "uv" and argv[1:2] == ("pip",):
        return PipCall(_uv_env(argv[2:], vars), argv[2:])
    return None


def _after_run(args: tuple[str, ...]) -> tuple[str, ...]:
    i = args.index("run") + 1
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in ("-n", "--name", "-p", "--prefix", "--cwd") else 1
    return args[i:]


def _uv_env(args: tuple[str, ...], vars: dict[str, str]) -> str | None:
    for i, word in enumerate(args):
        if word.startswith("--python="):
            return env_of_path(_expand(word.split("=", 1)[1], vars))
        if word in ("--python", "-p") and i + 1 < len(args):
            return env_of_path(_expand(args[i + 1], vars))
    return None


def _positionals(args: tuple[str, ...], value_opts: set[str]) -> list[str]:
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


def _calls(stage: Stage) -> Iterator[tuple[Run, Command]]:
    for run in stage.runs:
        for cmd in run.commands:
            yield run, cmd


# --- rules -------------------------------------------------------------------


def conda_after_pip(stage: Stage) -> list[Finding]:
    pip_envs: set[str | None] = set()
    out = []
    for _, cmd in _calls(stage):
        pip = pip_call(cmd, stage.vars)
        if pip is not None and pip.subcommand == "install":
            pip_envs.add(pip.env)
            continue
        conda = conda_call(cmd, stage.vars)
        if conda is None or not pip_envs or not _changes(conda):
            continue
        if conda.env is None or None in pip_envs or conda.env in pip_envs:
            out.append(
                Finding(
                    "conda-after-pip",
                    cmd.line,
                    f"`{conda.tool} {conda.subcommand}` after pip installed into the env: "
                    "conda may overwrite or orphan pip's files; put every conda package "
                    "in the conda layer, before pip",
                )
            )
    return out


def bare_pip(stage: Stage) -> list[Finding]:
    out = []
    for _, cmd in _calls(stage):
        pip = pip_call(cmd, stage.vars)
        if pip is not None and pip.env is None and pip.subcommand in ("install", "uninstall"):
            out.append(
                Finding(
                    "bare-pip",
                    cmd.line,
                    f"`{_shown(cmd)}` runs whichever pip is first on PATH "
                    "(base, if no env is on it): call the env's interpreter, "
                    "/opt/conda/envs/NAME/bin/python -m pip",
                )
            )
    return out


def _shown(cmd: Command) -> str:
    argv = _unwrap(cmd.argv)
    return " ".join(argv[:3] if argv[1:2] == ("-m",) else argv[:2])


def pip_in_base(stage: Stage) -> list[Finding]:
    out = []
    for _, cmd in _calls(stage):
        pip = pip_call(cmd, stage.vars)
        if pip is not None and pip.env == "base" and pip.subcommand in ("install", "uninstall"):
            out.append(
                Finding(
                    "pip-in-base",
                    cmd.line,
                    "pip changes conda's base environment, which runs conda itself: "
                    "install into a named env through /opt/conda/envs/NAME/bin/python -m pip",
                )
            )
    return out


def no_cache_clean(stage: Stage) -> list[Finding]:
    out = []
    pip_env_off = _truthy(stage.vars.get("PIP_NO_CACHE_DIR"))
    for run in stage.runs:
        if run.cache_mount:
            continue  # a BuildKit cache mount keeps the cache out of the layer
        conda_cleaned = any(_cleans_conda(c, stage.vars) for c in run.commands)
        pip_cleaned = pip_env_off or any(_cleans_pip(c, stage.vars) for c in run.commands)
        for cmd in run.commands:
            conda = conda_call(cmd, stage.vars)
            if conda is not None and _downloads(conda) and not conda_cleaned:
                out.append(
                    Finding(
                        "no-cache-clean",
                        cmd.line,
                        f"`{conda.tool} {conda.subcommand}` leaves its package cache in this "
                        f"layer: end the same RUN with `{conda.tool} clean --all --yes`",
                    )
                )
            pip = pip_call(cmd, stage.vars)
            if pip is not None and pip.subcommand == "install":
                if not (pip_cleaned or "--no-cache-dir" in pip.args or "--no-cache" in pip.args):
                    out.append(
                        Finding(
                            "no-cache-clean",
                            cmd.line,
                            "pip install keeps its wheel cache in this layer: add --no-cache-dir",
                        )
                    )
    return out


def root_user(stage: Stage) -> list[Finding]:
    """The final stage must run as a non-root user when its CMD or ENTRYPOINT starts."""
    # the micromamba images switch to their own unprivileged user themselves
    user = "mambauser" if "micromamba" in stage.image else "root"
    for ins in stage.instructions:
        if ins["instruction"] == "USER":
            user = ins["value"].strip()
        elif ins["instruction"] in ("CMD", "ENTRYPOINT") and _is_root(user):
            return [_root_finding(ins["startline"] + 1, ins["instruction"])]
    starts = [i for i in stage.instructions if i["instruction"] in ("CMD", "ENTRYPOINT")]
    if not starts and _is_root(user):
        line = stage.instructions[-1]["endline"] + 1 if stage.instructions else stage.line
        return [_root_finding(line, "the image")]
    return []


def unpinned_pip(stage: Stage, context: Path | None) -> list[Finding]:
    copies = _copies(stage)
    workdir = "/"
    out = []
    for ins in stage.instructions:
        if ins["instruction"] == "WORKDIR":
            workdir = posixpath.join(workdir, _expand(ins["value"].strip(), stage.vars))
        if ins["instruction"] != "RUN":
            continue
        run = next(r for r in stage.runs if r.line == ins["startline"] + 1)
        for cmd in run.commands:
            pip = pip_call(cmd, stage.vars)
            if pip is None or pip.subcommand != "install":
                continue
            for req in _requirements(pip.args, workdir, copies, context):
                out.append(
                    Finding(
                        "unpinned-pip",
                        cmd.line,
                        f"pip requirement {req!r} is not pinned: use name==version "
                        "(or a VCS URL at a commit) so every build installs the same code",
                    )
                )
    return out


# --- rule helpers ------------------------------------------------------------


def _changes(conda: CondaCall) -> bool:
    sub = conda.subcommand or ""
    return sub in _CONDA_CHANGES or sub in ("env create", "env update", "env remove")


def _downloads(conda: CondaCall) -> bool:
    sub = conda.subcommand or ""
    return sub in _CONDA_DOWNLOADS or sub in ("env create", "env update")


def _cleans_conda(cmd: Command, vars: dict[str, str]) -> bool:
    conda = conda_call(cmd, vars)
    if conda is not None and conda.subcommand == "clean":
        for word in conda.args:
            if word in ("--all", "--tarballs", "--packages", "--force-pkgs-dirs"):
                return True
            if re.match(r"^-[a-z]+$", word) and set(word[1:]) & set("atpf"):
                return True
        return False
    argv = _unwrap(cmd.argv)
    return bool(argv) and argv[0] == "rm" and any("/pkgs" in _expand(a, vars) for a in argv)


def _cleans_pip(cmd: Command, vars: dict[str, str]) -> bool:
    pip = pip_call(cmd, vars)
    if pip is not None and pip.args[:2] in (("cache", "purge"), ("cache", "remove")):
        return True
    argv = _unwrap(cmd.argv)
    if argv[:3] == ("uv", "cache", "clean"):
        return True
    return bool(argv) and argv[0] == "rm" and any(".cache" in a for a in argv[1:])


def _truthy(value: str | None) -> bool:
    # pip reads any value of PIP_NO_CACHE_DIR, even "0" or "off", as "no cache"
    return bool((value or "").strip())


def _is_root(user: str) -> bool:
    return user.split(":", 1)[0] in ("root", "0", "")


def _root_finding(line: int, where: str) -> Finding:
    return Finding(
        "root-user",
        line,
        f"{where} runs as root: add `USER NAME` (a non-root user) before it",
    )


def _copies(stage: Stage) -> list[tuple[str, str, bool]]:
    """(context source, image path, into a folder) for each COPY/ADD from the build context."""
    out = []
    workdir = "/"
    for ins in stage.instructions:
        kind = ins["instruction"]
        if kind == "WORKDIR":
            workdir = posixpath.join(workdir, _expand(ins["value"].strip(), stage.vars))
        if kind not in ("COPY", "ADD"):
            continue
        value = ins["value"].strip()
        if value.startswith("["):
            try:
                words = json.loads(value)
            except ValueError:
                continue
        else:
            try:
                words = shlex.split(value)
            except ValueError:
                continue
        if any(w.startswith("--from") for w in words):
            continue
        words = [w for w in words if not w.startswith("--")]
        if len(words) < 2:
            continue
        *srcs, dest = words
        dest = posixpath.join(workdir, _expand(dest, stage.vars))
        into_dir = dest.endswith("/") or len(srcs) > 1
        for src in srcs:
            target = posixpath.join(dest, posixpath.basename(src.rstrip("/"))) if into_dir else dest
            out.append((src, posixpath.normpath(target), into_dir))
    return out


def _requirements(
    args: tuple[str, ...],
    workdir: str,
    copies: list[tuple[str, str, bool]],
    context: Path | None,
) -> Iterator[str]:
    words = list(args)
    i = 0
    seen_sub = False
    while i < len(words):
        word = words[i]
        if word in ("-r", "--requirement") and i + 1 < len(words):
            yield from _file_requirements(words[i + 1], workdir, copies, context)
            i += 2
            continue
        if word.startswith("--requirement="):
            yield from _file_requirements(word.split("=", 1)[1], workdir, copies, context)
        elif word in ("-e", "--editable") and i + 1 < len(words):
            if not is_pinned(words[i + 1]):
                yield words[i + 1]
            i += 2
            continue
        elif word in _PIP_VALUE_OPTS:
            i += 2
            continue
        elif not word.startswith("-"):
            if not seen_sub:
                seen_sub = True  # "install"
            elif not is_pinned(word):
                yield word
        i += 1


def _file_requirements(
    name: str, workdir: str, copies: list[tuple[str, str, bool]], context: Path | None
) -> Iterator[str]:
    source = _context_file(posixpath.normpath(posixpath.join(workdir, name)), copies, context)
    if source is None:
        return
    try:
        text = source.read_text()
    except (OSError, UnicodeDecodeError):
        return
    for raw in text.replace("\\\n", " ").splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line or line.startswith("-") and not line.startswith(("-e ", "--editable ")):
            continue
        req = line.split(" --hash", 1)[0].strip()
        req = re.sub(r"^(-e|--editable)\s+", "", req)
        if not is_pinned(req):
            yield req


def _context_file(
    image_path: str, copies: list[tuple[str, str, bool]], context: Path | None
) -> Path | None:
    if context is None:
        return None
    for src, target, _ in reversed(copies):
        if image_path == target:
            candidate = context / src
        elif image_path.startswith(target.rstrip("/") + "/"):
            candidate = context / src / image_path[len(target.rstrip("/")) + 1 :]
        else:
            continue
        if candidate.is_file():
            return candidate
    return None


def is_pinned(requirement: str) -> bool:
    """``==`` one version, a VCS URL at a commit, a wheel or hashed archive, or a local path."""
    req = requirement.strip().strip("'\"")
    if req.startswith((".", "/", "~", "file:")):
        return True  # a path in the build context: pinned by the context itself
    if "+" in req.split("://", 1)[0] and "://" in req:
        return _pinned_url(req)
    if req.startswith(("http://", "https://")):
        return _pinned_url(req)
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        parsed = Requirement(req)
    except InvalidRequirement:
        return True  # not a requirement we can read (a variable, a flag): say nothing
    if parsed.url:
        return _pinned_url(parsed.url)
    return any(s.operator in ("==", "===") and "*" not in s.version for s in parsed.specifier)


def _pinned_url(url: str) -> bool:
    base, _, fragment = url.partition("#")
    if "+" in base.split("://", 1)[0]:  # git+https://host/repo.git@REV
        path = base.split("://", 1)[-1]
        rev = path.rsplit("@", 1)[1] if "@" in path.split("/", 1)[-1] else ""
        return bool(_COMMIT.match(rev))
    if base.startswith("file:"):
        return True
    return "sha256=" in fragment or base.endswith(".whl")
