"""An environment.yml's ``pip:`` list, read as pip reads a requirements file.

conda writes the list into a requirements file in the yml's folder and runs
``pip install -r`` there, so the list is pip's format: options (several on a
line), ``-r``/``-c`` relative to the including file, ``-e`` paths and VCS
URLs, ``--hash=``, ``${VAR}``, continuations and comments. pip's own grammar
does the parsing (pip-requirements-parser carries pip's code); this module
only resolves paths and validates values as data.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.errors import CondapipError

# pip's own rule (req_file.expand_env_variables): only ${NAME}, upper-case,
# and an unset one is left as written.
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
# Each parser option and the flag pip writes for it, in pip's own order.
_FLAGS = {
    "index_url": "--index-url",
    "no_index": "--no-index",
    "extra_index_urls": "--extra-index-url",
    "find_links": "--find-links",
    "trusted_hosts": "--trusted-host",
    "pre": "--pre",
    "prefer_binary": "--prefer-binary",
    "require_hashes": "--require-hashes",
    "no_binary": "--no-binary",
    "only_binary": "--only-binary",
    "use_feature": "--use-feature",
}
_INCLUDES = {"requirements": "--requirement", "constraints": "--constraint"}
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class PipOption:
    """One option as pip takes it on a command line: ``--pre``, ``--index-url URL``."""

    flag: str
    value: str | None
    where: str  # "file, line N", for messages
    path: Path | None = None  # a --find-links folder, absolute

    def args(self, path_for: Callable[[Path], str] | None = None) -> list[str]:
        if self.value is None:
            return [self.flag]
        if self.path is not None:
            return [self.flag, path_for(self.path) if path_for else str(self.path)]
        return [self.flag, self.value]


@dataclass(frozen=True)
class PipRequirement:
    """One requirement line: a PEP 508 requirement, a URL, or a local path."""

    text: str  # as written (variables expanded), without options
    name: str | None  # the normalized project name, when the line names one
    editable: bool
    hashes: tuple[str, ...]  # "sha256:..." from --hash=
    path: Path | None  # the local folder or archive it names, absolute
    where: str
    extras: tuple[str, ...] = ()  # of a local path: ``-e .[dev]``

    def line(self, path_for: Callable[[Path], str] | None = None) -> str:
        """The requirement as a requirements-file line, a local path through ``path_for``."""
        text = self.text
        if self.path is not None:
            text = path_for(self.path) if path_for else str(self.path)
            text += f"[{','.join(self.extras)}]" if self.extras else ""
        out = f"-e {text}" if self.editable else text
        return " ".join([out, *(f"--hash={h}" for h in self.hashes)])


@dataclass(frozen=True)
class PipInclude:
    """A ``-r`` or ``-c`` file and what it holds."""

    flag: str  # "--requirement" or "--constraint"
    path: Path  # absolute
    section: PipSection
    where: str


@dataclass(frozen=True)
class PipSection:
    """Requirements, options and included files, in the order written."""

    requirements: tuple[PipRequirement, ...]
    options: tuple[PipOption, ...]
    includes: tuple[PipInclude, ...]

    def __bool__(self) -> bool:
        return bool(self.requirements or self.options or self.includes)

    def all_requirements(self) -> Iterator[PipRequirement]:
        """Every requirement to install, ``-r`` files' included (constraints are not)."""
        yield from self.requirements
        for inc in self.includes:
            if inc.flag == "--requirement":
                yield from inc.section.all_requirements()

    def files(self) -> Iterator[Path]:
        """Every local file or folder the section needs: includes and local requirements."""
        for opt in self.options:
            if opt.path is not None:
                yield opt.path
        for req in self.requirements:
            if req.path is not None:
                yield req.path
        for inc in self.includes:
            yield inc.path
            yield from inc.section.files()

    def lines(self, path_for: Callable[[Path], str] | None = None) -> list[str]:
        """The section as requirements-file lines, local paths through ``path_for``."""
        return self.option_lines(path_for) + [r.line(path_for) for r in self.requirements]

    def option_lines(self, path_for: Callable[[Path], str] | None = None) -> list[str]:
        """The options and ``-r``/``-c`` lines, local paths through ``path_for``."""
        out = [" ".join(o.args(path_for)) for o in self.options]
        out += [f"{i.flag} {path_for(i.path) if path_for else i.path}" for i in self.includes]
        return out


def parse(entries: Sequence[tuple[str, str]], base: Path) -> PipSection:
    """Read a yml's pip list: ``(entry, where)`` pairs, paths relative to ``base``.

    conda joins the entries into one file, so a continuation may run into
    the next entry; each physical line keeps its yml location for messages.
    """
    lines: list[str] = []
    places: list[str] = []
    for entry, where in entries:
        for part in entry.splitlines() or [""]:
            lines.append(part)
            places.append(where)
    return _parse_text("\n".join(lines), base, base, places.__getitem__, ())


def write_temporary(section: PipSection, directory: Path) -> Path:
    """The section as a requirements file with absolute paths, for one pip run."""
    fd, name = tempfile.mkstemp(prefix="condapip-", suffix=".requirements.txt", dir=directory)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("".join(f"{line}\n" for line in section.lines()))
    return Path(name)


def _parse_file(path: Path, cwd: Path, chain: tuple[Path, ...]) -> PipSection:
    from condapip.errors import read_input

    text = read_input(path, "requirements file")
    return _parse_text(text, path.parent, cwd, lambda i: f"{path}, line {i + 1}", chain)


def _parse_text(
    text: str,
    here: Path,
    cwd: Path,
    where: Callable[[int], str],
    chain: tuple[Path, ...],
) -> PipSection:
    text = _ENV_VAR.sub(lambda m: os.environ.get(m.group(1), m.group(0)), text)
    try:
        parsed = _parsed(text)
    except Exception as exc:  # the parser raises pip's own error types
        raise CondapipError(f"malformed pip requirements ({where(0)}): {_one_line(exc)}") from None
    for bad in parsed.invalid_lines:
        at = where(bad.requirement_line.line_number - 1)
        raise CondapipError(
            f"malformed {at}: pip entry {bad.requirement_line.line!r}: "
            f"{_one_line(bad.error_message)}"
        )
    options: list[PipOption] = []
    includes: list[PipInclude] = []
    for opt in parsed.options:
        at = where(opt.requirement_line.line_number - 1)
        for key, value in opt.options.items():
            if key in _INCLUDES:
                for name in value:
                    includes.append(_include(_INCLUDES[key], name, here, cwd, at, chain))
            else:
                options += _options(key, value, here, at)
    reqs = [
        _requirement(r, cwd, where(r.requirement_line.line_number - 1)) for r in parsed.requirements
    ]
    return PipSection(tuple(reqs), tuple(options), tuple(includes))


def _parsed(text: str) -> Any:
    # The parser reads files only (its from_string is broken in 32.0.1): a
    # private copy, so nested -r lines are never followed from the wrong folder.
    from pip_requirements_parser import RequirementsFile

    with tempfile.TemporaryDirectory(prefix="condapip-req-") as tmp:
        path = Path(tmp) / "requirements.txt"
        path.write_text(text, encoding="utf-8")
        return RequirementsFile.from_file(str(path), include_nested=False)


def _include(
    flag: str, name: str, here: Path, cwd: Path, at: str, chain: tuple[Path, ...]
) -> PipInclude:
    if _URL.match(name):
        raise CondapipError(f"malformed {at}: {flag} {name!r}: a URL, not a local file")
    path = (here / os.path.expanduser(name)).resolve()
    if path in chain:
        raise CondapipError(f"malformed {at}: {flag} {name!r} includes itself")
    if not path.is_file():
        raise CondapipError(f"malformed {at}: {flag} {name!r}: no such file ({path})")
    return PipInclude(flag, path, _parse_file(path, cwd, (*chain, path)), at)


def _options(key: str, value: Any, here: Path, at: str) -> list[PipOption]:
    flag = _FLAGS.get(key)
    if flag is None:
        # what pip refuses in a requirements file (or condapip's own choices,
        # like --target), refused before anything runs
        raise CondapipError(f"malformed {at}: pip option {key!r} is not allowed here")
    if value is True:
        return [PipOption(flag, None, at)]
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        text = str(v)
        if not text or _CONTROL.search(text) or text.startswith("-"):
            raise CondapipError(f"malformed {at}: {flag} needs one value, not {text!r}")
        out.append(PipOption(flag, text, at, _find_links_path(flag, text, here)))
    return out


def _find_links_path(flag: str, value: str, here: Path) -> Path | None:
    # pip reads a relative --find-links in a file against that file's folder
    if flag != "--find-links" or _URL.match(value):
        return None
    return (here / os.path.expanduser(value)).absolute()


def _requirement(req: Any, cwd: Path, at: str) -> PipRequirement:
    from packaging.utils import canonicalize_name

    from condapip.ledger.specs import check_pip_requirement

    line = str(req.requirement_line.line)
    if req.invalid_options:
        raise CondapipError(f"malformed {at}: pip entry {line!r}: options not allowed here")
    path = None
    if req.link is not None and not req.is_name_at_url:
        # a path, an archive or a VCS URL: pip takes the link itself
        text = str(getattr(req.link, "url", req.link))
        path = _local_path(text, cwd)
    else:
        text = str(req.req)
        if req.marker is not None and ";" not in text:
            text = f"{text}; {req.marker}"
        try:
            check_pip_requirement(text)
        except CondapipError as exc:
            raise CondapipError(f"malformed {at}: pip entry {line!r}: {exc}") from None
    if _CONTROL.search(text):
        raise CondapipError(f"malformed {at}: pip entry {line!r}")
    name = canonicalize_name(req.name) if req.name else None
    extras = tuple(sorted(req.extras or ())) if path is not None else ()
    hashes = tuple(req.hash_options)
    return PipRequirement(text, name, bool(req.is_editable), hashes, path, at, extras)


def _local_path(link: str, cwd: Path) -> Path | None:
    if link.startswith("file:"):
        from urllib.parse import unquote, urlsplit

        return Path(unquote(urlsplit(link).path))
    if _URL.match(link) or re.match(r"^[a-z]+\+", link):
        return None  # a URL or a VCS URL pip fetches itself
    return (cwd / os.path.expanduser(link)).absolute()


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())[:300]
