"""What ``sync --lock LOCK`` will do: make the prefix exactly the lock's section for
this platform, judged by the same drift ``check --lock`` reports.

The conda layer is installed from the locked URLs (hashed before linking, as
``create --lock``); pip's own dists that the lock does not hold, or holds at
another version or commit, are removed, and the missing ones installed with
``--require-hashes --no-deps``. A prefix that matches the lock has nothing to do.
"""

from __future__ import annotations

from pathlib import Path

from condapip.change.plan import Row
from condapip.change.result import Version, conda_versions
from condapip.commands._shared import pinned
from condapip.commands.sync_plan import Work
from condapip.doctor.drift import Drift, against_lock
from condapip.ledger.prefix import Prefix


def work_for_lock(found: Prefix, lock_file: Path) -> Work:
    from condapip.formats.locks import read_any, section_for
    from condapip.ledger.platform import prefix_subdir

    lock = read_any(lock_file)
    section = section_for(lock, prefix_subdir(found), lock_file)  # the section check judges
    drifts = against_lock(found, *pinned(section))
    work = Work(rows=[Row(d.name, d.layer, f"{d.kind}: {d.found}", d.wanted) for d in drifts])
    if any(d.layer == "conda" or d.name in found.records for d in drifts):
        work.solution = [c.solved() for c in section.conda]
        work.specs = list(lock.requested)
        work.versions += conda_versions(found.records.values(), work.solution)
    pip_keys = {d.key for d in found.pip_dists if found.owners[d.path][0] == "pip"}
    off = {d.name for d in drifts if d.layer == "pip" or d.kind == "extra"}
    work.remove_pip = sorted(pip_keys & off)
    redo = {d.name for d in drifts if d.layer == "pip" and d.kind != "extra"}
    work.locked_pip = [a for a in section.pip if a.name in redo]
    work.versions += _pip_versions(found, work, drifts)
    return work


def _pip_versions(found: Prefix, work: Work, drifts: list[Drift]) -> list[Version]:
    before = {d.key: d.version for d in found.pip_dists if d.key in work.remove_pip}
    after = {a.name: a.version for a in work.locked_pip}
    return [
        Version(name, "pip", before.get(name), after.get(name))
        for name in sorted({*before, *after})
        if before.get(name) != after.get(name) or name in {d.name for d in drifts}
    ]
