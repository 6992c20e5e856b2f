"""``lock -f FILE --check LOCK``: does the lock still satisfy the file, on each platform?

Not an input hash (conda-lock's own code calls its hash flawed, conda-lock#432):
each conda spec of the file must match a locked conda record (rattler's
MatchSpec), each pip requirement that applies on the platform must be met by a
locked pip dist or a conda Python dist (packaging), and the lock's channels
must be the file's. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from condapip.formats import envfile
from condapip.formats.lock import CondaLocked, Lock, PlatformLock


@dataclass(frozen=True)
class Unmet:
    platform: str
    spec: str
    why: str

    def line(self) -> str:
        return f"{self.platform}: {self.spec}: {self.why}"


def check(file: Path, lock: Lock) -> list[Unmet]:
    out: list[Unmet] = []
    for plat, body in sorted(lock.platforms.items()):
        spec = envfile.load(file, platform=plat)
        if lock.channels and not _same_channels(file, spec.channels, lock.channels):
            out.append(Unmet(plat, "channels", f"the lock has {', '.join(lock.channels)}"))
        out += _conda(plat, spec.conda, body.conda)
        if spec.pip_section:
            out += _pip(plat, spec, body)
    return out


def _same_channels(file: Path, wanted: tuple[str, ...], locked: tuple[str, ...]) -> bool:
    """The file's channels, picked as ``lock -f`` picks them, are the lock's."""
    from condapip.ledger.channels import for_verb, resolve
    from condapip.support.redact import redact_url

    mine = for_verb(file=wanted, file_path=file)
    theirs = [c.url for c in resolve(locked)]
    return [redact_url(u)[0].rstrip("/") for u in mine] == [
        redact_url(u)[0].rstrip("/") for u in theirs
    ]


def _conda(plat: str, specs: tuple[str, ...], locked: tuple[CondaLocked, ...]) -> Iterator[Unmet]:
    from rattler import BuildString, MatchSpec, PackageRecord

    from condapip.ledger.channels import spec_channel

    records = {
        c.name: PackageRecord(c.name, c.version, BuildString(c.build), 0, c.subdir) for c in locked
    }
    for text in specs:
        bare, _channel = spec_channel(text)
        ms = MatchSpec(bare, strict=False)
        name = ms.name.normalized if ms.name else ""
        rec = records.get(name)
        if rec is None:
            yield Unmet(plat, text, "not in the lock")
        elif not ms.matches(rec):
            yield Unmet(plat, text, f"the lock has {name} {rec.version} {rec.build}")


def _pip(plat: str, spec: envfile.EnvSpec, body: PlatformLock) -> Iterator[Unmet]:
    from condapip.ledger.names import conda_to_pypi
    from condapip.ledger.platform import marker_environment

    assert spec.pip_section is not None
    python = next((c.version for c in body.conda if c.name == "python"), "3")
    env = marker_environment(".".join(python.split(".")[:2]), plat)
    have = {conda_to_pypi(c.name): c.version for c in body.conda}
    have.update({canonicalize_name(a.name): a.version for a in body.pip})
    for req in spec.pip_section.all_requirements():
        if req.name is None:
            yield Unmet(plat, req.text, "names no project, so no lock can be checked against it")
            continue
        parsed = _parsed(req.text)
        if parsed is not None and parsed.marker is not None and not parsed.marker.evaluate(env):
            continue
        version = have.get(req.name)
        if version is None:
            yield Unmet(plat, req.text, "not in the lock")
        elif parsed is not None and not parsed.specifier.contains(version, prereleases=True):
            yield Unmet(plat, req.text, f"the lock has {req.name} {version}")


def _parsed(text: str) -> Requirement | None:
    """The requirement, or None for a URL or path: its name is what a lock is checked by."""
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None
