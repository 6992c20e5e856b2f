"""cuda-mismatch: a pip CUDA framework that disagrees with conda's CUDA or the driver.

A pip torch brings its own CUDA runtime; conda's ``cudatoolkit`` brings
another. When their major versions differ, or the driver is older than the
framework's CUDA, ``torch.cuda.is_available()`` is False although everything
looks installed. Pure metadata: no GPU and no import needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from condapip.doctor.findings import Context, Finding
from condapip.ledger.dists import Dist
from condapip.ledger.records import CondaRecord

RULE = "cuda-mismatch"

_FRAMEWORKS = frozenset({"torch", "jax", "jaxlib", "tensorflow", "tensorflow-gpu", "cupy"})
# Frameworks whose dist name carries the CUDA major: cupy-cuda12x, jax-cuda12-plugin.
_NAMED = re.compile(r"^(?:cupy|jax)-cuda(\d+)")
# Local version labels: torch's +cu121 (12.1), jaxlib's +cuda12.cudnn89 (12).
_LOCAL_CU = re.compile(r"^cu(\d{2,3})(?:\.|$)")
_LOCAL_CUDA = re.compile(r"^cuda(\d{1,3})(?:\.|$)")
_NVIDIA = re.compile(r"^nvidia-.+-cu(\d+)$")
# The conda records that say which CUDA the conda layer was built for, most precise first.
_CONDA_CUDA = ("cuda-version", "cudatoolkit", "cuda-runtime", "cuda-cudart")
_TORCH_INDEX = "https://download.pytorch.org/whl/cu{}"


@dataclass(frozen=True)
class _Need:
    major: int
    evidence: str


def check(ctx: Context) -> list[Finding]:
    needs = [
        (dist, need)
        for dist in sorted(ctx.prefix.dists, key=lambda d: d.key)
        if ctx.installed_by_pip(dist)
        and (dist.key in _FRAMEWORKS or _NAMED.match(dist.key))
        and (need := _pip_cuda(ctx, dist)) is not None
    ]
    if not needs:
        return []
    conda = _conda_cuda(ctx.prefix.records)
    driver = _driver_cuda()
    findings = []
    for dist, need in needs:
        if conda is not None and _major(conda.version) not in (None, need.major):
            findings.append(_conda_finding(ctx, dist, need, conda))
        if driver is not None and driver[0] < need.major:
            findings.append(_driver_finding(ctx, dist, need, driver))
    return findings


def _pip_cuda(ctx: Context, dist: Dist) -> _Need | None:
    named = _NAMED.match(dist.key)
    if named:
        return _Need(int(named.group(1)), f"its name {dist.name}")
    try:
        local = Version(dist.version).local or ""
    except InvalidVersion:
        local = ""
    if m := _LOCAL_CU.match(local):
        # +cu121 is 12.1, +cu92 is 9.2: the last digit is the minor version
        return _Need(int(m.group(1)[:-1]), f"+{local}")
    if m := _LOCAL_CUDA.match(local):
        digits = m.group(1)
        return _Need(int(digits if len(digits) <= 2 else digits[:-1]), f"+{local}")
    # Only a CUDA framework's dist gets here; importing packaging's requirement
    # parser costs every doctor run ~15 ms, so it waits until then.
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    for text in dist.requires:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        m = _NVIDIA.match(canonicalize_name(req.name))
        if m is None:
            continue
        # Extras taken (tensorflow[and-cuda]) are not recorded: an nvidia dist on disk says so.
        taken = req.marker is None or req.marker.evaluate(ctx.marker_env)
        if taken or canonicalize_name(req.name) in ctx.prefix.dists_by_key:
            return _Need(int(m.group(1)), f"requires {req.name}")
    return None


def _conda_cuda(records: dict[str, CondaRecord]) -> CondaRecord | None:
    for name in _CONDA_CUDA:
        if name in records:
            return records[name]
    return None


def _major(version: str) -> int | None:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _driver_cuda() -> tuple[int, ...] | None:
    """The CUDA version the driver supports, as conda sees it (``__cuda``); None without one."""
    from condapip.ledger.platform import host_virtual_versions

    version = host_virtual_versions().get("__cuda")
    if version is None:
        return None
    parts = version.split(".")
    return tuple(int(p) for p in parts if p.isdigit()) if parts[0].isdigit() else None


def _conda_finding(ctx: Context, dist: Dist, need: _Need, conda: CondaRecord) -> Finding:
    major = _major(conda.version)
    if dist.key == "torch":
        minor = (conda.version.split(".") + ["0"])[1]
        fix = _torch_reinstall(ctx, dist, f"{major}{minor}")
    else:
        fix = f"condapip install -p {ctx.quoted_prefix} 'cuda-version={need.major}.*'"
    return _error(
        dist,
        f"is built for CUDA {need.major} ({need.evidence}), "
        f"but conda has {conda.name} {conda.version} (CUDA {major})",
        fix,
    )


def _driver_finding(ctx: Context, dist: Dist, need: _Need, driver: tuple[int, ...]) -> Finding:
    shown = ".".join(str(p) for p in driver)
    if dist.key == "torch" and len(driver) >= 2:
        fix = _torch_reinstall(ctx, dist, f"{driver[0]}{driver[1]}")
    else:
        fix = f"update the NVIDIA driver to one that supports CUDA {need.major}"
    problem = f"needs CUDA {need.major} ({need.evidence}), but the driver supports CUDA {shown}"
    return _error(dist, problem, fix)


def _error(dist: Dist, problem: str, fix: str) -> Finding:
    """A finding about the pip package ``dist``: its name and version, then ``problem``."""
    return Finding(
        rule=RULE,
        severity="error",
        package=dist.key,
        message=f"{dist.name} {dist.version} (pip) {problem}",
        fix=fix,
    )


def _torch_reinstall(ctx: Context, dist: Dist, cu: str) -> str:
    try:
        base = Version(dist.version).base_version
    except InvalidVersion:
        base = dist.version
    return ctx.pip(
        "install",
        "--force-reinstall",
        "--no-deps",
        f"torch=={base}",
        "--index-url",
        _TORCH_INDEX.format(cu),
    )
