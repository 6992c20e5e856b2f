"""The pip layer: last, through the env's own interpreter, never over conda.

Every pip call gets a constraints file pinning each conda-owned Python
distribution to its installed version, so pip can never replace what conda
owns. When pip cannot honour that, the change is refused with the conflict
named: which conda package holds the pin, and which request wants it moved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from condapip.change import pip_resolve
from condapip.change.engines.base import PipEngine
from condapip.change.engines.pip import NotLocal, PipFailed
from condapip.errors import CondapipError, Refused
from condapip.ledger.prefix import Prefix, interpreter, read_prefix
from condapip.support.atomic import write_atomic
from condapip.support.redact import store

# pip's warning, and uv's check: "The package `a` requires `b<2`, but `2.0` is installed"
_UNMET = re.compile(
    r"requires .+, but (?:you have .+ which is incompatible|`.+` is installed)", re.IGNORECASE
)


def requests_path(prefix: Path) -> Path:
    # Not conda-meta/*.json: conda, mamba and rattler read each of those as a record.
    return prefix / "conda-meta" / "condapip" / "requests.json"


def install(
    prefix_path: Path,
    requirements: Sequence[str],
    engine: PipEngine,
    *,
    no_deps: bool = False,
) -> None:
    """Install ``requirements`` with conda's packages held where they are."""
    if not requirements:
        return
    prefix = read_prefix(prefix_path)
    args = pip_resolve.args(requirements)
    pins = pip_resolve.installed_pins(prefix)
    with pip_resolve.pins_file(prefix.path, pins) as cfile:
        try:
            with pip_resolve.no_uv_lock_left(prefix.path):
                said = engine.install(
                    interpreter(prefix.path), args, constraints=cfile, no_deps=no_deps
                )
        except NotLocal:
            raise  # offline, and nothing local has it: said as such, exit 2
        except PipFailed as exc:
            raise pip_resolve.unfit(prefix, pins, requirements, exc) or Refused(str(exc)) from None
    heed(said, engine.name)


def heed(output: str, tool: str) -> None:
    """Warnings a successful pip printed are not noise (the seed's rule).

    pip installs what was asked even when that leaves an installed package's
    requirement unmet, and says so only in a warning: that is a broken
    environment, so the change is refused (and the transaction restores the
    snapshot). Other warnings that mean trouble are passed on.
    """
    from condapip.change.engines.base import notable_lines
    from condapip.support.output import warn

    unmet = [line.strip() for line in output.splitlines() if _UNMET.search(line)]
    if unmet:
        raise Refused(
            f"{tool} left requirements unmet: {'; '.join(u.rstrip('.') for u in unmet)}. "
            "Ask for versions that fit together, or include the package that needs the "
            "old version in the request"
        )
    for line in notable_lines(output):
        warn(f"{tool}: {line}")


def uninstall(prefix_path: Path, names: Sequence[str], engine: PipEngine) -> None:
    if names:
        engine.uninstall(interpreter(prefix_path), list(names))


# --- the user's pip requests, which export reads back ----------------------------


def read_requests(prefix: Path) -> dict[str, str]:
    path = requests_path(prefix)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise CondapipError(f"corrupt {path}: {exc}") from None
    requests = data.get("pip_requests") if isinstance(data, dict) else None
    return dict(requests) if isinstance(requests, dict) else {}


def write_requests(prefix: Path, requests: Mapping[str, str]) -> None:
    """Replace ``pip_requests`` in the requests file, keeping other keys."""
    path = requests_path(prefix)
    path.parent.mkdir(exist_ok=True)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    # kept without credentials: pip finds them again in its config, netrc or keyring
    data["pip_requests"] = {name: store(text) for name, text in sorted(requests.items())}
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def forget_requests(prefix_path: Path, names: Sequence[str]) -> None:
    """Take ``names`` (normalized) out of the recorded requests: they were dropped."""
    requests = read_requests(prefix_path)
    if any(name in requests for name in names):
        write_requests(prefix_path, {k: v for k, v in requests.items() if k not in names})


def record_requests(prefix_path: Path, requirements: Sequence[str]) -> None:
    """Add ``requirements`` to the recorded requests, by the name pip installed them as."""
    if not requirements:
        return
    prefix = read_prefix(prefix_path)
    requests = read_requests(prefix_path)
    for text in requirements:
        # pip's direct_url.json keeps a URL without its userinfo, as condapip keeps it
        name = request_name(text, prefix) or request_name(store(text), prefix)
        if name is not None:
            requests[name] = text
    write_requests(prefix_path, requests)


def request_name(text: str, prefix: Prefix) -> str | None:
    """The normalized name of a request; a bare URL is matched to the dist it installed."""
    try:
        return canonicalize_name(Requirement(text).name)
    except InvalidRequirement:
        pass
    url = text.split("#", 1)[0]
    bare = url.split("+", 1)[-1].rsplit("@", 1)[0] if url.startswith(("git+", "hg+")) else url
    for dist in prefix.dists:
        du = dist.direct_url or {}
        if du.get("url") in (url, bare) or dist.source == url:
            return dist.key
    return None
