"""Decide before touching: the pip layer resolved against the conda layer a change leaves.

pip's own resolver answers (``install --dry-run --report -``, or uv's
``--dry-run``), through the environment's interpreter and the indexes and
find-links the user configured, with the conda layer's Python distributions
as constraints: the versions conda's solve will leave, not the ones on disk
now. A pip layer that cannot stay beside them is refused in seconds, naming
the pip dist, its requirement and the conda package, before anything moves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from condapip.change.engines.base import PipEngine, SolvedPackage
from condapip.change.engines.pip import NOT_FOUND, NotLocal, PipFailed
from condapip.change.engines.pip import run as pip_run
from condapip.errors import CondapipError, Refused
from condapip.ledger.names import PYPI_TO_CONDA
from condapip.ledger.prefix import Prefix, interpreter
from condapip.support.scratch import scratch

_CONDA_TO_PYPI = {conda: pypi for pypi, conda in PYPI_TO_CONDA.items()}
# uv's dry run: " + delta==1.0" for each package it would install
_UV_WOULD = re.compile(r"^\s*\+\s*([A-Za-z0-9._-]+)==(\S+)", re.MULTILINE)


class Unfit(Refused):
    """pip cannot install the requirements beside the conda layer; nothing was touched.

    ``culprits`` are the normalized names of the pip dists that cannot stay.
    """

    def __init__(
        self,
        message: str,
        culprits: Sequence[str],
        detail: str,
        said: str,
        needs: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.culprits = tuple(dict.fromkeys(culprits))
        self.detail = detail  # the conflicts alone, without the advice
        self.said = said  # everything pip said
        self.needs = tuple(dict.fromkeys(needs))  # what pip needs of conda's packages: "beta>=2"


def args(requirements: Sequence[str]) -> list[str]:
    """pip's arguments: an editable pin ("-e URL") and an environment.yml's
    "--index-url URL" are an option and its value; everything else is one
    argument, never split, never shell."""
    out: list[str] = []
    for req in requirements:
        if req.startswith("-"):
            option, _, value = req.partition(" ")
            out += [option, value.strip()]
        else:
            out.append(req)
    return out


def installed_pins(prefix: Prefix) -> dict[str, str]:
    """Each Python distribution conda installed, by normalized name, at its version on disk."""
    return {d.key: d.version for d in prefix.dists if prefix.owners[d.path][0] == "conda"}


def solved_pins(prefix: Prefix, packages: Sequence[SolvedPackage]) -> dict[str, str]:
    """The Python distributions ``packages`` (a conda solve) will leave, by normalized name.

    A package the prefix holds already is known by its record's dist-info; a new
    one by its PyPI name, when its version is one pip can read (a package with
    no Python in it constrains nothing pip is asked for).
    """
    python = {rec.name for rec in prefix.python_records.values()}
    keys = conda_keys(prefix, [p.name for p in packages])
    out: dict[str, str] = {}
    for pkg in packages:
        if pkg.name in prefix.records and pkg.name not in python:
            continue  # installed, and ships no Python distribution
        key = keys[pkg.name]
        if key == "python":
            continue
        try:
            Version(pkg.version)
        except InvalidVersion:
            continue
        out[key] = pkg.version
    return out


@contextmanager
def pins_file(prefix_path: Path, pins: Mapping[str, str]) -> Iterator[Path]:
    # Under the prefix, so that a kill -9 leaves nothing in /tmp; scratch removes
    # it after, so that a refused change leaves the prefix byte-identical.
    with scratch(prefix_path, "pip") as tmp:
        path = tmp / "conda-constraints.txt"
        path.write_text("".join(f"{k}=={v}\n" for k, v in sorted(pins.items())))
        yield path


@contextmanager
def no_uv_lock_left(prefix_path: Path, *, dry: bool = False) -> Iterator[None]:
    """uv leaves an empty lock file in the environment it ran on; a refused change,
    or a dry run, must not leave even that."""
    uv_lock = prefix_path / ".lock"
    had_lock = uv_lock.exists()
    failed = True
    try:
        yield
        failed = False
    finally:
        if (failed or dry) and not had_lock and uv_lock.is_file() and not uv_lock.stat().st_size:
            uv_lock.unlink()


def resolve(
    prefix: Prefix,
    pins: Mapping[str, str],
    requirements: Sequence[str],
    engine: PipEngine,
    *,
    subject: str = "the request",
    name_conflicts: bool = True,
) -> dict[str, str]:
    """What pip would install for ``requirements`` beside conda's ``pins`` (name -> version).

    Changes nothing. A conflict raises ``Unfit`` naming it; ``subject`` says
    whose requirements these are ("the request", "the pip layer").
    """
    from condapip.support.output import warn

    if not requirements:
        return {}
    python = interpreter(prefix.path)
    if not python.is_file():  # a prefix rebuild is to repair: its build is checked instead
        warn(f"{python} is missing: the pip layer is checked as it is laid")
        return {}
    with pins_file(prefix.path, pins) as cfile:
        try:
            with no_uv_lock_left(prefix.path, dry=True):
                return _dry_run(engine, python, args(requirements), cfile)
        except PipFailed as exc:
            if "No module named pip" in exc.output:
                warn("the environment has no pip to ask: the pip layer is checked as it is laid")
                return {}
            if not name_conflicts:  # the caller only asks whether it fits
                raise Unfit(str(exc), (), str(exc), exc.output) from None
            refusal = unfit(prefix, pins, requirements, exc, subject)
            if refusal is not None:  # offline, a missing requirement is said as such
                raise (exc if isinstance(exc, NotLocal) else refusal) from None
    warn("pip could not see conda's versions in its index: the pip layer is checked as it is laid")
    return {}


def _dry_run(engine: PipEngine, python: Path, argv: list[str], cfile: Path) -> dict[str, str]:
    exe = getattr(engine, "exe", None)
    if engine.name == "uv" and isinstance(exe, str):
        cmd = [exe, "pip", "install", "--dry-run", "--python", str(python)]
        said = pip_run([*cmd, "--constraint", str(cfile), *argv], "uv pip install --dry-run")
        return {canonicalize_name(n): v for n, v in _UV_WOULD.findall(said)}
    cmd = [str(python), "-m", "pip", "install", "--dry-run", "--no-input", "--quiet"]
    out = pip_run(
        [*cmd, "--report", "-", "--constraint", str(cfile), *argv], "pip install --dry-run"
    )
    items = json.loads(out).get("install", []) if out.strip() else []
    return {
        canonicalize_name(str(i["metadata"]["name"])): str(i["metadata"]["version"])
        for i in items
        if isinstance(i, dict) and isinstance(i.get("metadata"), dict)
    }


def unfit(
    prefix: Prefix,
    pins: Mapping[str, str],
    requirements: Sequence[str],
    exc: PipFailed,
    subject: str = "the request",
) -> Unfit | None:
    """pip's refusal, with the conda package and the pip dist that disagree named;
    None when pip only missed versions conda brings."""
    found = conflicts(prefix, pins, requirements, subject)
    said = exc.output
    culprits = [who for who, _, _ in found if who is not None]
    missing = [canonicalize_name(a or b) for a, b in NOT_FOUND.findall(said)]
    if not found and missing and set(missing) <= set(pins):
        # Only conda's own versions are missing from the index: conda brings them,
        # pip could not look; this is no conflict, and the change itself is checked.
        return None
    culprits += missing
    if not found:
        return Unfit(str(exc), culprits, str(exc), said)
    detail = "; ".join(text for _, text, _ in found)
    return Unfit(
        detail + ". pip may not replace what conda owns: change it on the conda side "
        "(condapip install with a channel that has the version), or drop the request",
        culprits,
        detail,
        said,
        [need for _, _, need in found],
    )


def conflicts(
    prefix: Prefix, pins: Mapping[str, str], requirements: Sequence[str], subject: str
) -> list[tuple[str | None, str, str]]:
    """(who asks, why, what) for each requirement conda's ``pins`` rule out; who is
    None for the request itself. pip's unconstrained report says who needs what."""
    from condapip.change.engines.pip import PipRunner

    try:
        items = PipRunner().report(interpreter(prefix.path), args(requirements))
    except (CondapipError, ValueError):
        return []
    # Who asks for what: the user's requests first, then each resolved package.
    needs: list[tuple[str | None, str, Requirement]] = []
    for text in requirements:
        req = requirement(text)
        if req is not None:
            needs.append((None, subject, req))
    for item in items:
        meta = item.get("metadata") or {}
        if not isinstance(meta, dict):
            continue
        who = f"{meta.get('name')} {meta.get('version')}"
        for text in meta.get("requires_dist") or ():
            req = requirement(str(text))
            if req is not None and (req.marker is None or _marker_holds(req, item)):
                needs.append((canonicalize_name(str(meta.get("name"))), who, req))
    chosen = {
        canonicalize_name(str(m.get("name"))): str(m.get("version"))
        for m in (i.get("metadata") for i in items)
        if isinstance(m, dict)
    }
    out: dict[str, tuple[str | None, str]] = {}
    for key, who, req in needs:
        name = canonicalize_name(req.name)
        version = pins.get(name)
        if version is None or _admits(req, version):
            continue
        holder = _conda_holder(prefix, name, version, chosen.get(name))
        through = "" if key is None else f" ({who} requires it)"
        need = f"{req.name}{req.specifier}"
        out.setdefault(f"{holder}; {subject} needs {need}{through}", (key, need))
    return [(key, text, need) for text, (key, need) in out.items()]


def requirement(text: str) -> Requirement | None:
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


def _conda_holder(prefix: Prefix, key: str, version: str, wanted: str | None) -> str:
    """``scipy 1.11.4 from conda requires numpy <1.28.0`` when a conda package rules
    out the version pip wanted, else ``numpy 1.26.4 is installed by conda``."""
    import rattler

    from condapip.ledger.names import pypi_to_conda

    conda_name = pypi_to_conda(key)
    if wanted is not None:
        try:
            want = rattler.Version(wanted)
        except Exception:
            want = None
        for rec in sorted(prefix.records.values(), key=lambda r: r.name):
            for dep in rec.depends:
                name, _, rest = dep.partition(" ")
                if name != conda_name or not rest.strip() or want is None:
                    continue
                try:
                    spec = rattler.VersionSpec(rest.split()[0])
                except Exception:
                    continue
                if not spec.matches(want):
                    return f"{rec.name} {rec.version} from conda requires {conda_name} {rest}"
    on_disk = installed_pins(prefix).get(key)
    if on_disk == version:
        return f"{key} {version} is installed by conda"
    return f"{key} {version} is conda's"  # after this change, or by its record


def fit(
    prefix: Prefix, pins: Mapping[str, str], layer: Mapping[str, str], engine: PipEngine
) -> dict[str, str]:
    """``layer`` (name -> exact requirement) as it can stay beside conda's ``pins``.

    A dist whose pinned version cannot stay is moved to a version pip finds
    that fits; when none does, ``Unfit`` names it. Changes nothing.
    """
    try:
        resolve(prefix, pins, list(layer.values()), engine, subject="the pip layer")
        return dict(layer)
    except Unfit as exc:
        first = exc
    if not first.culprits:
        # pip named no conflict (a source gone, say): the dists its errors name
        errors = "\n".join(ln for ln in first.said.splitlines() if "error" in ln.lower())
        first.culprits = tuple(n for n in layer if _mentions(errors, n))
    movable = {n for n in first.culprits if _version_pin(layer.get(n))}
    if not movable:
        raise first
    relaxed = [name if name in movable else req for name, req in layer.items()]
    try:
        chosen = resolve(prefix, pins, relaxed, engine, name_conflicts=False)
    except Unfit:
        raise first from None
    return {
        name: f"{name}=={chosen[name]}" if name in movable and name in chosen else req
        for name, req in layer.items()
    }


def _mentions(text: str, name: str) -> bool:
    """``text`` names the project ``name`` (in any of its spellings) as a word."""
    spelled = "[-_.]".join(re.escape(part) for part in name.split("-"))
    # "omega-1.0-py3-none-any.whl" names omega; "omega-tools" does not
    found = re.search(rf"(?<![\w.-]){spelled}(?!\w|-[A-Za-z])", text, re.IGNORECASE)
    return found is not None


def _version_pin(text: str | None) -> bool:
    """``name==version``: another version may be asked for (a URL or path may not)."""
    req = requirement(text or "")
    return req is not None and req.url is None and str(req.specifier).startswith("==")


def conda_key(prefix: Prefix, conda_name: str) -> str:
    """The normalized Python distribution name of a conda package."""
    return conda_keys(prefix, [conda_name])[conda_name]


def conda_keys(prefix: Prefix, conda_names: Iterable[str]) -> dict[str, str]:
    """Each conda name's Python distribution name: the record's dist-info when the
    prefix holds it, else the PyPI name conda-forge's differs from, else its own."""
    by_record = {rec.name: key for key, rec in prefix.python_records.items()}
    return {n: by_record.get(n) or canonicalize_name(_CONDA_TO_PYPI.get(n, n)) for n in conda_names}
