"""Which layer each requested package goes to: conda when a channel has it, else pip.

The seed's first rule: install through conda everything a channel has, and
use pip only for what no channel carries. PyPI and conda names differ
(``torch``/``pytorch``), so a name is looked up through the repodata ``purls``
of the candidates first, then through ``condapip.ledger.names``' table.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from packaging.utils import NormalizedName, canonicalize_name

from condapip.errors import CondapipError
from condapip.ledger.names import PYPI_TO_CONDA, pypi_to_conda
from condapip.ledger.specs import check_conda_spec, check_pip_requirement, spec_name, spec_name_part

Layer = Literal["conda", "pip"]


@dataclass(frozen=True)
class Row:
    """One line of the plan: what is installed, by which layer, and why."""

    package: str
    layer: Layer
    why: str
    spec: str  # what the layer's engine is given


@dataclass(frozen=True)
class Request:
    """One SPEC from the command line, validated as data."""

    text: str
    name: str  # the PyPI-normalized name, or the conda name for a conda-only spec
    conda_ok: bool  # a well-formed conda MatchSpec
    pip_ok: bool  # a well-formed PEP 508 requirement
    channel_pinned: bool  # "channel::name": the user chose conda


def parse(specs: Iterable[str]) -> list[Request]:
    """Validate every spec before anything runs; a hostile one is bad input (exit 2)."""
    out = []
    for text in specs:
        text = text.strip()
        conda_error: CondapipError | None = None
        try:
            check_conda_spec(text)
            conda_ok = True
        except CondapipError as exc:
            conda_ok, conda_error = False, exc
        try:
            req = check_pip_requirement(text)
            pip_ok = True
        except CondapipError:
            req, pip_ok = None, False
        if not conda_ok and not pip_ok:
            raise conda_error or CondapipError(f"invalid package spec: {text!r}")
        name = canonicalize_name(req.name) if req is not None else spec_name(text)
        out.append(Request(text, name, conda_ok, pip_ok, conda_ok and "::" in text))
    return out


# name -> the repodata records (as JSON dicts) the channels hold under that name
def route(
    requests: Sequence[Request],
    channels: Sequence[str],
    pip_only: Iterable[str] = (),
) -> list[Row]:
    """One row per request, conda first."""
    forced = {canonicalize_name(n) for n in pip_only}
    for name in pip_only:
        check_pip_requirement(name)
    candidates: dict[str, list[str]] = {}
    for r in requests:
        if r.name not in forced and r.conda_ok and not r.channel_pinned:
            candidates[r.name] = _candidates(r.name)
    wanted = sorted({c for cs in candidates.values() for c in cs})
    found = channel_records(channels, wanted) if wanted else {}
    rows = [_row(r, forced, candidates.get(r.name, []), found) for r in requests]
    return sorted(rows, key=lambda row: row.layer)  # stable: conda rows first


def _candidates(name: str) -> list[str]:
    """Conda names a PyPI project goes by: itself, the table's, and conda-forge's patterns."""
    options = [
        name,
        PYPI_TO_CONDA.get(name, name),
        name.replace("-", "_"),
        name.replace("-", "."),
        f"python-{name}",
        f"{name}-python",
    ]
    return list(dict.fromkeys(options))


def _row(
    r: Request,
    forced: set[NormalizedName],
    candidates: list[str],
    found: Mapping[str, list[dict[str, Any]]],
) -> Row:
    if r.name in forced:
        return _pip_row(r, "--pip-only")
    if r.channel_pinned:
        return Row(spec_name(r.text), "conda", "channel named in the spec", r.text)
    if not r.conda_ok:
        return _pip_row(r, "extras, markers or a URL: pip syntax")
    purl = f"pkg:pypi/{r.name}"
    for cand in candidates:
        if any(purl in _purls(rec) for rec in found.get(cand, ())):
            return _conda_row(r, cand, f"{_where(found[cand])} has it ({purl})")
    mapped = PYPI_TO_CONDA.get(r.name)
    if mapped and found.get(mapped):
        return _conda_row(r, mapped, f"{_where(found[mapped])} has it as {mapped} (PyPI {r.name})")
    same = found.get(r.name) or found.get(spec_name(r.text))
    # A same-named package whose purls name another PyPI project is not this one.
    if same and not any(_purls(rec) for rec in same):
        return _conda_row(r, same[0]["name"], f"{_where(same)} has it")
    if not r.pip_ok:
        return Row(r.name, "conda", "conda spec syntax, though no channel lists it", r.text)
    return _pip_row(r, "in no configured channel")


def _conda_row(r: Request, conda_name: str, why: str) -> Row:
    spec = r.text
    if conda_name != spec_name(spec):
        spec = conda_name + spec[len(spec_name_part(spec)) :]
    return Row(conda_name, "conda", why, spec)


def _pip_row(r: Request, why: str) -> Row:
    if not r.pip_ok:
        raise CondapipError(f"not a pip requirement: {r.text!r}")
    return Row(r.name, "pip", why, r.text)


def _purls(rec: Mapping[str, Any]) -> list[str]:
    # "pkg:pypi/numpy@1.26.4" and "pkg:pypi/numpy" both name the project.
    return [str(p).split("@", 1)[0].lower() for p in rec.get("purls") or ()]


def _where(records: list[dict[str, Any]]) -> str:
    from condapip.ledger.records import channel_name

    return channel_name(str(records[0].get("channel", ""))) or "a channel"


def channel_records(
    channels: Sequence[str], names: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """The repodata records ``channels`` hold for ``names``, for this platform and noarch."""
    import rattler

    from condapip.change.engines.failures import conda_failed
    from condapip.change.engines.rattler import to_channels

    if not channels:
        raise CondapipError("no channels: pass -c CHANNEL or set channels in .condarc")
    sources = to_channels(channels)
    try:
        result = asyncio.run(
            rattler.Gateway().query(
                sources,
                [rattler.Subdir.current(), rattler.Subdir("noarch")],
                list(names),
                recursive=False,
            )
        )
    except CondapipError:
        raise
    except Exception as exc:  # rattler raises its own types for fetch errors
        raise conda_failed("channel", " ".join(str(exc).split())[:300]) from None
    out: dict[str, list[dict[str, Any]]] = {}
    for records in result:
        for rec in records:
            out.setdefault(rec.name.normalized, []).append(json.loads(rec.to_json()))
    return out


def split(rows: Sequence[Row]) -> tuple[list[str], list[str]]:
    """The conda specs and the pip requirements of a plan."""
    return (
        [r.spec for r in rows if r.layer == "conda"],
        [r.spec for r in rows if r.layer == "pip"],
    )


def refuse_both_layers(rows: Sequence[Row], channels: Sequence[str] = ()) -> None:
    """A package asked of both layers would be installed twice, pip's over conda's:
    bad input, refused before anything is solved or written.

    Which PyPI project a conda package is comes from its repodata ``purls`` in
    ``channels``; a package they say nothing about is matched through the
    PyPI-to-conda table, in that direction only (conda's ``graphviz`` is the C
    tool, PyPI's is conda's ``python-graphviz``).
    """
    conda = {r.package: r for r in rows if r.layer == "conda"}
    pip = [r for r in rows if r.layer == "pip"]
    if not conda or not pip:
        return
    projects = _pypi_projects(sorted(conda), channels)
    for row in pip:
        other = _conda_owner(canonicalize_name(row.package), conda, projects)
        if other is not None:
            raise CondapipError(
                f"{row.package} is asked of both layers (conda: {other.why}; pip: {row.why}): "
                "ask for it once, in the layer that should own it"
            )


def _conda_owner(
    project: str, conda: Mapping[str, Row], projects: Mapping[str, set[str]]
) -> Row | None:
    for name, row in conda.items():
        if project in projects.get(name, ()):
            return row
    mapped = conda.get(pypi_to_conda(project))
    return mapped if mapped is not None and mapped.package not in projects else None


def _pypi_projects(names: Sequence[str], channels: Sequence[str]) -> dict[str, set[str]]:
    """conda name -> the PyPI projects its repodata ``purls`` name, where the channels say.

    No channels, or channels that cannot be read (offline): nothing, and the table decides.
    """
    if not channels:
        return {}
    try:
        found = channel_records(channels, names)
    except CondapipError:
        return {}
    out: dict[str, set[str]] = {}
    for name, records in found.items():
        projects = pypi_projects(records)
        if projects:
            out[name] = projects
    return out


def pypi_projects(records: Iterable[Mapping[str, Any]]) -> set[str]:
    """The PyPI projects repodata records' ``purls`` name (none where the channel says none)."""
    purls = {p.removeprefix("pkg:pypi/") for rec in records for p in _purls(rec)}
    return {str(canonicalize_name(p)) for p in purls if "/" not in p}
