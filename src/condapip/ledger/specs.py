"""Names out of conda specs and pip requirements, validated as data.

A name from a user, a yml or a lock file never reaches a shell, but it does
reach argument lists, file names and Dockerfiles: anything that is not a
plain package name is rejected here, before any work starts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement

from condapip.errors import CondapipError

# conda package names: lowercase letters, digits and ._- (conda-build's rule),
# optionally behind "channel::".
_CONDA_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
# "<" and ">" are version operators in both spec languages ("numpy>=2",
# 'python_version < "3.12"'); everything else here only ever means shell.
_SHELL_META = re.compile(r"[;&|`$\\\n\r\"'(){}]")
# conda's bracket values are quoted (``pkg[version='>=1,<2']``): quotes are data there.
# "|" is conda's "or" between versions (``numpy 1.2|1.3``).
_CONDA_SHELL_META = re.compile(r"[;&`$\\\n\r(){}]")
# What a build string holds (``*_cpython``, ``cuda11.3_0``); rattler's lenient
# mode takes anything after a space as one, conda refuses "numpy >=1.2 <2".
_BUILD = re.compile(r"^[A-Za-z0-9_.*+\-]*$")
# A channel or artifact URL never holds these, and each means something to a shell.
URL_UNSAFE = re.compile(r"[;&|`$<>\\\"'(){}]")


# conda drops a bracket of bare words after a name (``nbconvert[execute]``,
# pip's extras): its MatchSpec keeps only ``key=value`` brackets. rattler
# refuses the bare form, so it is dropped here as conda drops it.
_IGNORED_BRACKET = re.compile(r"^(\s*(?:\S+::)?[A-Za-z0-9_.\-]+)\[[^\]=]*\]")
# YAML joins "- numpy=1.26.4" and an over-indented "- scipy" into one string.
_MERGED_ITEM = re.compile(r"\s-\s")


@dataclass(frozen=True)
class CondaSpec:
    """One conda match spec, parsed by rattler in conda's lenient mode."""

    text: str  # as rattler reads it (an ignored bracket dropped)
    name: str  # normalized
    channel: str | None  # the ``channel::`` or ``channel/subdir::`` part as written
    subdir: str | None


def conda_spec(spec: str) -> CondaSpec:
    """Parse ``spec`` as conda does; anything conda would not mean is bad input."""
    from rattler import MatchSpec

    text = _IGNORED_BRACKET.sub(r"\1", spec.strip())
    if not text or _CONDA_SHELL_META.search(text) or _MERGED_ITEM.search(text):
        raise CondapipError(f"invalid conda spec: {spec!r}")
    try:
        ms = MatchSpec(text, strict=False)
    except Exception:  # rattler's InvalidMatchSpecError and friends
        raise CondapipError(f"invalid conda spec: {spec!r}") from None
    if ms.name is None or not _CONDA_NAME.match(ms.name.normalized):
        raise CondapipError(f"invalid conda spec: {spec!r}")
    if ms.build is not None and not _BUILD.match(str(ms.build)):
        raise CondapipError(f"invalid conda spec: {spec!r}")
    channel = text.split("::", 1)[0] if "::" in text else None
    if channel is not None and ms.subdir and channel.endswith("/" + ms.subdir):
        channel = channel[: -len(ms.subdir) - 1]
    return CondaSpec(text, ms.name.normalized, channel, ms.subdir)


# The common plain form (``numpy``, ``numpy=1.26=h1_0``, ``numpy >=1.26``) names
# its package unambiguously: read without loading rattler, as export must not.
_PLAIN = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9_.\-]*)(?:$|[ =<>!~][^\[\]:;&`$\\(){}]*$)")


def spec_name(spec: str) -> str:
    """The package name of a conda match spec such as ``numpy>=1.26`` or ``cf::scipy 1.11``."""
    plain = _PLAIN.match(spec.strip())
    if plain is not None and not _MERGED_ITEM.search(spec):
        return plain.group(1).lower()
    return conda_spec(spec).name


def check_conda_spec(spec: str) -> str:
    """``spec`` as the engines take it; a spec that does not parse is bad input."""
    return conda_spec(spec).text


def spec_name_part(spec: str) -> str:
    """The name as written at the start of ``spec`` (after any ``channel::``)."""
    name = spec_name(spec)
    body = spec.split("::", 1)[-1].lstrip()
    return body[: len(name)]


def applicable_requirements(lines: Iterable[str], env: Mapping[str, str]) -> Iterator[Requirement]:
    """The requirements among a dist's ``lines`` whose marker holds in ``env``.

    A line that does not parse is passed over, as ``pip check`` passes it over.
    """
    for text in lines:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if req.marker is None or req.marker.evaluate(env):
            yield req


def check_pip_requirement(text: str) -> Requirement:
    """Parse a PEP 508 requirement; anything else (shell, paths as names) is bad input."""
    try:
        req = Requirement(text)
    except InvalidRequirement:
        raise CondapipError(f"invalid pip requirement: {text!r}") from None
    if req.url and (_SHELL_META.search(req.url) or req.url.startswith("-")):
        raise CondapipError(f"invalid URL in pip requirement: {text!r}")
    if req.marker is not None and _SHELL_META.search(str(req.marker).replace('"', "")):
        raise CondapipError(f"invalid marker in pip requirement: {text!r}")
    return req
