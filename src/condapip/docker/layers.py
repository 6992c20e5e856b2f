"""Both layers of an image, as the files a written Dockerfile COPYs.

From an environment file: the conda layer as a yml, the pip section as pip
reads it (options, ``-r`` files and local paths included, each local file
COPYed into the image); pip resolves the layer's dependencies at build time,
so the file need not list them. From a lock: every conda package by URL and
md5, every pip dist exact and hashed, installed with ``--no-deps``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from condapip.docker.base import env_name
from condapip.docker.lint.pins import is_pinned
from condapip.errors import CondapipError
from condapip.formats.envfile import EnvSpec, dumps

if TYPE_CHECKING:
    from condapip.formats.explicit import ExplicitFile
    from condapip.formats.lock import Lock
    from condapip.formats.pip_requirements import PipRequirement, PipSection

CONDA_FILE = "conda-layer.yml"
EXPLICIT_FILE = "conda-layer.txt"
_CUDA_NAMES = ("cudatoolkit", "cuda-version", "pytorch-cuda", "cuda-toolkit", "cuda-runtime")
_CUDA_BUILD = re.compile(r"cuda(\d{2,3})")


@dataclass(frozen=True)
class Layers:
    """Both layers as files, and what the Dockerfile needs to know about them."""

    name: str
    conda_file: str
    conda_text: str
    explicit: bool  # an @EXPLICIT list of package URLs (from a lock), not an env yml
    pip: tuple[str, ...]  # the pip layer file's lines
    pip_complete: bool  # every dist at an exact version: install with --no-deps
    packages: frozenset[str]
    variables: tuple[tuple[str, str], ...] = ()
    cuda: str | None = None  # CONDA_OVERRIDE_CUDA for a solve on a machine without a GPU
    strict: bool = True  # strict channel priority can solve this conda layer
    copies: tuple[str, ...] = ()  # build-context paths the pip layer needs, COPYed as is
    notes: tuple[str, ...] = ()  # comment lines above the pip layer

    @property
    def has_python(self) -> bool:
        return "python" in self.packages or bool(self.pip)


def from_envfile(spec: EnvSpec, source: str, context: Path, name: str | None = None) -> Layers:
    """An environment file's layers; local pip paths must be inside the build ``context``.

    ``name`` (``--name``) replaces the file's.
    """
    from condapip.ledger.specs import spec_name

    name = env_name(spec.name, name, source)
    channels = spec.channels or ("conda-forge",)
    for channel in channels:
        _check_channel(channel)
    conda = spec.conda
    if spec.pip and "pip" not in {spec_name(s) for s in conda}:
        conda = (*conda, "pip")
    text = header(source, "conda") + dumps(
        EnvSpec(name=name, channels=channels, conda=conda, pip=())
    )
    direct = list(spec.pip_section.requirements) if spec.pip_section is not None else []
    _refuse_both_layers(conda, direct, source, channels)
    pip, copies, notes = _pip_layer(spec.pip_section, source, context)
    names = {spec_name(s) for s in conda}
    names |= {r.name for r in _requirements(spec.pip_section) if r.name}
    strict = len(channels) < 2 or not any(_exact_without_channel(s) for s in conda)
    return Layers(
        name, CONDA_FILE, text, False, pip, False, frozenset(names), spec.variables,
        cuda_override(conda), strict, copies, notes,
    )  # fmt: skip


def _requirements(section: PipSection | None) -> list[PipRequirement]:
    return list(section.all_requirements()) if section is not None else []


def _check_channel(channel: str) -> None:
    """Well-formed as the image's conda reads it (the one resolver), and safe to bake in."""
    from condapip.ledger.channels import Config, resolve

    if channel.startswith(("file:", ".", "/", "~")):
        raise CondapipError(f"channel {channel!r} is a local path a Docker build cannot see")
    for resolved in resolve([channel], config=Config()):
        if resolved.shown != resolved.url:
            raise CondapipError(
                f"channel {resolved.shown!r} carries credentials; they would be baked into "
                "the image: use a build secret instead"
            )


def _refuse_both_layers(
    conda: tuple[str, ...], pip: list[PipRequirement], source: str, channels: tuple[str, ...]
) -> None:
    """``create -f``'s own check, on the same rows (the pip list's own requirements, as
    its plan shows them): the same file is refused the same way."""
    from condapip.change.plan import Row, refuse_both_layers
    from condapip.ledger.channels import Config, resolve
    from condapip.ledger.specs import spec_name

    rows = [Row(spec_name(s), "conda", f"{source} dependencies", s) for s in conda]
    rows += [Row(r.name, "pip", f"{source} pip:", r.line()) for r in pip if r.name]
    urls = [c.url for c in resolve(channels, config=Config())]
    refuse_both_layers(rows, urls)


def _exact_without_channel(spec: str) -> bool:
    """``name=version=build`` with no ``channel::``: strict priority may look elsewhere."""
    from rattler import MatchSpec

    ms = MatchSpec(spec, strict=False)
    build = str(ms.build) if ms.build is not None else ""
    return ms.channel is None and bool(build) and "*" not in build


def cuda_override(conda: tuple[str, ...]) -> str | None:
    """The CUDA version a spec asks for (``pytorch=*=cuda12*``, ``cudatoolkit=11.8``)."""
    from rattler import MatchSpec

    for spec in conda:
        ms = MatchSpec(spec, strict=False)
        m = _CUDA_BUILD.search(str(ms.build or ""))
        if m is not None:
            digits = m.group(1)
            return f"{digits[:2]}.{digits[2:] or '0'}"
        name = ms.name.normalized if ms.name is not None else ""
        version = str(ms.version or "").lstrip("=<>~!").rstrip(".*")
        if name in _CUDA_NAMES and re.fullmatch(r"\d+(\.\d+)?", version):
            return version if "." in version else f"{version}.0"
    return None


def _pip_layer(
    section: PipSection | None, source: str, context: Path
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The pip layer file's lines, the context paths to COPY, and notes for the reader."""
    if section is None or not section:
        return (), (), ()
    from condapip.formats.pip_requirements import PipSection

    notes: list[str] = []
    editable = [r for r in section.requirements if r.editable and r.path is not None]
    if editable:
        notes.append("`-e PATH` is installed non-editable: the image has no checkout to edit")
    section = PipSection(
        tuple(replace(r, editable=False) if r in editable else r for r in section.requirements),
        section.options,
        section.includes,
    )
    for req in section.all_requirements():
        if req.path is None and "file:" in req.text:
            raise CondapipError(
                f"{source}: pip entry {req.text!r} names a local file by URL: write it as a path "
                "relative to the environment file, so the image can COPY it"
            )
    copies = tuple(dict.fromkeys(_in_context(p, source, context) for p in section.files()))
    lines = tuple(section.lines(lambda p: _image_path(_in_context(p, source, context))))
    _check_lines(lines)
    loose = [r.text for r in section.all_requirements() if r.path is None and not is_pinned(r.text)]
    if loose:
        from condapip.support.output import warn

        warn(
            f"pip requirements {', '.join(loose)} are not pinned, so each build may get other "
            "versions: for exact ones run `condapip lock`, then "
            "`condapip dockerfile -f condapip.lock.yml`"
        )
    return lines, copies, tuple(notes)


def _in_context(path: Path, source: str, context: Path) -> str:
    try:
        rel = path.resolve().relative_to(context.resolve())
    except ValueError:
        raise CondapipError(
            f"{source}: {path} is outside the build context {context}: a Docker build cannot "
            "see it; move it into the context, or build a wheel there"
        ) from None
    return rel.as_posix()


def _image_path(rel: str) -> str:
    return "." if rel == "." else f"./{rel}"


def _check_lines(lines: tuple[str, ...]) -> None:
    for line in lines:
        for word in line.split():
            if re.match(r"^[a-z+]+://[^/@\s]+@", word, re.IGNORECASE):
                raise CondapipError(
                    f"pip entry {line!r} carries credentials in its URL; they would be baked "
                    "into the image: use a build secret instead"
                )


def from_lock(
    lock: Lock, source: str, platform: str = "linux-64", name: str | None = None
) -> Layers:
    """A condapip lock's linux packages, by URL and hash: the image gets exactly those."""
    name = env_name(lock.name, name, source)
    locked = lock.platforms.get(platform)
    if locked is None:
        raise CondapipError(f"{source} has no {platform} packages: lock the env on {platform}")
    lines = [f"# platform: {platform}", "@EXPLICIT"]
    for pkg in locked.conda:
        if not pkg.url.startswith("https://") or "***" in pkg.url:
            raise CondapipError(f"conda package {pkg.url!r} is not reachable from a Docker build")
        lines.append(f"{pkg.url}#{pkg.md5}" if pkg.md5 else pkg.url)
    pip = tuple(a.requirement for a in locked.pip)
    for req in pip:
        if not is_pinned(req) or req.startswith(("file:", ".", "/", "~")) or "file://" in req:
            raise CondapipError(
                f"pip requirement {req!r} in {source} is not an exact, reachable pin: "
                "lock an env whose pip layer comes from an index or a VCS commit"
            )
    _check_lines(pip)
    if locked.pip and all(a.sha256 for a in locked.pip):
        # every line hashed puts pip in hash-checking mode: it installs only these bytes
        pip = tuple(f"{a.requirement} --hash=sha256:{a.sha256}" for a in locked.pip)
    names = {p.name for p in locked.conda} | {a.name for a in locked.pip}
    text = header(source, "conda") + "\n".join(lines) + "\n"
    return Layers(name, EXPLICIT_FILE, text, True, pip, True, frozenset(names))


def from_explicit(explicit: ExplicitFile, source: str, name: str | None = None) -> Layers:
    """conda's ``@EXPLICIT`` file (as ``create -f`` takes it): its URLs, then its pip pins."""
    if explicit.platform not in (None, "linux-64"):
        raise CondapipError(f"{source} is for {explicit.platform}: a Docker image needs linux-64")
    lines = ["# platform: linux-64", "@EXPLICIT"]
    for pkg in explicit.conda:
        if not pkg.url.startswith("https://"):
            raise CondapipError(f"conda package {pkg.url!r} is not reachable from a Docker build")
        digest = f"#{pkg.md5}" if pkg.md5 else f"#sha256:{pkg.sha256}" if pkg.sha256 else ""
        lines.append(pkg.url + digest)
    _check_lines(explicit.pip)
    names = {p.solved().name for p in explicit.conda}
    text = header(source, "conda") + "\n".join(lines) + "\n"
    # the pins are exact, but nothing says they are every dist: pip checks the rest
    name = env_name(None, name, source)
    return Layers(name, EXPLICIT_FILE, text, True, explicit.pip, False, frozenset(names))


def header(source: str, layer: str) -> str:
    return f"# The {layer} layer, written by `condapip dockerfile` from {oneline(source)}.\n"


def oneline(text: str) -> str:
    return re.sub(r"[\r\n]+", " ", text)
