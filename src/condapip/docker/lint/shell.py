"""The simple commands of a RUN, found by a shell parser (bashlex), each with its line.

``&&``, ``||``, ``;``, pipes, subshells, ``if``/``for`` bodies, command
substitutions and ``sh -c '...'`` strings are all walked; a command is a
command, never a match in the text. Where bashlex cannot parse a construct
(``[[ ]]``, ``case``, arithmetic, arrays), the text is cut at bashlex's own
operator tokens and each piece is parsed alone; an array assignment
(``PKGS=(a "b==1")``, ``PKGS+=(c)``), which bashlex does not parse, is read
from its tokens, so ``"${PKGS[@]}"`` later in the RUN has its words.
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
    # ``NAME=(words)`` (append False) and ``NAME+=(words)`` (append True), quotes removed
    arrays: tuple[tuple[str, tuple[str, ...], bool], ...] = ()


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
    i = 0
    while i <= len(tokens):
        tok = tokens[i] if i < len(tokens) else None
        close = _array_end(tokens, i)
        if tok is not None and close is None and tok.ttype.name not in _SPLIT:
            i += 1
            continue
        end = len(script.text) if tok is None else tok.lexpos
        _piece(script.part(start, script.text[start:end]), depth, out)
        if close is not None:
            out.append(_array(tokens[i : close + 1], script))
            i, start = close, tokens[close].endlexpos
        elif tok is not None:
            start = tok.endlexpos
        i += 1
    return out


def _piece(sub: Script, depth: int, out: list[Cmd]) -> None:
    if not sub.text.strip():
        return
    try:
        import bashlex

        for tree in bashlex.parse(sub.text):
            _walk(tree, sub, depth, out)
    except Exception:  # still unparsed: its plain words are the command
        out.append(_words(sub))


def _array_end(tokens: list[Any], i: int) -> int | None:
    """Where ``NAME=(`` at ``tokens[i]`` closes, if it starts an array assignment there."""
    if i + 1 >= len(tokens) or tokens[i].ttype.name != "ASSIGNMENT_WORD":
        return None
    if tokens[i + 1].ttype.name != "LEFT_PAREN" or tokens[i + 1].lexpos != tokens[i].endlexpos:
        return None
    for j in range(i + 2, len(tokens)):
        kind = tokens[j].ttype.name
        if kind == "RIGHT_PAREN":
            return j
        if kind != "WORD":
            return None
    return None


def _array(tokens: list[Any], script: Script) -> Cmd:
    name = str(tokens[0].value)[:-1]
    append = name.endswith("+")
    words = " ".join(str(t.value) for t in tokens[2:-1])
    try:
        values = tuple(shlex.split(words))
    except ValueError:
        values = tuple(words.split())
    line = script.line_at(tokens[0].lexpos)
    return Cmd((), (), (), line, ((name.rstrip("+"), values, append),))


def _words(script: Script) -> Cmd:
    try:
        argv = shlex.split(script.text, comments=True)
    except ValueError:
        argv = script.text.split()
    while argv and argv[0] in ("[[", "then", "do", "else", "elif", "if", "{", "(", "!"):
        argv.pop(0)
    return Cmd(tuple(argv), (), (), script.lines[0])
