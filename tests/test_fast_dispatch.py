"""The typer-free fast path for read verbs accepts exactly what typer accepts, and means the same.

``condapip.__main__.FAST`` restates each read verb's options so that typer need
not be imported to run them. These tests hold that table to typer's own
parameters: a new, renamed or retyped option in cli.py fails here until the
table follows, and any command line the fast path takes parses to the same
values under typer.
"""

from __future__ import annotations

import inspect
import itertools
from importlib import import_module
from typing import Any

import pytest
import typer.main

from condapip.__main__ import FAST, fast, parse
from condapip.cli import app
from tests.helpers import condapip_process as condapip
from tests.helpers import tree_digest

COMMAND = typer.main.get_command(app)


def _typer_command(verb: str) -> Any:
    return COMMAND.commands[verb]  # type: ignore[attr-defined]


def test_the_app_callback_only_answers_version():
    # The fast path skips typer entirely: a global callback that did work
    # before each verb would be skipped too. The only one prints the version.
    assert [p.name for p in COMMAND.params] == ["version"]
    result = condapip("--version")
    assert result.returncode == 0 and result.stdout.startswith("condapip ")


@pytest.mark.parametrize("verb", sorted(FAST))
def test_fast_table_matches_typer_options(verb: str):
    want = {}
    for param in _typer_command(verb).params:
        assert param.param_type_name == "option", f"{verb}: positional {param.name}"
        assert not param.secondary_opts and param.envvar is None and not param.count
        assert param.nargs == 1 and not param.prompt
        kind = "flag" if param.is_flag else "multiple" if param.multiple else "value"
        for word in param.opts:
            want[word] = (param.name, kind)
    got = {word: (opt.param, opt.kind) for word, opt in FAST[verb].options.items()}
    assert got == want


@pytest.mark.parametrize("verb", sorted(FAST))
def test_run_defaults_match_typer_defaults(verb: str):
    run = import_module(FAST[verb].module).run
    signature = inspect.signature(run)
    for param in _typer_command(verb).params:
        if param.name == "json" and not FAST[verb].run_takes_json:
            continue  # the renderer's, not the verb's
        assert signature.parameters[param.name].default == param.default, param.name


def _samples(verb: str) -> list[list[str]]:
    options = FAST[verb].options
    words: list[list[str]] = []
    for word, opt in options.items():
        if opt.kind == "flag":
            words += [[word], [f"{word}=1"]]
        else:
            words += [[word, "v1"], [word, "v2"], [word], [word, "-x"]]
            if word.startswith("--"):
                words += [[f"{word}=v3"], [f"{word}="]]
    extra = [["--help"], ["-h"], ["stray"], ["--"], ["--nope"], ["-pX"]]
    out = [[]]
    for a, b in itertools.product(words + extra, repeat=2):
        out.append(a + b)
    return out


@pytest.mark.parametrize("verb", sorted(FAST))
def test_every_command_line_the_fast_path_takes_means_the_same_to_typer(
    verb: str, monkeypatch: pytest.MonkeyPatch
):
    from condapip.cli import run

    module = import_module(FAST[verb].module)
    defaults = {
        name: p.default
        for name, p in inspect.signature(module.run).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    received: list[dict[str, Any]] = []
    monkeypatch.setattr(module, "run", lambda **kw: received.append(kw) or _Empty())
    taken = 0
    for words in _samples(verb):
        params = parse(FAST[verb], words)
        if params is None:
            continue  # typer's to judge
        taken += 1
        received.clear()
        assert run([verb, *words]) == 0, words
        if not FAST[verb].run_takes_json:
            params.pop("json", None)
        assert received == [{**defaults, **params}], words
    assert taken > 10


class _Empty:
    """A result with nothing to print."""

    warnings = ()
    exit_code = 0

    def blocks(self) -> list[str]:
        return []

    def as_json(self) -> None:
        return None


def test_help_and_unknown_words_go_to_typer():
    assert fast(["list", "--help"]) is None
    assert fast(["list", "-h"]) is None
    assert fast(["list", "--nope"]) is None
    assert fast(["list", "-p"]) is None
    assert fast(["channel", "build"]) is None
    assert fast([]) is None
    assert fast(["list", "-p", "x", "--json"]) is not None


def test_a_usage_error_is_one_line_with_a_help_hint():
    result = condapip("list", "--nope")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("condapip: error: No such option: --nope")
    assert line.endswith("(see condapip list --help)")


def test_bad_input_reads_the_same_through_both_paths(tmp_path, capsys):
    from condapip.cli import run

    missing = str(tmp_path / "missing")
    via_fast = condapip("list", "-p", missing, "--json")
    assert via_fast.returncode == 2
    assert run(["list", "-p", missing, "--json"]) == 2
    assert capsys.readouterr().err == via_fast.stderr


def test_fast_and_typer_paths_print_the_same_list(make_env, capsys):
    from condapip.cli import run

    prefix = make_env()
    before = tree_digest(prefix)
    for args in (["list", "-p", str(prefix), "--json"], ["list", "-p", str(prefix)]):
        via_fast = condapip(*args)
        assert via_fast.returncode == 0, via_fast.stderr
        assert run(args) == 0
        assert capsys.readouterr().out == via_fast.stdout
    assert tree_digest(prefix) == before
