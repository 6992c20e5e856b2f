"""``condapip create --lock FILE``: install exactly a lock, conda first, then pip.

FILE is any lock ``formats.locks.read_any`` reads (condapip's, conda-lock.yml,
pixi.lock, pylock.PLATFORM.toml), whoever wrote it; this machine's platform
is installed.

No solver runs. conda packages come from their locked URLs and must carry the
locked hashes; pip installs with ``--require-hashes --no-deps``. VCS installs
are pinned by commit, the only thing pip can verify for them, so they go in a
second pip call after the hashed artifacts. A failure leaves the prefix as it
was: absent, or an empty folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from condapip.change import journal
from condapip.change.plan import Row
from condapip.change.result import Changed, Plan, conda_versions, pip_versions
from condapip.commands._shared import install_locked_pip, refuse_existing
from condapip.errors import Refused
from condapip.formats.layers import PipArtifact
from condapip.formats.lock import CondaLocked, PlatformLock
from condapip.formats.locks import read_any, section_for
from condapip.support.output import Confirm
from condapip.support.progress import step


def run(
    prefix: Path,
    lockfile: Path,
    *,
    engine: str,
    pip_engine: str | None,
    dry_run: bool,
    confirm: Confirm,
) -> Changed:
    from condapip.ledger.platform import current_subdir

    lock = read_any(lockfile)
    locked = section_for(lock, current_subdir(), lockfile)
    prefix = Path(os.path.realpath(prefix))
    refuse_existing(prefix)
    shown = plan(prefix, lockfile, locked)
    if dry_run:
        return Changed(shown, None)
    confirm(shown, "Proceed?")
    existed = prefix.is_dir()
    try:
        log = journal.Tracker(journal.begin(prefix, "create", f"condapip create --lock {lockfile}"))
        _install(prefix, locked, list(lock.requested), engine, pip_engine, log)
        journal.finish(log.journal)
    except BaseException:
        shutil.rmtree(prefix, ignore_errors=True)
        if existed:  # it was an empty folder: leave it as it was
            prefix.mkdir(parents=True, exist_ok=True)
        raise
    return Changed(shown, f"done: {prefix}")


def plan(prefix: Path, lockfile: Path, locked: PlatformLock) -> Plan:
    """What the lock installs into ``prefix``, in order."""
    rows = [
        Row(c.name, "conda", f"{c.name}-{c.version}-{c.build} ({c.subdir})", c.url)
        for c in locked.conda
    ]
    rows += [Row(a.name, "pip", a.requirement, a.requirement) for a in locked.pip]
    versions = conda_versions((), locked.conda) + pip_versions(
        {}, {a.name: a.version for a in locked.pip}
    )
    return Plan(f"Create {prefix} from {lockfile.name}", rows, versions=versions)


def _install(
    prefix: Path,
    locked: PlatformLock,
    requested: list[str],
    engine_name: str,
    pip_engine_name: str | None,
    log: journal.Tracker,
) -> None:
    from condapip.change import conda_layer
    from condapip.change.engines import conda_engine

    engine = conda_engine(engine_name)
    log.phase("conda")
    with step(f"linking the conda layer ({len(locked.conda)} packages)", spinner=False):
        conda_layer.apply(engine, prefix, [c.solved() for c in locked.conda], requested)
    _check_conda(prefix, locked.conda)
    if locked.pip:
        log.phase("pip")
        with step(f"installing the pip layer ({len(locked.pip)} locked artifact(s))"):
            install_locked_pip(prefix, locked.pip, pip_engine_name)
        _check_pip(prefix, locked.pip)


def _check_conda(prefix: Path, conda: tuple[CondaLocked, ...]) -> None:
    """The installed records must be the locked artifacts, hash for hash."""
    from condapip.ledger.records import read_records

    records = read_records(prefix / "conda-meta")
    for c in conda:
        rec = records.get(c.name)
        if rec is None or (rec.version, rec.build) != (c.version, c.build):
            raise Refused(f"the conda install did not yield {c.name}-{c.version}-{c.build}")
        if c.sha256 and rec.sha256 and rec.sha256 != c.sha256:
            raise Refused(f"sha256 mismatch for {c.url}: locked {c.sha256}, got {rec.sha256}")
        if c.md5 and rec.md5 and rec.md5 != c.md5:
            raise Refused(f"md5 mismatch for {c.url}: locked {c.md5}, got {rec.md5}")
    extra = sorted(set(records) - {c.name for c in conda})
    if extra:
        raise Refused(f"the conda install added packages the lock does not hold: {extra}")


def _check_pip(prefix: Path, pip: tuple[PipArtifact, ...]) -> None:
    from condapip.ledger.prefix import read_prefix

    dists = read_prefix(prefix).dists_by_key
    for a in pip:
        found = dists.get(a.name) or []
        # a source tree uv locked has no version: any version built from it will do
        if not any(d.version == a.version or not a.version for d in found):
            raise Refused(f"pip did not install {a.name} {a.version}".rstrip())
        if a.commit:
            commits = {((d.direct_url or {}).get("vcs_info") or {}).get("commit_id") for d in found}
            if a.commit not in commits:
                raise Refused(f"pip did not install {a.name} at commit {a.commit}")
