"""The pip layer as a requirements file: exact pins, or (``--from-history``) what was asked."""

from __future__ import annotations

from collections.abc import Sequence

from packaging.utils import canonicalize_name

from condapip import __version__
from condapip.formats.layers import Layers, pip_requests
from condapip.ledger.pins import pin
from condapip.ledger.prefix import Prefix
from condapip.support.redact import redact_url


def pip_pins(layers: Layers) -> list[str]:
    return [pin(d).requirement for d in layers.pip]


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
    from condapip.ledger.platform import prefix_marker_environment
    from condapip.ledger.specs import applicable_requirements

    env = prefix_marker_environment(prefix)
    return {
        canonicalize_name(req.name)
        for d in prefix.dists
        for req in applicable_requirements(d.requires, env)
    }


def _redact_requirement(text: str) -> str:
    name, sep, url = text.partition(" @ ")
    if not sep:
        return text
    return f"{name} @ {redact_url(url)[0]}"


def requirements_text(requirements: Sequence[str]) -> str:
    head = f"# pip layer exported by condapip {__version__}; install after the conda layer\n"
    return head + "".join(f"{r}\n" for r in requirements)
