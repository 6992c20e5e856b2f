"""The Dockerfile as stages, each command in it with the environment it acts on.

Per stage this tracks what decides that at build time: the base image (from
``images``) or the earlier stage it is built ``FROM``, ARG and ENV values,
PATH, SHELL, USER, envs and virtualenvs created, conda installed by the
Dockerfile itself. Rules read the result; none of them re-reads the text.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field, replace

from condapip.docker.lint.calls import CondaCall, PipCall, classify, expand, positionals
from condapip.docker.lint.images import base_image
from condapip.docker.lint.parse import Instruction
from condapip.docker.lint.shell import Cmd, commands
from condapip.docker.lint.where import Target, Where, activated, conda_target, pip_target

_RC_FILES = frozenset({".bashrc", ".profile", ".bash_profile", "bash.bashrc", ".zshrc"})
_INSTALLERS = ("miniconda", "miniforge", "mambaforge", "anaconda")
_ARRAY_WORDS = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\[[@*]\]\}$")  # "${PKGS[@]}"


@dataclass(frozen=True)
class Step:
    """One command of a RUN, what it is, and where it acts."""

    cmd: Cmd
    call: PipCall | CondaCall | None
    target: Target | None
    values: dict[str, str]  # ARG, ENV and shell variables in force


@dataclass(frozen=True)
class Run:
    line: int
    steps: tuple[Step, ...]
    cache_mounts: tuple[str, ...]  # BuildKit cache mount targets: kept out of the layer
    workdir: str


@dataclass(frozen=True)
class Copy:
    source: str  # in the build context
    target: str  # absolute path in the image


@dataclass
class Stage:
    name: str | None
    image: str
    line: int
    parent: Stage | None  # the earlier stage this one is built FROM
    base_user: str | None  # the user at FROM; None: not known
    where: Where
    runs: list[Run] = field(default_factory=list)
    users: list[tuple[int, str | None]] = field(default_factory=list)  # USER lines
    starts: list[int] = field(default_factory=list)  # CMD and ENTRYPOINT lines
    copies: list[Copy] = field(default_factory=list)
    # (stage, path) for each ``COPY --from=stage PATH PATH`` that keeps the path
    copied: list[tuple[Stage, str]] = field(default_factory=list)
    # the stages (by name or index) this one reads: COPY --from, RUN --mount=from=
    uses: list[str] = field(default_factory=list)
    last_line: int = 0
    workdir: str = "/"

    @property
    def user(self) -> str | None:
        """The user the stage's container runs as (the last USER wins)."""
        return self.users[-1][1] if self.users else self.base_user

    def ancestors(self) -> list[Stage]:
        out: list[Stage] = []
        stage = self.parent
        while stage is not None and stage not in out:
            out.insert(0, stage)
            stage = stage.parent
        return out


def build(instructions: list[Instruction]) -> list[Stage]:
    global_args: dict[str, str] = {}
    out: list[Stage] = []
    for ins in instructions:
        if ins.kind == "FROM":
            out.append(_stage(ins, global_args, out))
        elif not out:
            _arg(ins, global_args, global_args)
        else:
            _instruction(ins, out, global_args)
            out[-1].last_line = ins.end_line
    return out


def _stage(ins: Instruction, global_args: dict[str, str], earlier: list[Stage]) -> Stage:
    image = expand(ins.args[0], global_args) if ins.args else ""
    name = ins.args[2].lower() if len(ins.args) >= 3 and ins.args[1].upper() == "AS" else None
    parent = next((s for s in reversed(earlier) if s.name == image.lower()), None)
    if parent is not None:
        return Stage(name, image, ins.line, parent, parent.user, parent.where.copy(),
                     last_line=ins.line, workdir=parent.workdir)  # fmt: skip
    known = base_image(image)
    conda = known.flavor in ("conda", "micromamba")
    where = Where(
        known.flavor,
        None if known.path is None else list(known.path),
        shell=known.run_with,
        values=dict(known.env),
        roots={"/opt/conda": known.flavor == "conda"} if conda else {},
        pip_dirs=set(known.pip_dirs),
        has_conda=conda,
    )
    return Stage(name, image, ins.line, None, known.user, where, last_line=ins.line)


def _arg(ins: Instruction, values: dict[str, str], global_args: dict[str, str]) -> None:
    if ins.kind != "ARG":
        return
    for word in ins.args:
        key, eq, value = word.partition("=")
        if eq:
            values[key] = _unquote(expand(value, values))
        elif key in global_args:
            values[key] = global_args[key]


def _unquote(value: str) -> str:
    try:
        return " ".join(shlex.split(value))
    except ValueError:
        return value


def _instruction(ins: Instruction, stages: list[Stage], global_args: dict[str, str]) -> None:
    stage = stages[-1]
    where = stage.where
    if ins.kind == "ARG":
        _arg(ins, where.values, global_args)
    elif ins.kind == "ENV":
        for key, value in zip(ins.args[::2], ins.args[1::2], strict=False):
            _env(key, _unquote(value), where)
    elif ins.kind == "USER" and ins.args:
        user = expand(ins.args[0], where.values)
        stage.users.append((ins.line, None if "$" in user else user))
    elif ins.kind == "SHELL" and ins.json:
        where.shell = ins.args
    elif ins.kind in ("CMD", "ENTRYPOINT"):
        stage.starts.append(ins.line)
    elif ins.kind == "WORKDIR" and ins.args:
        stage.workdir = posixpath.join(stage.workdir, expand(ins.args[0], where.values))
    elif ins.kind in ("COPY", "ADD"):
        stage.copies += _copies(ins, stage)
        stage.copied += _copied(ins, stage, stages[:-1])
        stage.uses += [f.split("=", 1)[1].lower() for f in ins.flags if f.startswith("--from=")]
    elif ins.kind == "RUN":
        stage.runs.append(_run(ins, stage))
        stage.uses += [_mount_from(f) for f in ins.flags if _mount_from(f)]


def _env(key: str, value: str, where: Where) -> None:
    old_path = "$PATH" if where.path is None else ":".join(where.path)
    value = expand(value, {**where.values, "PATH": old_path})
    where.values[key] = value
    if key == "PATH":
        where.path = value.split(":")
    elif key == "CONDA_DIR":
        where.roots.setdefault(posixpath.normpath(value), True)
    elif key == "MAMBA_ROOT_PREFIX":
        where.roots.setdefault(posixpath.normpath(value), False)
        where.has_conda = True
    elif key == "VIRTUAL_ENV":
        where.venvs.add(posixpath.normpath(value))


def _copies(ins: Instruction, stage: Stage) -> list[Copy]:
    if any(f.startswith("--from") for f in ins.flags) or len(ins.args) < 2:
        return []
    *sources, dest = (expand(a, stage.where.values) for a in ins.args)
    dest_abs = posixpath.join(stage.workdir, dest)
    into_dir = dest.endswith("/") or len(sources) > 1
    out = []
    for src in sources:
        name = posixpath.basename(src.rstrip("/"))
        target = posixpath.join(dest_abs, name) if into_dir else dest_abs
        out.append(Copy(src, posixpath.normpath(target)))
    return out


def _copied(ins: Instruction, stage: Stage, earlier: list[Stage]) -> list[tuple[Stage, str]]:
    """``COPY --from=build /opt/conda /opt/conda``: a tree of an earlier stage, same place."""
    source = next((f.split("=", 1)[1] for f in ins.flags if f.startswith("--from=")), None)
    found = [s for s in earlier if source is not None and s.name == source.lower()]
    if not found or len(ins.args) != 2:
        return []
    src, dest = (posixpath.normpath(expand(a, stage.where.values)) for a in ins.args)
    return [(found[-1], src)] if src == dest else []


def _run(ins: Instruction, stage: Stage) -> Run:
    where = stage.where
    cache_mounts = tuple(t for f in ins.flags for t in _cache_targets(f))
    if ins.script is None:  # exec form: no shell, no SHELL
        cmds, active = [Cmd(ins.args, (), (), ins.line)], None
    else:
        cmds, active = commands(ins.script), activated(where)
    local = dict(where.values)
    arrays: dict[str, tuple[str, ...]] = {}  # bash arrays this RUN sets
    # an installer saved under another name (curl -o /tmp/m.sh .../Miniconda3-...sh)
    fetched = any(n in w.lower() for c in cmds for w in c.argv for n in _INSTALLERS)
    steps = []
    for cmd in cmds:
        _assign(cmd, local, arrays)
        cmd = _spread(cmd, arrays)
        values = {**local, **{k: expand(v, local) for k, v in cmd.assigns}}
        call = classify(cmd, values)
        target: Target | None = None
        if _sources_rc(cmd) and where.rc_env:
            active = where.rc_env
        if isinstance(call, CondaCall):
            active, target = _conda(call, where, active)
        elif isinstance(call, PipCall):
            target = pip_target(call, where, active)
        else:
            _notice(cmd, values, where, fetched)
        steps.append(Step(cmd, call, target, values))
    return Run(ins.line, tuple(steps), cache_mounts, stage.workdir)


def _mount_from(flag: str) -> str:
    """``--mount=type=bind,from=build,...`` -> ``build`` (else "")."""
    if not flag.startswith("--mount="):
        return ""
    options = dict(o.partition("=")[::2] for o in flag[len("--mount=") :].split(","))
    return options.get("from", "").lower()


def _cache_targets(flag: str) -> list[str]:
    """``--mount=type=cache,target=/root/.cache/pip`` -> ``["/root/.cache/pip"]``."""
    if not flag.startswith("--mount="):
        return []
    options = dict(o.partition("=")[::2] for o in flag[len("--mount=") :].split(","))
    if options.get("type") != "cache":
        return []
    target = options.get("target") or options.get("dst") or options.get("destination")
    return [target] if target else []


def _assign(cmd: Cmd, local: dict[str, str], arrays: dict[str, tuple[str, ...]]) -> None:
    """Shell variables a RUN sets for its later commands (``X=1 &&``, ``export X=1``,
    ``PKGS=(a b)``: ``$PKGS`` is its first word, as in bash)."""
    for name, words, append in cmd.arrays:
        arrays[name] = (arrays.get(name, ()) if append else ()) + tuple(
            expand(w, local) for w in words
        )
        local[name] = arrays[name][0] if arrays[name] else ""
    if not cmd.argv:
        local.update((k, expand(v, local)) for k, v in cmd.assigns)
    elif cmd.argv[0] == "export":
        for word in cmd.argv[1:]:
            key, eq, value = word.partition("=")
            if eq:
                local[key] = expand(value, local)


def _spread(cmd: Cmd, arrays: dict[str, tuple[str, ...]]) -> Cmd:
    """``"${PKGS[@]}"`` as the words of the array the RUN set (an unknown one stays)."""
    argv: list[str] = []
    for word in cmd.argv:
        m = _ARRAY_WORDS.match(word)
        argv.extend(arrays[m.group(1)] if m is not None and m.group(1) in arrays else (word,))
    return replace(cmd, argv=tuple(argv)) if arrays else cmd


def _conda(call: CondaCall, where: Where, active: str | None) -> tuple[str | None, Target | None]:
    where.has_conda = True
    program = expand(call.program, where.values)
    if call.tool != "micromamba" and program.endswith("/bin/" + call.tool):
        root = posixpath.dirname(posixpath.dirname(program))
        if posixpath.basename(posixpath.dirname(root)) != "envs":
            where.roots.setdefault(root, True)
    if call.sub == "activate":
        return call.name or "base", None
    if call.sub == "deactivate":
        return None, None
    if call.sub in ("create", "env create") and call.prefix:
        where.prefixes.add(posixpath.normpath(call.prefix))
    return active, conda_target(call, where, active)


def _notice(cmd: Cmd, values: dict[str, str], where: Where, fetched: bool) -> None:
    """Conda installers, virtualenvs, rc-file activations and system pips a RUN makes."""
    argv = tuple(expand(w, values) for w in cmd.argv)
    if not argv:
        return
    program = posixpath.basename(argv[0])
    script = next((w for w in argv[:2] if w.endswith(".sh")), "")
    prefix = _value_of(argv, "-p") if script else None
    if any(n in posixpath.basename(script).lower() for n in _INSTALLERS) or fetched and prefix:
        if prefix:
            where.roots[posixpath.normpath(prefix)] = True
        where.has_conda = True
    elif program.startswith("python") and argv[1:3] == ("-m", "venv") or program == "virtualenv":
        where.venvs.update(posixpath.normpath(p) for p in positionals(argv[1:], frozenset())[-1:])
    elif program == "uv" and argv[1:2] == ("venv",):
        found = positionals(argv[2:], frozenset({"-p", "--python"}))
        where.venvs.add(posixpath.normpath(found[0] if found else ".venv"))
    elif program in ("echo", "printf") and _writes_rc(cmd):
        words = " ".join(argv[1:]).split()
        if "activate" in words[:-1]:
            where.rc_env = words[words.index("activate") + 1].strip("'\";")
    elif program in ("conda", "mamba") and argv[1:2] == ("init",) and where.rc_env is None:
        where.rc_env = "base"
    elif program in ("apt-get", "apt", "yum", "dnf", "apk") and _installs_pip(argv):
        where.pip_dirs.add("/usr/bin")


def _value_of(argv: tuple[str, ...], option: str) -> str | None:
    """The value of a short option, also at the end of combined flags (``-bfp DIR``)."""
    for i, word in enumerate(argv[:-1]):
        if word == option or (word[:1] == "-" and word[1:2] != "-" and word.endswith(option[1])):
            return argv[i + 1]
    return None


def _sources_rc(cmd: Cmd) -> bool:
    """``source ~/.bashrc``: the rc file's activation, in this RUN."""
    argv = cmd.argv
    return len(argv) > 1 and argv[0] in ("source", ".") and posixpath.basename(argv[1]) in _RC_FILES


def _writes_rc(cmd: Cmd) -> bool:
    return any(posixpath.basename(w) in _RC_FILES for w in cmd.writes)


def _installs_pip(argv: tuple[str, ...]) -> bool:
    return any(w in ("python3-pip", "python-pip", "py3-pip") for w in argv)
