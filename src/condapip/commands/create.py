"""``condapip create -f FILE``: a new environment, conda layer in one solve, then pip.

The ``pip:`` list is resolved against the conda solution before anything is
linked (``create_pip``), so a dry run refuses what the real run would.

FILE is an environment.yml, or conda's ``@EXPLICIT`` format (exact URLs, with
condapip's pip block after them). A failure removes the half-made prefix.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from condapip.change import conda_layer, journal, pip_layer, transaction
from condapip.change.engines import conda_engine, pip_engine
from condapip.change.engines.base import PipEngine, SolvedPackage
from condapip.change.plan import Row, refuse_both_layers
from condapip.change.result import Changed, Plan, conda_versions, pip_versions
from condapip.commands import create_pip
from condapip.commands._shared import command_line, refuse_existing
from condapip.errors import CondapipError, Refused
from condapip.ledger import env_vars
from condapip.ledger.channels import for_verb, spec_channel
from condapip.ledger.specs import spec_name
from condapip.support.output import Confirm
from condapip.support.progress import step

if TYPE_CHECKING:
    from condapip.formats.pip_requirements import PipRequirement, PipSection


def run(
    *,
    file: Path | None,
    lock_file: Path | None,
    name: str | None,
    prefix: str | None,
    channels: Sequence[str] = (),
    engine: str = "rattler",
    pip_engine_name: str | None = None,
    dry_run: bool,
    confirm: Confirm,
    argv: list[str] | None = None,
) -> Changed:
    if (file is None) == (lock_file is None):
        raise CondapipError("give exactly one of -f FILE or --lock FILE")
    ask = _Ask(name, prefix, engine, pip_engine_name, dry_run, confirm, argv)
    if lock_file is not None:
        if channels:
            raise CondapipError("-c does not apply to --lock: a lock names every package's URL")
        return _run_lock(lock_file, ask)
    assert file is not None
    if is_explicit(file):
        if channels:
            raise CondapipError(
                f"-c does not apply to {file}: an @EXPLICIT file names every package's URL"
            )
        return _run_explicit(file, ask)
    return _run_envfile(file, channels, ask)


@dataclass(frozen=True)
class _Ask:
    """What the command line asked for, besides the file."""

    name: str | None
    prefix: str | None
    engine: str
    pip_engine_name: str | None
    dry_run: bool
    confirm: Confirm
    argv: list[str] | None


def _run_envfile(file: Path, channels: Sequence[str], ask: _Ask) -> Changed:
    from condapip.formats import envfile

    try:
        spec = envfile.load(file)
    except CondapipError as exc:
        if str(file) in str(exc):
            raise
        raise CondapipError(f"malformed {file}: {exc}") from None
    path = transaction.real(target(ask.name, ask.prefix, spec.name))
    conda = conda_engine(ask.engine)
    pip = pip_engine(ask.pip_engine_name)
    specs = list(spec.conda)
    if spec.pip and pip.name == "pip" and "pip" not in {spec_name(s) for s in specs}:
        specs.append("pip")  # the pip layer runs through the env's own pip
    # As conda's -c: the command line's channels replace the file's, and a
    # path in the file is relative to the file. Resolved now: a dry run checks them too.
    channels = for_verb(command_line=channels, file=spec.channels, file_path=file)
    for conda_spec in specs:
        spec_channel(conda_spec)  # a spec's own channel:: is checked as the solve will
    rows = [Row(spec_name(s), "conda", f"{file.name} dependencies", s) for s in specs]
    section = spec.pip_section
    rows += _section_rows(section, f"{file.name} pip:") if section else []
    refuse_both_layers(rows, channels)
    with transaction.locked(path):
        refuse_existing(path)
        # solved in a dry run too: what the real run would refuse, the dry run refuses
        with step("solving the conda layer"):
            solution = conda_layer.solve(conda, path, channels, specs)
        versions = conda_versions((), solution)
        if section:  # and the pip list against that solution, before anything is linked
            artifacts = create_pip.resolve_section(section, solution, channels, specs)
            versions += pip_versions({}, {a.name: a.version for a in artifacts})
        shown = Plan(f"Create {path} from {file.name}", rows, versions=versions, channels=channels)
        if ask.dry_run:
            return Changed(shown, None)
        ask.confirm(shown, "Proceed?")
        with _half_made(path, ask.argv) as log:
            with step(f"linking the conda layer ({len(solution)} packages)", spinner=False):
                conda_layer.apply(conda, path, solution, specs, argv=ask.argv)
            log.phase("pip")
            if section:
                _section_layer(path, section, pip)
            env_vars.write(path, spec.variables)
    return Changed(shown, f"done: {path}")


def _section_layer(path: Path, section: PipSection, pip: PipEngine) -> None:
    """An environment.yml's pip list, as conda runs it: one requirements file."""
    from condapip.formats.pip_requirements import write_temporary
    from condapip.support.scratch import scratch

    requests = [r.line() for r in section.all_requirements()]
    with scratch(path, "pip") as tmp:
        reqfile = write_temporary(section, tmp)
        with step(f"installing the pip layer ({len(requests)} requirement(s))"):
            pip_layer.install(path, [f"--requirement {reqfile}"], pip)
    pip_layer.record_requests(path, [_request(r) for r in section.all_requirements()])


def _section_rows(section: PipSection, why: str) -> list[Row]:
    rows = [Row(_shown(line), "pip", why, line) for line in section.option_lines()]
    rows += [Row(r.name or _shown(r.line()), "pip", why, r.line()) for r in section.requirements]
    return rows


def _shown(line: str) -> str:
    """A pip line with every credential in its URLs redacted, for the plan."""
    from condapip.support.redact import redact

    return redact(line)


def _request(req: PipRequirement) -> str:
    # a local project is recorded as the URL pip records, so the request finds its dist
    return req.path.as_uri() if req.path is not None else req.text


def _run_explicit(file: Path, ask: _Ask) -> Changed:
    from condapip.formats.explicit import load_explicit

    explicit = load_explicit(file)
    packages: list[SolvedPackage] = [p.solved() for p in explicit.conda]
    path = transaction.real(target(ask.name, ask.prefix, None))
    conda = conda_engine(ask.engine)
    pip = pip_engine(ask.pip_engine_name)
    rows = [Row(p.name, "conda", p.url, p.url) for p in packages]
    rows += [Row(_pip_label(r), "pip", f"{file.name} pip block", r) for r in explicit.pip]
    refuse_both_layers(rows)
    shown = Plan(f"Create {path} from {file.name}", rows, versions=conda_versions((), packages))
    with transaction.locked(path):
        refuse_existing(path)
        if ask.dry_run:
            return Changed(shown, None)
        ask.confirm(shown, "Proceed?")
        with _half_made(path, ask.argv) as log:
            with step(f"linking the conda layer ({len(packages)} packages)", spinner=False):
                names = [p.name for p in packages]
                conda_layer.apply(conda, path, packages, names, argv=ask.argv)
            log.phase("pip")
            _pip_layer(path, list(explicit.pip), pip)
    return Changed(shown, f"done: {path}")


def _run_lock(lockfile: Path, ask: _Ask) -> Changed:
    """``--lock``: the lock helper installs exactly; this only holds the prefix lock."""
    from condapip.commands import create_lock

    path = transaction.real(target(ask.name, ask.prefix, None))
    with transaction.locked(path):
        refuse_existing(path)
        return create_lock.run(
            path,
            lockfile,
            engine=ask.engine,
            pip_engine=ask.pip_engine_name,
            dry_run=ask.dry_run,
            confirm=ask.confirm,
        )


def _pip_layer(path: Path, requirements: Sequence[str], pip: PipEngine) -> None:
    if not requirements:
        return
    with step(f"installing the pip layer ({len(requirements)} requirement(s))"):
        pip_layer.install(path, requirements, pip)
    pip_layer.record_requests(path, [r for r in requirements if not r.startswith("-")])


def is_explicit(file: Path) -> bool:
    """conda's explicit format: the first line that is not a comment is ``@EXPLICIT``."""
    try:
        with file.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                line = line.strip()
                if line and not line.startswith("#"):
                    return line == "@EXPLICIT"
    except FileNotFoundError:
        raise CondapipError(f"environment file not found: {file}") from None
    except OSError as exc:
        raise CondapipError(f"cannot read {file}: {exc.strerror}") from None
    return False


def target(name: str | None, prefix: str | None, file_name: str | None) -> Path:
    """Where the new environment goes: ``-p``, else ``-n`` (or the file's name) in envs_dirs."""
    from condapip.ledger.locate import find_named, prefix_path, valid_name

    if name and prefix:
        raise CondapipError("give either -n NAME or -p PREFIX, not both")
    if prefix:
        return prefix_path(prefix)
    env_name = name or file_name
    if not env_name:
        raise CondapipError("no environment: pass -n NAME or -p PREFIX (the file names none)")
    valid_name(env_name)
    if env_name == "base":
        raise Refused("base is conda's own environment: condapip never creates or changes it")
    try:
        return find_named(env_name)  # an existing one: refused below unless empty
    except CondapipError:
        pass
    return envs_dir() / env_name


def envs_dir() -> Path:
    """The first of $CONDA_ENVS_PATH, condarc envs_dirs, ROOT/envs, ~/.conda/envs."""
    from condapip.ledger.condarc import root_prefix
    from condapip.ledger.locate import search_dirs

    dirs = search_dirs()
    if dirs:
        return dirs[0]
    root = root_prefix()
    if root is not None and root.is_dir():
        return root / "envs"
    return Path.home() / ".conda" / "envs"


@contextmanager
def _half_made(path: Path, argv: list[str] | None) -> Iterator[journal.Tracker]:
    """Journal the new prefix; remove it if anything fails after it was started."""
    existed = path.is_dir()
    try:
        log = journal.Tracker(journal.begin(path, "create", command_line(argv)))
        log.phase("conda")
        yield log
        journal.finish(log.journal)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        if existed:
            path.mkdir(parents=True, exist_ok=True)
        raise


def _pip_label(requirement: str) -> str:
    from packaging.requirements import InvalidRequirement, Requirement

    if requirement.startswith("-"):
        return requirement
    try:
        return Requirement(requirement).name
    except InvalidRequirement:
        return requirement.split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
