"""Helpers more than one verb needs; a verb never imports another verb."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from condapip.errors import Refused
from condapip.ledger.prefix import Prefix

if TYPE_CHECKING:
    from condapip.doctor.drift import PinnedConda, PinnedPip, WantedPip
    from condapip.formats.layers import PipArtifact
    from condapip.formats.lock import PlatformLock
    from condapip.formats.pip_requirements import PipSection


def refuse_base(prefix: Prefix) -> None:
    from condapip.ledger.locate import is_base

    if is_base(prefix.path, prefix.records):
        raise Refused(
            f"{prefix.path} is conda's base environment: condapip never changes base "
            "(polluting it can break conda itself); create an environment for this work"
        )


def refuse_interrupted(prefix: Path) -> None:
    """An unfinished journal or snapshot: the prefix is half-changed, change nothing more."""
    # imported here: ``check`` (a read verb) uses this module but never a transaction
    from condapip.change import transaction
    from condapip.ledger import journal

    log = journal.pending(prefix)
    snap = transaction.interrupted(prefix)
    if log is not None:
        what = log.command
    elif snap is not None:
        what = snap.command
    else:
        return
    fix = "rebuild" if log is not None and log.verb == "rebuild" else "rollback"
    raise Refused(
        f"an earlier change ({what}) to {prefix} was interrupted: "
        f"run condapip {fix} -p {prefix} (or condapip rebuild -p {prefix}) first"
    )


def refuse_existing(path: Path) -> None:
    refuse_interrupted(path)  # a rebuild's old copy set aside, for one
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise Refused(f"{path} already exists and is not empty: pick a new prefix, or rebuild it")


def command_line(argv: list[str] | None) -> str:
    """The command as the user typed it, for snapshots and journals."""
    import shlex
    import sys

    return shlex.join(["condapip", *(argv if argv is not None else sys.argv[1:])])


def wanted_pip(section: PipSection | None) -> list[WantedPip]:
    """An environment file's pip requirements as ``check`` and ``sync`` judge them: a
    bare VCS URL gets the name it names, a local path is matched by its file URL."""
    from condapip.doctor.drift import WantedPip

    out = []
    for req in section.all_requirements() if section else ():
        if req.path is not None:
            out.append(WantedPip(req.text, None, req.path.as_uri()))
            continue
        text = req.text
        if req.name and "://" in text and " @ " not in text and not text.startswith(req.name):
            text = f"{req.name} @ {text.split('#', 1)[0]}"
        out.append(WantedPip(text, req.name))
    return out


def install_locked_pip(prefix: Path, pip: Sequence[PipArtifact], engine_name: str | None) -> None:
    """A lock's pip entries, verbatim: hashed artifacts with ``--require-hashes
    --no-deps``, then VCS pins (a commit is all pip can verify of them)."""
    from condapip.change.engines import pip_engine
    from condapip.ledger.prefix import interpreter
    from condapip.support.scratch import scratch

    engine = pip_engine(engine_name)
    python = interpreter(prefix)
    hashed = [hashed_line(a) for a in pip if a.sha256]
    unhashed = [a.requirement for a in pip if not a.sha256]
    if hashed:
        with scratch(prefix, "lock") as tmp:
            reqs = tmp / "requirements.txt"
            reqs.write_text("".join(f"{line}\n" for line in hashed))
            engine.install(python, [], require_hashes=True, no_deps=True, requirement_file=reqs)
    if unhashed:
        engine.install(python, unhashed, no_deps=True)


def hashed_line(a: PipArtifact) -> str:
    # An index install stays ``name==version`` so that pip records it as one
    # (no direct_url.json); the hash still pins the exact file.
    base = f"{a.name}=={a.version}" if a.source == "index" else f"{a.name} @ {a.url}"
    return f"{base} --hash=sha256:{a.sha256}"


def pinned(section: PlatformLock) -> tuple[list[PinnedConda], list[PinnedPip]]:
    """A lock's section as the pins drift is judged by (an index artifact's URL is
    not compared: pip records none for it)."""
    from condapip.doctor.drift import PinnedConda, PinnedPip

    conda = [PinnedConda(c.name, c.version, c.build, c.sha256) for c in section.conda]
    pip = [
        PinnedPip(a.name, a.version, a.url if a.source != "index" else None, a.commit)
        for a in section.pip
    ]
    return conda, pip
