"""A Dockerfile as Docker's own parser reads it, with the real line of every shell word.

``dockerfile`` wraps BuildKit's Go parser: continuations, comment lines inside a
RUN, blank continuation lines and heredocs are read exactly as ``docker build``
reads them. The parser joins a RUN's lines into one string; ``Script`` keeps
where each joined piece came from so a command deep in a RUN gets its own line.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from condapip.errors import CondapipError

# A heredoc fed to one of these is a shell script; fed to anything else it is data.
SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh"})


@dataclass(frozen=True)
class Script:
    """Shell text and the Dockerfile line each stretch of it starts on."""

    text: str
    offsets: tuple[int, ...]  # ascending offsets into text
    lines: tuple[int, ...]  # the line that starts at each offset

    def line_at(self, offset: int) -> int:
        index = bisect.bisect_right(self.offsets, offset) - 1
        return self.lines[max(index, 0)]

    def part(self, start: int, text: str) -> Script:
        """``text`` found from ``start`` on (an ``sh -c`` string), with its lines kept."""
        found = self.text.find(text, start)
        base = found if found >= 0 else start
        index = max(bisect.bisect_right(self.offsets, base) - 1, 0)
        offsets, lines = [0], [self.lines[index]]
        for offset, line in zip(self.offsets[index + 1 :], self.lines[index + 1 :], strict=True):
            if offset - base < len(text):
                offsets.append(offset - base)
                lines.append(line)
        return Script(text, tuple(offsets), tuple(lines))


@dataclass(frozen=True)
class Instruction:
    kind: str  # upper case: FROM, RUN, ENV, ...
    line: int
    end_line: int
    args: tuple[str, ...]
    flags: tuple[str, ...]
    json: bool
    script: Script | None = None  # a RUN's shell text, heredoc bodies included


def parse(data: bytes) -> list[Instruction]:
    """Every instruction in order; bad input is a ``CondapipError`` with one line."""
    import dockerfile

    try:
        text = data.decode()
    except UnicodeDecodeError:
        raise CondapipError("not a Dockerfile: not UTF-8 text") from None
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        raise CondapipError(f"not a Dockerfile: {str(exc).splitlines()[0]}") from None
    raw = text.splitlines()
    out = [_instruction(c, raw) for c in commands]
    froms = [i for i in out if i.kind == "FROM"]
    if not froms:
        raise CondapipError("not a Dockerfile: no FROM instruction")
    for ins in out:
        if ins.line >= froms[0].line:
            break
        if ins.kind != "ARG":
            raise CondapipError(f"not a Dockerfile: {ins.kind} before FROM (line {ins.line})")
    return out


def _instruction(cmd: object, raw: list[str]) -> Instruction:
    c = cmd  # a dockerfile.Command
    kind = str(c.cmd).upper()  # type: ignore[attr-defined]
    ins = Instruction(
        kind=kind,
        line=c.start_line,  # type: ignore[attr-defined]
        end_line=c.end_line,  # type: ignore[attr-defined]
        args=tuple(c.value),  # type: ignore[attr-defined]
        flags=tuple(c.flags),  # type: ignore[attr-defined]
        json=bool(c.json),  # type: ignore[attr-defined]
    )
    if kind != "RUN" or ins.json or not ins.args:
        return ins
    heredocs = tuple(c.heredocs)  # type: ignore[attr-defined]
    if heredocs:
        return _with_script(ins, _heredoc_script(ins, heredocs))
    return _with_script(ins, _joined_script(ins, c.original, raw))  # type: ignore[attr-defined]


def _with_script(ins: Instruction, script: Script) -> Instruction:
    return Instruction(ins.kind, ins.line, ins.end_line, ins.args, ins.flags, ins.json, script)


def _joined_script(ins: Instruction, original: str, raw: list[str]) -> Script:
    """The RUN's joined text, each piece tied to the physical line it was read from."""
    offsets: list[int] = []
    lines: list[int] = []
    cursor = 0
    for number in range(ins.line, ins.end_line + 1):
        piece = raw[number - 1].strip() if number - 1 < len(raw) else ""
        if number > ins.line and (not piece or piece.startswith("#")):
            continue  # Docker drops comment and blank lines inside a continuation
        piece = piece.rstrip("\\`").strip()
        at = original.find(piece, cursor) if piece else -1
        if at >= 0:
            offsets.append(at)
            lines.append(number)
            cursor = at + len(piece)
    value = ins.args[0]
    start = original.find(value)
    start = max(start, 0)
    pairs = [(max(o - start, 0), n) for o, n in zip(offsets, lines, strict=True)]
    pairs = [p for i, p in enumerate(pairs) if i + 1 == len(pairs) or pairs[i + 1][0] > 0]
    if not pairs or pairs[0][0] != 0:
        pairs.insert(0, (0, ins.line))
    return Script(value, tuple(o for o, _ in pairs), tuple(n for _, n in pairs))


def _heredoc_script(ins: Instruction, heredocs: tuple[object, ...]) -> Script:
    """``RUN <<EOF`` or ``RUN bash <<EOF``: the body is the script, line by line.

    Fed to another program (``python3 <<EOF``, ``cat <<EOF > file && ...``), the
    bodies are that program's data: the command line is the script, with each
    body and its terminator after it, as a shell reads a heredoc.
    """
    import shlex

    try:
        words = [w for w in shlex.split(ins.args[0]) if not w.startswith("<<")]
    except ValueError:
        words = []
    data = bool(words) and words[0].rsplit("/", 1)[-1] not in SHELLS
    text, offsets, lines = (ins.args[0] + "\n", [0], [ins.line]) if data else ("", [], [])
    line = ins.line + 1
    for doc in heredocs:
        body = str(doc.content)  # type: ignore[attr-defined]
        for number, body_line in enumerate(body.splitlines(keepends=True), start=line):
            offsets.append(len(text))
            lines.append(number)
            text += body_line
        if data:
            text += f"{doc.name}\n"  # type: ignore[attr-defined]
        line += body.count("\n") + 1  # the body, then its terminator line
    return Script(text, tuple(offsets) or (0,), tuple(lines) or (ins.line,))
