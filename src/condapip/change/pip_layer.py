"""The pip layer: last, through the env's own interpreter, never over conda.

Every pip call gets a constraints file pinning each conda-owned Python
distribution to its installed version, so pip can never replace what conda
owns. When pip cannot honour that, the change is refused with the conflict
named: which conda package holds the pin, and which request wants it moved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from condapip.change.engines.base import PipEngine
from condapip.change.engines.pip import PipFailed
from condapip.errors import CondapipError, Refused
from condapip.ledger.dists import Dist
from condapip.ledger.prefix import Prefix, interpreter, read_prefix
from condapip.support.atomic import write_atomic
from condapip.support.scratch import scratch

# pip's warning, and uv's check: "The package `a` requires `b<2`, but `2.0` is installed"
_UNMET = re.compile(
    r"requires .+, but (?:you have .+ which is incompatible|`.+` is installed)", re.IGNORECASE
)


def requests_path(prefix: Path) -> Path:
    # Not conda-meta/*.json: conda, mamba and rattler read each of those as a record.
    return prefix / "conda-meta" / "condapip" / "requests.json"


def conda_owned(prefix: Prefix) -> list[Dist]:
    return [d for d in prefix.dists if prefix.owners[d.path][0] == "conda"]


def constraints(prefix: Prefix) -> list[str]:
    """``Name==version`` for every Python distribution conda installed."""
    return sorted(f"{d.name}=={d.version}" for d in conda_owned(prefix))


@contextmanager
def constraints_file(prefix: Prefix) -> Iterator[Path]:
    # Under the prefix, so that a kill -9 leaves nothing in /tmp; scratch removes
    # it after, so that a refused change leaves the prefix byte-identical.
    with scratch(prefix.path, "pip") as tmp:
        path = tmp / "conda-constraints.txt"
        path.write_text("".join(f"{line}\n" for line in constraints(prefix)))
        yield path


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
    args = _args(requirements)
    # uv leaves an empty lock file in the environment it ran on; a refused
    # change must not leave even that.
    uv_lock = prefix.path / ".lock"
    had_lock = uv_lock.exists()
    with constraints_file(prefix) as cfile:
        try:
            said = engine.install(
                interpreter(prefix.path), args, constraints=cfile, no_deps=no_deps
            )
        except PipFailed as exc:
            if not had_lock and uv_lock.is_file() and uv_lock.stat().st_size == 0:
                uv_lock.unlink()
            raise Refused(explain(prefix, requirements, exc)) from None
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


def _args(requirements: Sequence[str]) -> list[str]:
    # An editable pin ("name @ file:///src" flagged editable) is reinstalled with -e,
    # and an environment.yml's "--index-url URL" is an option and its value;
    # everything else is one argument, never split, never shell.
    out: list[str] = []
    for req in requirements:
        if req.startswith("-"):
            option, _, value = req.partition(" ")
            out += [option, value.strip()]
        else:
            out.append(req)
    return out


def explain(prefix: Prefix, requirements: Sequence[str], exc: PipFailed) -> str:
    """Name the conda package and the request that disagree, or say what pip said."""
    conflicts = _conflicts(prefix, requirements)
    if not conflicts:
        return str(exc)
    return "; ".join(conflicts) + (
        ". pip may not replace what conda owns: change it on the conda side "
        "(condapip install with a channel that has the version), or drop the request"
    )


def _conflicts(prefix: Prefix, requirements: Sequence[str]) -> list[str]:
    from condapip.change.engines.pip import PipRunner

    owned = {d.key: d for d in conda_owned(prefix)}
    try:
        items = PipRunner().report(interpreter(prefix.path), _args(requirements))
    except (CondapipError, ValueError):
        return []
    # Who asks for what: the user's requests first, then each resolved package.
    needs: list[tuple[str, Requirement]] = []
    for text in requirements:
        req = _requirement(text)
        if req is not None:
            needs.append(("the request", req))
    for item in items:
        meta = item.get("metadata") or {}
        if not isinstance(meta, dict):
            continue
        who = f"{meta.get('name')} {meta.get('version')}"
        for text in meta.get("requires_dist") or ():
            req = _requirement(str(text))
            if req is not None and (req.marker is None or _marker_holds(req, item)):
                needs.append((who, req))
    chosen = {
        canonicalize_name(str(m.get("name"))): str(m.get("version"))
        for m in (i.get("metadata") for i in items)
        if isinstance(m, dict)
    }
    out = []
    for who, req in needs:
        key = canonicalize_name(req.name)
        dist = owned.get(key)
        if dist is None or _admits(req, dist.version):
            continue
        holder = _conda_holder(prefix, dist, chosen.get(key))
        through = "" if who == "the request" else f" ({who} requires it)"
        out.append(f"{holder}; the request needs {req.name}{req.specifier}{through}")
    return list(dict.fromkeys(out))


def _requirement(text: str) -> Requirement | None:
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


def _marker_holds(req: Requirement, item: Mapping[str, object]) -> bool:
    assert req.marker is not None
    extras = item.get("requested_extras") or []
    envs = [{"extra": str(e)} for e in extras] if isinstance(extras, list) else []
    try:
        return any(req.marker.evaluate(env) for env in envs or [{"extra": ""}])
    except Exception:
        return True


def _admits(req: Requirement, version: str) -> bool:
    try:
        return req.specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return True


def _conda_holder(prefix: Prefix, dist: Dist, wanted: str | None) -> str:
    """``scipy 1.11.4 from conda requires numpy <1.28.0`` when a conda package rules
    out the version pip wanted, else ``numpy 1.26.4 is installed by conda``."""
    import rattler

    from condapip.ledger.names import pypi_to_conda

    conda_name = pypi_to_conda(dist.key)
    if wanted is not None:
        try:
            version = rattler.Version(wanted)
        except Exception:
            version = None
        for rec in sorted(prefix.records.values(), key=lambda r: r.name):
            for dep in rec.depends:
                name, _, rest = dep.partition(" ")
                if name != conda_name or not rest.strip() or version is None:
                    continue
                try:
                    spec = rattler.VersionSpec(rest.split()[0])
                except Exception:
                    continue
                if not spec.matches(version):
                    return f"{rec.name} {rec.version} from conda requires {conda_name} {rest}"
    return f"{dist.name} {dist.version} is installed by conda"


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
    data["pip_requests"] = dict(sorted(requests.items()))
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def record_requests(prefix_path: Path, requirements: Sequence[str]) -> None:
    """Add ``requirements`` to the recorded requests, by the name pip installed them as."""
    if not requirements:
        return
    prefix = read_prefix(prefix_path)
    requests = read_requests(prefix_path)
    for text in requirements:
        name = request_name(text, prefix)
        if name is not None:
            requests[name] = text
    write_requests(prefix_path, requests)


def request_name(text: str, prefix: Prefix) -> str | None:
    """The normalized name of a request; a bare URL is matched to the dist it installed."""
    req = _requirement(text)
    if req is not None:
        return canonicalize_name(req.name)
    url = text.split("#", 1)[0]
    bare = url.split("+", 1)[-1].rsplit("@", 1)[0] if url.startswith(("git+", "hg+")) else url
    for dist in prefix.dists:
        du = dist.direct_url or {}
        if du.get("url") in (url, bare) or dist.source == url:
            return dist.key
    return None
