"""broken-requirement: a requirement not met, in either world.

pip's side: each ``Requires-Dist`` whose marker holds for the prefix's own
interpreter must be met by a dist on disk. conda's side: each ``depends``
entry must be met by an installed record, matched with rattler's MatchSpec.
Where pip replaced a conda package, what is on disk counts, not the record.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion

from condapip.doctor import Context, Finding
from condapip.names import pypi_to_conda
from condapip.prefix import CondaRecord, Dist

RULE = "broken-requirement"


def check(ctx: Context) -> list[Finding]:
    return _pip_side(ctx) + _conda_side(ctx)


def _pip_side(ctx: Context) -> list[Finding]:
    prefix = ctx.prefix
    env = ctx.marker_env
    findings = []
    for dist in sorted(prefix.dists, key=lambda d: d.key):
        # What conda installed answers to its record's depends (checked below):
        # conda's metadata, not the wheel's, is the contract there, and the two
        # differ by design (e.g. conda-forge's `pytorch` against PyPI's `torch`).
        if ctx.world[dist.path] == "conda":
            continue
        for text in dist.requires:
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if req.marker is not None and not req.marker.evaluate(env):
                continue
            found = _pip_found(ctx, req)
            if found is not None:
                findings.append(_pip_finding(ctx, dist, req, found))
    return findings


def _pip_found(ctx: Context, req: Requirement) -> str | None:
    """None when met; else what was found, for the message."""
    key = canonicalize_name(req.name)
    dists = ctx.prefix.dists_by_key.get(key)
    if dists:
        if any(_satisfies(req, d.version) for d in dists):
            return None
        d = dists[0]
        return f"{d.name} {d.version} ({ctx.world[d.path]})"
    # A conda package may ship a Python module without any dist-info.
    rec = ctx.prefix.records.get(pypi_to_conda(key))
    if rec is None:
        return "none"
    if _satisfies(req, rec.version):
        return None
    return f"{rec.name} {rec.version} (conda)"


def _satisfies(req: Requirement, version: str) -> bool:
    if req.url or not req.specifier:
        return True
    try:
        return req.specifier.contains(version, prereleases=True)
    except InvalidVersion:
        return True  # a legacy version cannot be compared; pip check skips it too


def _pip_finding(ctx: Context, dist: Dist, req: Requirement, found: str) -> Finding:
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    wanted = f"{req.name}{extras}{req.specifier}"
    return Finding(
        rule=RULE,
        severity="error",
        package=dist.key,
        message=f"{dist.name} {dist.version} ({ctx.world[dist.path]}) requires {wanted}, "
        f"found {found}",
        fix=f"condapip install -p {ctx.quoted_prefix} {shlex.quote(wanted)}",
    )


@dataclass(frozen=True)
class _OnDisk:
    """A conda package as it really is: its record, or pip's copy over it."""

    record: CondaRecord
    version: str
    world: str
    dist: Dist | None


def _conda_side(ctx: Context) -> list[Finding]:
    records = ctx.prefix.records
    if not any(rec.depends for rec in records.values()):
        return []
    import rattler

    on_disk = _on_disk(ctx)
    specs: dict[str, Any] = {}
    package_records: dict[str, Any] = {}
    findings = []
    for rec in sorted(records.values(), key=lambda r: r.name):
        me = on_disk.get(rec.name)
        if me is None or me.world != "conda":
            continue  # replaced or removed by pip: its depends no longer describe it
        for dep in rec.depends:
            spec = specs.get(dep)
            if spec is None:
                try:
                    spec = specs[dep] = rattler.MatchSpec(dep)
                except Exception:
                    continue  # not ours to judge: conda itself could not read it
            name = spec.name.normalized
            if name.startswith("__"):
                continue  # virtual packages describe the machine, not the prefix
            if name not in records:
                findings.append(_conda_finding(ctx, rec, dep, "none", None))
                continue
            dep_on_disk = on_disk.get(name)
            if dep_on_disk is None:
                findings.append(
                    _conda_finding(ctx, rec, dep, f"none on disk (pip removed {name})", None)
                )
                continue
            if name not in package_records:
                package_records[name] = _package_record(dep_on_disk)
            candidate = package_records[name]
            if candidate is not None and not spec.matches(candidate):
                found = f"{name} {dep_on_disk.version} ({dep_on_disk.world})"
                findings.append(_conda_finding(ctx, rec, dep, found, dep_on_disk))
    return findings


def _on_disk(ctx: Context) -> dict[str, _OnDisk | None]:
    prefix = ctx.prefix
    out: dict[str, _OnDisk | None] = {
        name: _OnDisk(rec, rec.version, "conda", None) for name, rec in prefix.records.items()
    }
    for key, rec in prefix.python_records.items():
        dists = prefix.dists_by_key.get(key)
        if not dists:
            out[rec.name] = None
            continue
        for dist in dists:
            owner, owner_rec = prefix.owners[dist.path]
            if owner == "pip-over-conda" and owner_rec is rec:
                out[rec.name] = _OnDisk(rec, dist.version, "pip", dist)
    return out


def _package_record(on_disk: _OnDisk) -> Any:
    import rattler

    rec = on_disk.record
    try:
        return rattler.PackageRecord(
            rec.name,
            on_disk.version,
            rattler.BuildString(rec.build),
            rec.build_number,
            rec.subdir or "noarch",
        )
    except Exception:
        return None  # pip's version is not one conda can read: nothing to compare


def _conda_finding(
    ctx: Context, rec: CondaRecord, dep: str, found: str, dep_on_disk: _OnDisk | None
) -> Finding:
    if dep_on_disk is not None and dep_on_disk.dist is not None:
        fix = f"{ctx.pip('uninstall', '-y', dep_on_disk.dist.name)} && {ctx.rebuild}"
    else:
        fix = ctx.rebuild
    return Finding(
        rule=RULE,
        severity="error",
        package=rec.name,
        message=f"{rec.name} {rec.version} (conda) requires {dep}, found {found}",
        fix=fix,
    )
