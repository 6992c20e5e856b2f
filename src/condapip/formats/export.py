"""Both layers of a prefix as a file that rebuilds it: environment.yml,
conda's ``@EXPLICIT`` list, a requirements file or a PEP 751 ``pylock.toml``.

Everything comes from the ledgers ``read_prefix`` gives: conda records for the
conda layer, PEP 610 records (through ``pins.pin``) for the pip layer. Output
is sorted so that two exports of one prefix are byte-identical, and every URL
is redacted before it is written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from packaging.utils import canonicalize_name

from condapip import __version__
from condapip.change.engines.base import SolvedPackage, channel_and_subdir
from condapip.errors import CondapipError, read_input
from condapip.formats.layers import Layers, PipArtifact, pip_requests, select
from condapip.ledger.pins import pin
from condapip.ledger.prefix import Prefix
from condapip.ledger.records import CondaRecord
from condapip.support.redact import redact_url

if TYPE_CHECKING:
    from condapip.formats.envfile import EnvSpec

Format = Literal["environment", "explicit", "requirements", "pylock"]
FORMATS: tuple[Format, ...] = ("environment", "explicit", "requirements", "pylock")

PIP_BLOCK_HEADER = "# condapip pip layer"
PIP_LINE = "# pip: "


@dataclass(frozen=True)
class Exported:
    text: str
    warnings: tuple[str, ...]


def export(
    prefix: Prefix,
    fmt: str = "environment",
    *,
    from_history: bool = False,
    no_builds: bool = False,
    as_is: bool = False,
    pip_engine: str | None = None,
) -> Exported:
    if fmt not in FORMATS:
        raise CondapipError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
    if from_history and fmt not in ("environment", "requirements"):
        raise CondapipError("--from-history works with --format environment or requirements")
    layers = select(prefix, as_is=as_is)
    warnings = list(layers.warnings)
    if fmt == "environment":
        doc = environment(prefix, layers, from_history=from_history, no_builds=no_builds)
        from condapip.formats.envfile import dumps

        text = dumps(doc)
    elif fmt == "requirements":
        reqs = history_pip(prefix, layers) if from_history else pip_pins(layers)
        text = requirements_text(reqs)
    elif fmt == "explicit":
        text = explicit_text(layers, warnings)
    else:
        from condapip.formats.lock import pip_artifacts

        artifacts = pip_artifacts(prefix, layers.pip, pip_engine, warnings)
        text = pylock_text(prefix, artifacts)
    return Exported(text=text, warnings=tuple(warnings))


def environment(
    prefix: Prefix, layers: Layers, *, from_history: bool = False, no_builds: bool = False
) -> EnvSpec:
    """The environment.yml document as an ``envfile.EnvSpec``."""
    from condapip.formats.envfile import EnvSpec
    from condapip.ledger import env_vars

    if from_history:
        conda = history_conda(prefix)
        pip = history_pip(prefix, layers)
    else:
        conda = [
            f"{r.name}={r.version}" if no_builds else f"{r.name}={r.version}={r.build}"
            for r in layers.records
        ]
        pip = pip_pins(layers)
    return EnvSpec(
        name=layers.name,
        channels=layers.channels,
        conda=tuple(conda),
        pip=tuple(pip),
        variables=tuple(sorted(env_vars.read(prefix.path).items())),
    )


def pip_pins(layers: Layers) -> list[str]:
    return [pin(d).requirement for d in layers.pip]


def history_conda(prefix: Prefix) -> list[str]:
    """The conda specs as asked (conda-meta/history); else the records nothing depends on."""
    from condapip.ledger.history import requested_specs

    specs = requested_specs(prefix.history)
    if specs:
        return [_redact_spec(specs[name]) for name in sorted(specs)]
    needed = {_dep_name(d) for r in prefix.records.values() for d in r.depends}
    return sorted(name for name in prefix.records if name not in needed)


def history_pip(prefix: Prefix, layers: Layers) -> list[str]:
    """The pip top-level requests: those condapip recorded, and dists nothing else requires.

    A recorded index request is written as asked; a URL install keeps its
    exact pin, since a git branch or a path is not a version range to loosen.
    A dist no other dist requires was asked for by someone, so even a pip
    call made outside condapip is kept.
    """
    recorded = pip_requests(prefix.path)
    needed = _required_keys(prefix)
    out = []
    for dist in layers.pip:
        if dist.key in recorded and not dist.direct_url:
            out.append(_redact_requirement(recorded[dist.key]))
        elif dist.key in recorded or dist.key not in needed:
            out.append(pin(dist).requirement)
    return out


def _required_keys(prefix: Prefix) -> set[str]:
    """Names some dist requires, markers judged for the prefix's own platform and python."""
    from packaging.requirements import InvalidRequirement, Requirement

    from condapip.ledger.platform import prefix_marker_environment

    env = prefix_marker_environment(prefix)
    needed: set[str] = set()
    for d in prefix.dists:
        for text in d.requires:
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if req.marker is None or req.marker.evaluate(env):
                needed.add(canonicalize_name(req.name))
    return needed


def _dep_name(depend: str) -> str:
    from condapip.ledger.specs import spec_name

    return spec_name(depend)


def _redact_spec(spec: str) -> str:
    channel, sep, rest = spec.rpartition("::")
    return f"{redact_url(channel)[0]}{sep}{rest}" if sep else spec


def _redact_requirement(text: str) -> str:
    name, sep, url = text.partition(" @ ")
    if not sep:
        return text
    return f"{name} @ {redact_url(url)[0]}"


def requirements_text(requirements: Sequence[str]) -> str:
    head = f"# pip layer exported by condapip {__version__}; install after the conda layer\n"
    return head + "".join(f"{r}\n" for r in requirements)


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
    deps = {r.name: {_dep_name(d) for d in r.depends} & by_name.keys() for r in records}
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


def pylock_text(prefix: Prefix, artifacts: Sequence[PipArtifact]) -> str:
    """PEP 751 ``pylock.toml`` for the pip layer."""
    import tomli_w

    packages = []
    for a in artifacts:
        pkg: dict[str, Any] = {"name": a.name, "version": a.version}
        if a.source == "vcs":
            vcs: dict[str, Any] = {"type": a.vcs or "git", "url": a.url, "commit-id": a.commit}
            if a.subdirectory:
                vcs["subdirectory"] = a.subdirectory
            pkg["vcs"] = vcs
        elif a.source == "directory":
            pkg["directory"] = {"path": _file_path(a.url or ""), "editable": a.editable}
        else:
            filename = (a.url or "").split("#", 1)[0].rsplit("/", 1)[-1]
            entry = {"name": filename, "url": a.url, "hashes": {"sha256": a.sha256}}
            if a.source == "url":
                pkg["archive"] = {"url": a.url, "hashes": {"sha256": a.sha256}}
            elif filename.endswith(".whl"):
                pkg["wheels"] = [entry]
            else:
                pkg["sdist"] = entry
        packages.append(pkg)
    doc: dict[str, Any] = {"lock-version": "1.0", "created-by": "condapip"}
    if prefix.python_version:
        doc["requires-python"] = f"=={prefix.python_version}.*"
    doc["packages"] = packages
    return tomli_w.dumps(doc)


def _file_path(url: str) -> str:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    return unquote(parts.path) if parts.scheme == "file" else url


# --- reading an @EXPLICIT file back ------------------------------------------------


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
