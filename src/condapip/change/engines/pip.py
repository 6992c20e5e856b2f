"""The pip side: always the target prefix's interpreter, never condapip's own."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from condapip.errors import CondapipError
from condapip.support.proc import LONG, QUICK
from condapip.support.proc import run as proc_run

# a requirement nothing offers, by name: pip's words, then uv's
NOT_FOUND = re.compile(
    r"No matching distribution found for ([A-Za-z0-9._-]+)"
    r"|(?:Because |and )([A-Za-z0-9._-]+) was not found"
)


def _env(offline: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    # A user's PIP_REQUIRE_VIRTUALENV or PYTHONPATH must not redirect pip into
    # another environment than the one named on the command line.
    env.pop("PYTHONPATH", None)
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    if offline is not None:  # conda's offline: true holds for the pip layer too
        env.update({"PIP_NO_INDEX": "1", "UV_OFFLINE": "1"})
    return env


# options whose value pip never fetches under --no-index (an index) or that is no URL
_INERT = frozenset(
    "--index-url -i --extra-index-url --trusted-host --python --constraint -c --requirement -r "
    "--report --no-binary --only-binary --use-feature".split()
)
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")


def fetched_anyway(args: Sequence[str]) -> str | None:
    """The first argument pip would fetch over the network even with ``--no-index``:
    a direct URL or VCS requirement, or a ``--find-links`` URL (not ``file:``)."""
    skip = False
    for arg in args:
        if skip or arg in _INERT:
            skip = not skip
            continue
        value = _attached(arg)
        scheme = _SCHEME.search(value) if value else None
        if scheme is not None and scheme.group(1).lower().rpartition("+")[2] != "file":
            return value
    return None


def _attached(arg: str) -> str | None:
    """What pip may fetch in ``arg``: an option's attached value (``--find-links=URL``,
    ``-fURL``), None for an inert option's (``--index-url=URL``, ``-iURL``), else ``arg``."""
    name, eq, value = arg.partition("=")
    if arg.startswith("--") and eq:
        return None if name in _INERT else value
    if not arg.startswith("--") and len(arg) > 2 and arg[:2] in _INERT:
        return None
    return arg[2:] if arg.startswith("-f") else arg


def missing(output: str) -> str | None:
    """The first requirement pip's or uv's ``output`` says nothing offers."""
    found = NOT_FOUND.search(output)
    return None if found is None else found.group(1) or found.group(2)


class PipFailed(CondapipError):
    """pip's resolver or installer said no; ``output`` keeps its words."""

    def __init__(self, message: str, output: str) -> None:
        super().__init__(message, exit_code=1)
        self.output = output


class NotLocal(PipFailed):
    """No local source offers a requirement while ``offline`` (where ``offline: true``
    comes from) forbids the network: bad input, exit 2, as for a remote channel."""

    def __init__(self, requirement: str, offline: str, output: str) -> None:
        from condapip.support.redact import redact

        super().__init__(
            f"pip requirement {redact(requirement)!r} is not available locally, and "
            f"{offline} sets offline: true (no network): add a --find-links folder that has it",
            output,
        )
        self.exit_code = 2


def run(args: list[str], what: str) -> str:
    """pip's stdout; a failure raises with everything pip said."""
    return _run(args, what).stdout


def run_logged(args: list[str], what: str) -> str:
    """Everything pip said, stdout then stderr: its warnings are on stderr."""
    proc = _run(args, what)
    return (proc.stdout + "\n" + proc.stderr).strip()


def _run(args: list[str], what: str) -> subprocess.CompletedProcess[str]:
    from condapip.ledger.condarc import offline

    prefix = _prefix_of(args)
    source = offline(prefix)
    if source is not None and (remote := fetched_anyway(args)) is not None:
        raise NotLocal(remote, source, "")
    with _scratch_tmp(prefix, _env(source)) as env:
        proc = proc_run(args, timeout=LONG, env=env)
    if proc.returncode != 0:
        out = (proc.stdout + "\n" + proc.stderr).strip()
        if source is not None and (name := missing(out)) is not None:
            raise NotLocal(name, source, out)
        raise PipFailed(f"{what} failed: {_summary(out)}", out)
    return proc


@contextmanager
def _scratch_tmp(prefix: Path | None, env: dict[str, str]) -> Iterator[dict[str, str]]:
    """pip's and uv's temporary files (builds, unpacked wheels, uninstall stashes) go
    under the prefix's scratch folder, not /tmp: what a kill leaves there is swept
    by the next change of the prefix."""
    from condapip.support.scratch import scratch

    if prefix is None:
        yield env
        return
    with scratch(prefix, "pip-tmp") as tmp:
        env.update({"TMPDIR": str(tmp), "TEMP": str(tmp), "TMP": str(tmp)})
        yield env


def _prefix_of(args: list[str]) -> Path | None:
    """The conda prefix whose interpreter the command runs for (``--python P``, or
    ``P -m pip``)."""
    python = args[args.index("--python") + 1] if "--python" in args[:-1] else args[0]
    path = Path(python)
    prefix = path.parent.parent if path.parent.name in ("bin", "Scripts") else path.parent
    return prefix if (prefix / "conda-meta").is_dir() else None


def _summary(output: str) -> str:
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("ERROR") or "error:" in ln.lower()]
    picked = errors or lines[-3:]
    return " ".join(picked)[:600]


class PipRunner:
    """``PREFIX/bin/python -m pip``."""

    name = "pip"

    def _base(self, python: Path) -> list[str]:
        return [str(python), "-m", "pip"]

    def install(
        self,
        python: Path,
        requirements: Sequence[str],
        *,
        constraints: Path | None = None,
        no_deps: bool = False,
        require_hashes: bool = False,
        requirement_file: Path | None = None,
    ) -> str:
        args = [*self._install_command(python)]
        args += _common(constraints, no_deps, require_hashes, requirement_file)
        return self._install([*args, *requirements], python, no_deps=no_deps)

    def _install_command(self, python: Path) -> list[str]:
        return [*self._base(python), "install", "--no-input"]

    def _install(self, args: list[str], python: Path, *, no_deps: bool) -> str:
        return run_logged(args, "pip install")

    def uninstall(self, python: Path, names: Sequence[str]) -> None:
        if names:
            run([*self._base(python), "uninstall", "-y", *names], "pip uninstall")

    def report(
        self,
        python: Path,
        requirements: Sequence[str],
        *,
        no_deps: bool = False,
    ) -> list[dict[str, object]]:
        args = [*self._base(python), "install", "--dry-run", "--ignore-installed", "--quiet"]
        args += [
            "--report",
            "-",
            *_common(None, no_deps, False, None),
        ]
        out = run([*args, *requirements], "pip install --dry-run --report")
        return list(json.loads(out).get("install", []))


class UvRunner(PipRunner):
    """``uv pip ... --python PREFIX/bin/python``; its ``report`` is pip's (uv has no
    ``--report``, and pip on the same interpreter gives the same answer)."""

    name = "uv"

    def __init__(self, exe: str) -> None:
        self.exe = exe

    def _install_command(self, python: Path) -> list[str]:
        return [self.exe, "pip", "install", "--python", str(python)]

    def _install(self, args: list[str], python: Path, *, no_deps: bool) -> str:
        if no_deps:
            return run_logged(args, "uv pip install")
        # pip warns when an install leaves an installed package's requirement
        # unmet; uv says nothing, so its own check is asked before and after.
        before = self._unmet(python)
        said = run_logged(args, "uv pip install")
        return "\n".join([said, *(line for line in self._unmet(python) if line not in before)])

    def _unmet(self, python: Path) -> list[str]:
        proc = proc_run(
            [self.exe, "pip", "check", "--python", str(python)], timeout=QUICK, env=_env()
        )
        said = (proc.stdout + "\n" + proc.stderr).splitlines()
        return [ln.strip() for ln in said if ln.startswith("The package ")]

    def uninstall(self, python: Path, names: Sequence[str]) -> None:
        if names:
            run([self.exe, "pip", "uninstall", "--python", str(python), *names], "uv pip uninstall")


def _common(
    constraints: Path | None,
    no_deps: bool,
    require_hashes: bool,
    requirement_file: Path | None,
) -> list[str]:
    args: list[str] = []
    if constraints is not None:
        args += ["--constraint", str(constraints)]
    if no_deps:
        args.append("--no-deps")
    if require_hashes:
        args.append("--require-hashes")
    if requirement_file is not None:
        args += ["--requirement", str(requirement_file)]
    return args
