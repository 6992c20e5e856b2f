"""The simple commands of a RUN, found by a shell parser (bashlex), each with its line.

``&&``, ``||``, ``;``, pipes, subshells, ``if``/``for`` bodies, command
substitutions and ``sh -c '...'`` strings are all walked; a command is a
command, never a match in the text. Where bashlex cannot parse a construct
(``[[ ]]``, ``case``, arithmetic), the text is cut at bashlex's own operator
tokens and each piece is parsed alone.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from condapip.docker.lint.parse import SHELLS, Script

_SPLIT = frozenset(
    {
        "AND_AND",
        "OR_OR",
        "SEMICOLON",
        "SEMI_SEMI",
        "BAR",
        "BAR_AND",
        "NEWLINE",
        "LEFT_PAREN",
        "RIGHT_PAREN",
    }
)
_MAX_DEPTH = 4  # sh -c "bash -c '...'" nesting worth following


@dataclass(frozen=True)
class Cmd:
    """One simple command: its words (quotes removed, variables not expanded)."""

    argv: tuple[str, ...]
    assigns: tuple[tuple[str, str], ...]  # VAR=value prefixes
    writes: tuple[str, ...]  # files its output is redirected into
    line: int


def commands(script: Script, depth: int = 0) -> list[Cmd]:
    """Every simple command of ``script`` in the order the shell reaches it."""
    import bashlex

    try:
        trees = bashlex.parse(script.text)
    except Exception:  # bashlex raises several types on shell it does not implement
        return _piecewise(script, depth)
    out: list[Cmd] = []
    for tree in trees:
        _walk(tree, script, depth, out)
    return out


def _walk(node: Any, script: Script, depth: int, out: list[Cmd]) -> None:
    if node.kind == "command":
        for part in node.parts:  # substitutions in the words run first
            for inner in getattr(part, "parts", None) or ():
                _walk(inner, script, depth, out)
        _command(node, script, depth, out)
        return
    for attr in ("parts", "list"):
        for child in getattr(node, attr, None) or ():
            _walk(child, script, depth, out)
    command = getattr(node, "command", None)
    if command is not None and hasattr(command, "kind"):
        _walk(command, script, depth, out)


def _command(node: Any, script: Script, depth: int, out: list[Cmd]) -> None:
    argv: list[str] = []
    starts: list[int] = []
    assigns: list[tuple[str, str]] = []
    writes: list[str] = []
    for part in node.parts:
        if part.kind == "assignment" and not argv:
            name, _, value = part.word.partition("=")
            assigns.append((name, value))
        elif part.kind == "word":
            argv.append(part.word)
            starts.append(part.pos[0])
        elif part.kind == "redirect" and str(part.type).startswith(">"):
            target = getattr(part.output, "word", None)
            if isinstance(target, str):
                writes.append(target)
    line = script.line_at(starts[0] if starts else node.pos[0])
    out.append(Cmd(tuple(argv), tuple(assigns), tuple(writes), line))
    inner = _shell_string(argv)
    if inner is not None and depth < _MAX_DEPTH:
        index, text = inner
        out.extend(commands(script.part(starts[index], text), depth + 1))


def _shell_string(argv: list[str]) -> tuple[int, str] | None:
    """``bash -c 'TEXT'`` (also ``-lc``, ``-ec``): the index and text of TEXT."""
    if not argv or argv[0].rsplit("/", 1)[-1] not in SHELLS:
        return None
    for i, word in enumerate(argv[1:-1], start=1):
        if not word.startswith("-"):
            return None
        if "c" in word.lstrip("-") and not word.startswith("--"):
            return i + 1, argv[i + 1]
    return None


def _piecewise(script: Script, depth: int) -> list[Cmd]:
    from bashlex import state, tokenizer

    try:
        tokens = list(tokenizer.tokenizer(script.text, state.parserstate()))
    except Exception:  # not even tokens: nothing can be said about this text
        return []
    out: list[Cmd] = []
    start = 0
    for tok in [*tokens, None]:
        if tok is not None and tok.ttype.name not in _SPLIT:
            continue
        end = len(script.text) if tok is None else tok.lexpos
        piece = script.text[start:end]
        if piece.strip():
            sub = script.part(start, piece)
            try:
                import bashlex

                for tree in bashlex.parse(piece):
                    _walk(tree, sub, depth, out)
            except Exception:  # still unparsed: its plain words are the command
                out.append(_words(sub))
        start = end if tok is None else tok.endlexpos
    return out


def _words(script: Script) -> Cmd:
    try:
        argv = shlex.split(script.text, comments=True)
    except ValueError:
        argv = script.text.split()
    while argv and argv[0] in ("[[", "then", "do", "else", "elif", "if", "{", "(", "!"):
        argv.pop(0)
    return Cmd(tuple(argv), (), (), script.lines[0])
