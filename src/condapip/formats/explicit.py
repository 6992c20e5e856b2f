"""conda's ``@EXPLICIT`` format, written and read back: exact package URLs with their
hashes, then condapip's pip layer as comments conda skips."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from condapip import __version__
from condapip.change.engines.base import SolvedPackage, channel_and_subdir
from condapip.errors import CondapipError, read_input
from condapip.formats.layers import Layers
from condapip.formats.requirements import pip_pins
from condapip.ledger.records import CondaRecord
from condapip.ledger.specs import spec_name
from condapip.support.redact import redact_url

PIP_BLOCK_HEADER = "# condapip pip layer"
PIP_LINE = "# pip: "


def explicit_text(layers: Layers, warnings: list[str]) -> str:
    """conda's ``@EXPLICIT`` list; the pip layer follows as comments conda skips."""
    lines = [
        "# This file may be used to create an environment using:",
        "# $ conda create --name <env> --file <this file>",
        "# or, with its pip layer: condapip create -p <prefix> -f <this file>",
        f"# platform: {layers.platform}",
        f"# created-by: condapip {__version__}",
        "@EXPLICIT",
    ]
    for rec in _install_order(layers.records):
        if not rec.url:
            warnings.append(f"{rec.dist_str} has no URL in conda-meta: left out of @EXPLICIT")
            continue
        url, redacted = redact_url(rec.url)
        if redacted:
            warnings.append(f"{rec.name}: a credential in its URL was redacted")
        if rec.sha256:
            lines.append(f"{url}#sha256:{rec.sha256}")
        elif rec.md5:
            lines.append(f"{url}#{rec.md5}")
        else:
            lines.append(url)
    if layers.pip:
        lines.append(
            f"{PIP_BLOCK_HEADER}: `condapip create -f` installs these with pip "
            "after the conda layer; conda ignores them"
        )
        lines += [f"{PIP_LINE}{req}" for req in pip_pins(layers)]
    return "\n".join(lines) + "\n"


def _install_order(records: Sequence[CondaRecord]) -> list[CondaRecord]:
    """Dependencies before dependents, ties by name: conda's explicit files read in order."""
    by_name = {r.name: r for r in records}
    deps = {r.name: {spec_name(d) for d in r.depends} & by_name.keys() for r in records}
    done: set[str] = set()
    out: list[CondaRecord] = []
    while len(out) < len(records):
        ready = sorted(n for n in by_name if n not in done and deps[n] <= done)
        if not ready:  # a cycle: finish it by name
            ready = sorted(n for n in by_name if n not in done)[:1]
        for name in ready:
            done.add(name)
            out.append(by_name[name])
    return out


@dataclass(frozen=True)
class ExplicitPackage:
    """One conda artifact line of an ``@EXPLICIT`` file."""

    url: str
    sha256: str | None
    md5: str | None

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]

    def solved(self) -> SolvedPackage:
        """The package as an engine installs it: name, version and build from the file name."""
        stem = self.filename.removesuffix(".conda").removesuffix(".tar.bz2")
        name, version, build = stem.rsplit("-", 2)
        channel, subdir = channel_and_subdir(self.url)
        return SolvedPackage(
            name=name,
            version=version,
            build=build,
            channel=channel,
            subdir=subdir,
            url=self.url,
            sha256=self.sha256,
            md5=self.md5,
        )


@dataclass(frozen=True)
class ExplicitFile:
    platform: str | None
    conda: tuple[ExplicitPackage, ...]
    pip: tuple[str, ...]


_EXPLICIT_URL = re.compile(
    r"^(?P<url>(?:https?|file)://[^\s#]+/[^/\s#]+-[^/\s#-]+-[^/\s#-]+(?:\.conda|\.tar\.bz2))"
    r"(?:#(?:(?P<md5>[0-9a-f]{32})|(?:sha256[:=])?(?P<sha256>[0-9a-f]{64})))?$"
)


def load_explicit(path: Path) -> ExplicitFile:
    """Parse conda's ``@EXPLICIT`` format and condapip's pip comment block after it."""
    return loads_explicit(read_input(path, "explicit file"), source=str(path))


def loads_explicit(text: str, source: str = "explicit file") -> ExplicitFile:
    platform = None
    explicit = False
    in_pip = False
    conda: list[ExplicitPackage] = []
    pip: list[str] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(PIP_BLOCK_HEADER):
            in_pip = True
        elif line.startswith("#"):
            if in_pip and line.startswith(PIP_LINE):
                pip.append(_pip_line(line[len(PIP_LINE) :].strip(), source, lineno))
            elif line.startswith("# platform:"):
                platform = line.split(":", 1)[1].strip() or None
        elif line == "@EXPLICIT":
            explicit = True
        elif not explicit:
            raise CondapipError(f"malformed {source}: line {lineno} comes before @EXPLICIT")
        else:
            conda.append(_conda_line(line, source, lineno))
    if not explicit:
        raise CondapipError(f"malformed {source}: no @EXPLICIT line")
    return ExplicitFile(platform=platform, conda=tuple(conda), pip=tuple(pip))


def _conda_line(line: str, source: str, lineno: int) -> ExplicitPackage:
    from condapip.ledger.specs import URL_UNSAFE

    m = _EXPLICIT_URL.match(line)
    if m is None or URL_UNSAFE.search(line):
        raise CondapipError(f"malformed {source}: line {lineno} is not a conda package URL")
    pkg = ExplicitPackage(url=m["url"], sha256=m["sha256"], md5=m["md5"])
    from condapip.ledger.specs import check_conda_spec

    solved = pkg.solved()
    check_conda_spec(f"{solved.name}=={solved.version}={solved.build}")
    return pkg


def _pip_line(req: str, source: str, lineno: int) -> str:
    from condapip.ledger.specs import check_pip_requirement

    if req.startswith("-"):
        raise CondapipError(f"malformed {source}: line {lineno}: pip options are not supported")
    try:
        check_pip_requirement(req)
    except CondapipError:
        raise CondapipError(
            f"malformed {source}: line {lineno} is not a pip requirement: {req!r}"
        ) from None
    return req
