"""Names out of conda specs and pip requirements, validated as data.

A name from a user, a yml or a lock file never reaches a shell, but it does
reach argument lists, file names and Dockerfiles: anything that is not a
plain package name is rejected here, before any work starts.
"""

from __future__ import annotations

import re

from packaging.requirements import InvalidRequirement, Requirement

from condapip.errors import CondapipError

# conda package names: lowercase letters, digits and ._- (conda-build's rule),
# optionally behind "channel::".
_CONDA_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
# "<" and ">" are version operators in both spec languages ("numpy>=2",
# 'python_version < "3.12"'); everything else here only ever means shell.
_SHELL_META = re.compile(r"[;&|`$\\\n\r\"'(){}]")
# A channel or artifact URL never holds these, and each means something to a shell.
URL_UNSAFE = re.compile(r"[;&|`$<>\\\"'(){}]")


def spec_name(spec: str) -> str:
    """The package name of a conda match spec such as ``numpy>=1.26`` or ``cf::scipy 1.11``."""
    s = spec.strip()
    if "::" in s:
        s = s.split("::", 1)[1]
    m = re.match(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*", s)
    if not m:
        raise CondapipError(f"invalid conda spec: {spec!r}")
    return m.group(0).lower()


def check_conda_spec(spec: str) -> str:
    """Reject a conda spec that is not one well-formed MatchSpec."""
    if _SHELL_META.search(spec) or "/" in spec_name_part(spec):
        raise CondapipError(f"invalid package spec: {spec!r}")
    from rattler import MatchSpec

    try:
        ms = MatchSpec(spec)
    except Exception:
        raise CondapipError(f"invalid conda spec: {spec!r}") from None
    if ms.name is None or not _CONDA_NAME.match(ms.name.normalized):
        raise CondapipError(f"invalid conda spec: {spec!r}")
    return spec


def spec_name_part(spec: str) -> str:
    s = spec.split("::", 1)[-1]
    return re.split(r"[\s=<>!~\[]", s, maxsplit=1)[0]


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
