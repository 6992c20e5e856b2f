"""Entry point: run the CLI, then leave without interpreter teardown.

py-rattler 0.28 sometimes crashes with SIGSEGV while the interpreter shuts
down, after all work is done; ``os._exit`` after flushing skips that teardown.

The read verbs are what CI jobs and ``doctor --all`` run over and over, so
they must cost little more than reading the files. typer, with the pydantic it
builds every parameter with, takes 100-150 ms to import and set up, more than
reading a 500-package prefix. So a command line that only uses a read verb's
own options goes straight to the typer-free ``run`` its typer command calls,
and renders its result through the same ``support.output.render``.
Anything else (``--help``, a typo, a missing value, ``--opt=`` forms it does
not know, a verb not listed here) goes to typer, which owns usage, help and
usage errors. tests/test_fast_dispatch.py holds this table to typer's own
parameters, so the two cannot drift apart.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Opt:
    """One option of a read verb, as its typer command declares it."""

    param: str
    kind: Literal["flag", "value", "multiple"]
    path: bool = False  # typer turns the value into a pathlib.Path


@dataclass(frozen=True)
class Verb:
    module: str  # holds ``run(**params) -> Result``, the function the typer command calls
    options: dict[str, Opt]
    run_takes_json: bool = False  # --json also changes what ``run`` does, not only its printing


_NAME = Opt("name", "value")
_PREFIX = Opt("prefix", "value")
_JSON = Opt("json", "flag")
_ENV = {"-n": _NAME, "--name": _NAME, "-p": _PREFIX, "--prefix": _PREFIX, "--json": _JSON}

FAST: dict[str, Verb] = {
    "list": Verb("condapip.commands.list_packages", _ENV),
    "doctor": Verb(
        "condapip.commands.doctor",
        {
            **_ENV,
            "--verify": Opt("verify", "flag"),
            "--log": Opt("log", "multiple", path=True),
            "--strict": Opt("strict", "flag"),
            "--all": Opt("all_envs", "flag"),
        },
    ),
    "check": Verb(
        "condapip.commands.check",
        {
            **_ENV,
            "-f": Opt("file", "value", path=True),
            "--file": Opt("file", "value", path=True),
            "--lock": Opt("lock", "value", path=True),
            "--strict": Opt("strict", "flag"),
        },
    ),
    "export": Verb(
        "condapip.commands.export",
        {
            **_ENV,
            "-o": Opt("output", "value", path=True),
            "--output": Opt("output", "value", path=True),
            "--format": Opt("fmt", "value"),
            "--from-history": Opt("from_history", "flag"),
            "--no-builds": Opt("no_builds", "flag"),
            "--as-is": Opt("as_is", "flag"),
            "--pip-engine": Opt("pip_engine", "value"),
        },
        run_takes_json=True,
    ),
}


def parse(verb: Verb, words: Sequence[str]) -> dict[str, Any] | None:
    """The parameters ``words`` give, or None when typer must judge them."""
    params: dict[str, Any] = {}
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        flag, eq, attached = word.partition("=") if word.startswith("--") else (word, "", "")
        opt = verb.options.get(flag)
        if opt is None:
            return None  # --help, -h, an argument, a cluster like -pX, `--`, a typo
        if opt.kind == "flag":
            if eq:
                return None
            params[opt.param] = True
            continue
        if eq:
            value = attached
        elif i < len(words) and not words[i].startswith("-"):
            value = words[i]
            i += 1
        else:
            return None  # missing value, or one that looks like an option: typer decides
        converted: Any = _path(value) if opt.path else value
        if opt.kind == "multiple":
            params.setdefault(opt.param, []).append(converted)
        elif opt.param in params:
            return None  # given twice: leave the precedence rules to typer
        else:
            params[opt.param] = converted
    return params


def _path(value: str) -> Any:
    from pathlib import Path

    return Path(value)


def fast(argv: Sequence[str]) -> Callable[[], int] | None:
    """The call that runs ``argv`` without typer, if it is a plain read-verb command line."""
    if not argv or argv[0] not in FAST:
        return None
    verb = FAST[argv[0]]
    params = parse(verb, argv[1:])
    if params is None:
        return None

    def call() -> int:
        import gc
        from importlib import import_module

        from condapip.errors import CondapipError
        from condapip.support.output import error, render

        # A read verb lives well under a second and builds no reference cycles
        # worth collecting; the collector's rescans of every parsed record cost
        # about a tenth of a 2000-package doctor run.
        gc.disable()
        try:
            options = dict(params)
            json = bool(options.get("json", False))
            if not verb.run_takes_json:
                options.pop("json", None)
            return render(import_module(verb.module).run(**options), json=json)
        except CondapipError as exc:
            return error(exc)
        except KeyboardInterrupt:
            print("condapip: interrupted", file=sys.stderr)
            return 130

    return call


def main() -> None:
    from condapip.support.redact import redact_streams

    argv = sys.argv[1:]
    redact_streams()  # no credential leaves through stdout or stderr, whoever prints
    try:
        call = fast(argv)
        if call is not None:
            code = call()
        else:
            from condapip.cli import run

            code = run(argv)
        sys.stdout.flush()
        sys.stderr.flush()
        if "rattler" in sys.modules:  # it may have fetched: no credential stays in its cache
            from condapip.change.at_rest import scrub_repodata_cache

            scrub_repodata_cache()
    except BrokenPipeError:
        code = 141  # the reader left early (`condapip list --json | head`): as a shell would
    os._exit(code)


if __name__ == "__main__":
    main()
