"""One exit code per kind of conda failure, whichever engine met it.

rattler raises typed exceptions; conda, mamba and micromamba name theirs in
their ``--json`` output. Both are sorted into the same kinds here, so the same
failure reads the same and exits the same with ``--engine rattler`` and
``--engine conda``.
"""

from __future__ import annotations

from typing import Literal

from condapip.errors import CondapipError

Kind = Literal["unsatisfiable", "bad-spec", "channel", "install"]

# (what the user reads first, exit code): a solve that cannot be met and an
# install that failed and was rolled back are refused changes (1); a spec or a
# channel that cannot be read is bad input (2).
_KINDS: dict[Kind, tuple[str, int]] = {
    "unsatisfiable": ("the conda solve failed", 1),
    "bad-spec": ("invalid conda spec", 2),
    "channel": ("cannot read channels", 2),
    "install": ("conda install failed", 1),
}

# conda's ``exception_name`` in its --json error output, by kind.
_CONDA_EXCEPTIONS: dict[str, Kind] = {
    "PackagesNotFoundError": "unsatisfiable",
    "ResolvePackageNotFound": "unsatisfiable",
    "UnsatisfiableError": "unsatisfiable",
    "LibMambaUnsatisfiableError": "unsatisfiable",
    "SpecsConfigurationConflictError": "unsatisfiable",
    "InvalidMatchSpec": "bad-spec",
    "InvalidSpec": "bad-spec",
    "InvalidVersionSpec": "bad-spec",
    "CondaHTTPError": "channel",
    "UnavailableInvalidChannel": "channel",
    "ChannelNotAllowed": "channel",
    "ChannelError": "channel",
    "CondaSSLError": "channel",
}


def conda_failed(kind: Kind, detail: str) -> CondapipError:
    """The error to raise for a conda failure of this kind."""
    lead, code = _KINDS[kind]
    return CondapipError(f"{lead}: {detail}", exit_code=code)


def kind_of(exception_name: str | None, *, solving: bool) -> Kind:
    """The kind of a failure an executable reported; unnamed ones by the step that failed."""
    named = _CONDA_EXCEPTIONS.get(exception_name or "")
    if named is not None:
        return named
    return "unsatisfiable" if solving else "install"
