"""broken-requirement: a requirement not met, in either world.

pip's side: each ``Requires-Dist`` whose marker holds for the prefix's own
interpreter must be met by a dist on disk. conda's side: each ``depends``
entry must be met by an installed record, matched with rattler's MatchSpec.
Where pip replaced a conda package, what is on disk counts, not the record.

The findings are a pure function of the two ledgers' names, versions and
requirements, and loading rattler costs more than the whole check, so they are
memoized (``condapip.support.memo``) under a hash of exactly what the check reads.
A cold run, or any change to those inputs, runs the check itself.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from condapip.doctor import findings as _findings
from condapip.doctor.findings import Context, Finding
from condapip.ledger import dists as _dists
from condapip.ledger import names as _names
from condapip.ledger import platform as _platform
from condapip.ledger import prefix as _prefix
from condapip.ledger import records as _records
from condapip.ledger.dists import Dist
from condapip.ledger.prefix import interpreter
from condapip.ledger.records import CondaRecord
from condapip.support import memo

if TYPE_CHECKING:
    from packaging.requirements import Requirement

RULE = "broken-requirement"
# The code behind the answer: a change to any of these modules is a new memo key.
_CODE = [
    __file__,
    _findings.__file__,
    _names.__file__,
    _platform.__file__,
    _prefix.__file__,
    _dists.__file__,
    _records.__file__,
]


def check(ctx: Context) -> list[Finding]:
    on_disk = _on_disk(ctx)
    code = memo.code(_CODE, {"py-rattler": "rattler", "packaging": "packaging"})
    if code is None:
        return _pip_side(ctx) + _conda_side(ctx, on_disk)
    digest = memo.key(code, _inputs(ctx, on_disk))
    slot = memo.slot(RULE, str(ctx.prefix.path))
    remembered = memo.recall(slot, digest)
    if remembered is not memo.MISS:
        try:
            return [Finding(**f) for f in remembered]
        except TypeError:
            pass  # not what this code writes: compute afresh
    findings = _pip_side(ctx) + _conda_side(ctx, on_disk)
    memo.remember(slot, digest, [f.as_json() for f in findings])
    return findings


def _inputs(ctx: Context, on_disk: dict[str, _OnDisk | None]) -> dict[str, object]:
    """Everything the check reads, for the memo's key."""
    prefix = ctx.prefix
    world = ctx.world
    return {
        "prefix": str(prefix.path),
        "python": str(interpreter(prefix.path)),
        # What ctx.marker_env is made of (condapip.channel_build.build.marker_environment and
        # packaging's default_environment), without importing either on a hit.
        "interpreter": [
            prefix.python_version,
            sys.version,
            sys.implementation.name,
            list(sys.implementation.version),
            os.name,
            sys.platform,
            list(_uname()),
        ],
        "records": [
            [r.name, r.version, r.build, r.build_number, r.subdir, r.depends]
            for _, r in sorted(prefix.records.items())
        ],
        "dists": [
            [str(d.path), d.name, d.key, d.version, world[d.path], d.requires] for d in prefix.dists
        ],
        "on_disk": {
            name: None if o is None else [o.version, o.world, o.dist.name if o.dist else None]
            for name, o in on_disk.items()
        },
    }


def _uname() -> tuple[str, ...]:
    if hasattr(os, "uname"):
        return tuple(os.uname())
    import platform

    return tuple(platform.uname())


def _pip_side(ctx: Context) -> list[Finding]:
    from packaging.requirements import InvalidRequirement, Requirement

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
    from packaging.utils import canonicalize_name

    from condapip.ledger.names import pypi_to_conda

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
    from packaging.version import InvalidVersion

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


def _conda_side(ctx: Context, on_disk: dict[str, _OnDisk | None]) -> list[Finding]:
    records = ctx.prefix.records
    if not any(rec.depends for rec in records.values()):
        return []
    import rattler

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
                findings.append(_conda_finding(ctx, rec, dep, "none"))
                continue
            dep_on_disk = on_disk.get(name)
            if dep_on_disk is None:
                findings.append(_conda_finding(ctx, rec, dep, f"none on disk (pip removed {name})"))
                continue
            if name not in package_records:
                package_records[name] = _package_record(dep_on_disk)
            candidate = package_records[name]
            if candidate is not None and not spec.matches(candidate):
                found = f"{name} {dep_on_disk.version} ({dep_on_disk.world})"
                findings.append(_conda_finding(ctx, rec, dep, found))
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


def _conda_finding(ctx: Context, rec: CondaRecord, dep: str, found: str) -> Finding:
    # rebuild puts conda's version back in place of pip's copy, in one command
    return Finding(
        rule=RULE,
        severity="error",
        package=rec.name,
        message=f"{rec.name} {rec.version} (conda) requires {dep}, found {found}",
        fix=ctx.rebuild,
    )
