"""Issue 23's benchmark: ``condapip check`` (a lock, an environment file) beside
``condapip doctor`` on one prefix, since CI runs both on every push.

    python -m bench.check [--n 500] [--repeat 7]

The lock and the environment file are written from the synthetic prefix itself,
so the prefix matches both and ``check`` does the whole comparison: the CI case.
Index dists get a made-up artifact hash (``check`` compares none for them: pip
records no artifact for an index install); the rest are locked as pip recorded them.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bench import harness
from bench.synthetic import build_prefix

if TYPE_CHECKING:
    from condapip.formats.layers import PipArtifact
    from condapip.ledger.dists import Dist

CHECK_LOCK = "condapip check --lock --json"
CHECK_LOCK_COLD = "condapip check --lock --json, cold memo"
CHECK_FILE = "condapip check -f --json"


def write_lock(prefix: Path, out: Path) -> Path:
    """condapip's lock of exactly what ``prefix`` holds, both layers."""
    from condapip.formats.lock import CondaLocked, Lock, PlatformLock, dumps
    from condapip.ledger.history import requested_specs
    from condapip.ledger.platform import prefix_subdir
    from condapip.ledger.prefix import read_prefix

    p = read_prefix(prefix)
    conda = tuple(
        CondaLocked(r.name, r.version, r.build, r.subdir, r.url, r.sha256, r.md5)
        for r in sorted(p.records.values(), key=lambda r: r.name)
    )
    pip = tuple(_artifact(d) for d in sorted(p.pip_dists, key=lambda d: d.key))
    specs = requested_specs(p.history)
    lock = Lock(
        name=None,
        channels=("conda-forge",),
        requested=tuple(specs[n] for n in sorted(specs)),
        platforms={prefix_subdir(p): PlatformLock(conda=conda, pip=pip)},
    )
    out.write_text(dumps(lock))
    return out


def _artifact(dist: Dist) -> PipArtifact:
    from condapip.formats.layers import PipArtifact

    du = dist.direct_url or {}
    if du.get("vcs_info"):
        commit = du["vcs_info"]["commit_id"]
        return PipArtifact(
            dist.key, dist.version, f"{dist.key} @ git+{du['url']}@{commit}", "vcs",
            du["url"], vcs="git", commit=commit,
        )  # fmt: skip
    if du.get("url"):
        sha = du["archive_info"]["hashes"]["sha256"]
        return PipArtifact(
            dist.key, dist.version, f"{dist.key} @ {du['url']}", "url", du["url"], sha
        )
    made_up = hashlib.sha256(f"{dist.key}=={dist.version}".encode()).hexdigest()
    return PipArtifact(
        dist.key, dist.version, f"{dist.key}=={dist.version}", "index", None, made_up
    )


def write_envfile(prefix: Path, out: Path) -> Path:
    """The environment file a user keeps for ``prefix``: its requested conda specs
    pinned to the installed versions, and its requested pip dists."""
    from condapip.ledger.history import requested_specs
    from condapip.ledger.prefix import read_prefix

    p = read_prefix(prefix)
    conda = [f"{n}={p.records[n].version}" for n in sorted(requested_specs(p.history))]
    pip = [
        f"{d.name}=={d.version}" for d in sorted(p.pip_dists, key=lambda d: d.key) if d.requested
    ]
    lines = ["channels:", "  - conda-forge", "dependencies:", *(f"  - {s}" for s in conda)]
    lines += ["  - pip:", *(f"    - {r}" for r in pip)]
    out.write_text("\n".join(lines) + "\n")
    return out


def tools(prefix: Path, folder: Path, cache: Path) -> list[harness.Tool]:
    """``check --lock`` (warm, and with the memo emptied before each run: a new or
    changed lock) and ``check -f``, against files written from ``prefix`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = str(write_lock(prefix, folder / "condapip.lock.yml"))
    yml = str(write_envfile(prefix, folder / "environment.yml"))
    p = str(prefix)
    return [
        harness.Tool(CHECK_LOCK, harness.condapip("check", "--lock", lock, "-p", p, "--json")),
        harness.cold_memo(
            CHECK_LOCK_COLD, harness.condapip("check", "--lock", lock, "-p", p, "--json"), cache
        ),
        harness.Tool(CHECK_FILE, harness.condapip("check", "-f", yml, "-p", p, "--json")),
    ]


def main() -> None:
    from bench.run import DOCTOR  # bench.run lists these tools too: imported when run alone

    args = harness.prefix_args(__doc__)
    prefix = build_prefix(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        doctor = harness.Tool(DOCTOR, harness.condapip("doctor", "-p", str(prefix), "--json"))
        checks = tools(prefix, Path(tmp), Path(tmp) / "cold-cache")
        results = harness.measure([doctor, *checks], args.repeat)
    harness.print_results(f"check, N={args.n}", results)
    base = results[DOCTOR].median_ms
    for label in (CHECK_LOCK, CHECK_LOCK_COLD, CHECK_FILE):
        print(f"{label} / doctor: {harness.ratio(results[label].median_ms, base)} (issue 23: <= 1)")


if __name__ == "__main__":
    main()
