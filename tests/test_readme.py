"""The README's command table lists every verb and every option each one has."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from condapip.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"


def _verbs() -> dict[str, list[list[str]]]:
    """Each verb as typed (``channel build`` too) and its options' names (``-n``, ``--name``)."""
    out: dict[str, list[list[str]]] = {}
    root = typer.main.get_command(app)

    def walk(command: object, words: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, [*words, name])
            return
        params = getattr(command, "params", [])
        out[" ".join(words)] = [
            list(p.opts) for p in params if p.param_type_name == "option" and p.name != "help"
        ]

    walk(root, [])
    return out


def _rows() -> dict[str, str]:
    """The table's synopsis cells, by verb: every row whose cell starts ``condapip VERB``."""
    rows: dict[str, str] = {}
    for line in README.read_text().splitlines():
        # a verb is one word, or two for a sub-app's (``channel build``, ``hook envfile``)
        m = re.match(
            r"\| `condapip ([a-z]+(?: [a-z][a-z-]*(?=[ `]))?)([^|]*(?:\\\|[^|]*)*)` \|", line
        )
        if m:
            rows[m[1]] = rows.get(m[1], "") + " " + m[2]
    return rows


def test_the_readme_lists_every_verb_and_every_option() -> None:
    rows = _rows()
    missing = [
        f"{verb} {max(names, key=len)}"
        for verb, options in _verbs().items()
        for names in options
        if not any(re.search(rf"{re.escape(n)}\b", rows.get(verb, "")) for n in names)
    ]
    assert missing == []


def test_the_readme_names_the_version_flag() -> None:
    assert "condapip --version" in README.read_text()
