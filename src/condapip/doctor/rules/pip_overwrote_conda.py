"""pip-overwrote-conda: a conda package whose Python distribution pip replaced.

Three signs, any one enough: the dist-info on disk has another version or
says ``INSTALLER: pip``, or the files the conda record lists are missing or
changed. Files are compared by size (cheap), or by sha256 with ``--verify``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from condapip.doctor.findings import Context, Finding
from condapip.ledger.dists import Dist
from condapip.ledger.records import CondaRecord, relocated

RULE = "pip-overwrote-conda"


def check(ctx: Context) -> list[Finding]:
    prefix = ctx.prefix
    replaced: dict[str, Dist] = {}
    for dist in prefix.dists:
        owner, rec = prefix.owners[dist.path]
        if owner == "pip-over-conda" and rec is not None:
            replaced[rec.name] = dist
    records = {rec.name: rec for rec in prefix.python_records.values()}
    records.update((name, prefix.records[name]) for name in replaced)
    damage = _file_damage(prefix.path, records.values(), ctx.verify)
    findings = []
    for name in sorted(records):
        missing, altered, total = damage[name]
        lost_to = replaced.get(name)
        if lost_to is None and not missing and not altered:
            continue
        findings.append(_finding(ctx, records[name], lost_to, missing, altered, total))
    return findings


def _finding(
    ctx: Context, rec: CondaRecord, dist: Dist | None, missing: int, altered: int, total: int
) -> Finding:
    how = "sha256" if ctx.verify else "size"
    files = f"{missing} of {total} conda files missing, {altered} altered ({how})"
    if dist is None:
        return Finding(
            rule=RULE,
            severity="error",
            package=rec.name,
            message=f"{rec.name} {rec.version} (conda): {files}",
            fix=ctx.rebuild,
        )
    installer = f", INSTALLER {dist.installer}" if dist.installer else ""
    return Finding(
        rule=RULE,
        severity="error",
        package=rec.name,
        message=(
            f"{rec.name} {rec.version} (conda) was replaced by {dist.name} {dist.version} "
            f"({dist.path.name}{installer}); {files}"
        ),
        # one command: rebuild sets pip's copy aside with the old prefix, and stops
        # unchanged, naming the choices, when a pip package needs pip's version
        fix=ctx.rebuild,
    )


# Bytecode is written by the interpreter after install; conda skips it too.
_BYTECODE = (".pyc", ".pyo")


def _file_damage(root: Path, records: Iterable[CondaRecord], verify: bool) -> dict[str, list[int]]:
    """``[missing, altered, checked]`` per record name.

    This loop runs once per conda file of every Python package (tens of
    thousands at N=2000), so it is kept to one ``lstat`` and a few dict reads:
    string concatenation rather than ``os.path.join``, and no ``Path`` unless
    the file is to be hashed.
    """
    base = str(root) + os.sep
    lstat = os.lstat
    counts: dict[str, list[int]] = {}
    to_hash: list[tuple[str, str, str, int]] = []
    for rec in records:
        missing = altered = total = 0
        entries = (rec.raw.get("paths_data") or {}).get("paths")
        if not entries:
            entries = [{"_path": f, "path_type": "unknown"} for f in rec.files]
        roots = rec.noarch_python_roots(entries)
        for entry in entries:
            rel = entry.get("_path", "")
            if roots:
                rel = relocated(rel, roots)
            path_type = entry.get("path_type", "hardlink")
            if (
                not rel
                or path_type == "directory"
                or rel.endswith(_BYTECODE)
                or "__pycache__/" in rel
            ):
                continue
            total += 1
            path = base + rel
            try:
                st = lstat(path)
            except OSError:
                missing += 1
                continue
            if path_type != "hardlink":
                # softlinks and generated entry points: presence is all conda promises
                continue
            if "prefix_placeholder" in entry:
                # rewritten at link time: only the in-prefix hash, if kept, can be compared
                expected = entry.get("sha256_in_prefix")
            else:
                size = entry.get("size_in_bytes")
                if size is not None and st.st_size != size:
                    altered += 1
                    continue
                expected = entry.get("sha256")
            if verify and expected:
                to_hash.append((rec.name, path, expected, st.st_size))
        counts[rec.name] = [missing, altered, total]
    if to_hash:
        from condapip.support.hashing import sha256_files

        digests = sha256_files([t[1] for t in to_hash], [t[3] for t in to_hash])
        for name, path, expected, _ in to_hash:
            if digests[path] != expected:
                counts[name][1] += 1
    return counts
