"""``condapip list``: both ledgers, honest about who owns what."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.ledger.prefix import Package, read_prefix
from condapip.support.output import Block, columns


@dataclass(frozen=True)
class Listing:
    """Every package of one prefix, both ledgers."""

    path: Path
    packages: list[Package]
    warnings: Sequence[str] = ()
    exit_code: int = 0

    def blocks(self) -> Iterator[Block]:
        yield f"# packages in environment at {self.path}:\n#"
        header = ["Name", "Version", "Build", "Channel", "Owner"]
        yield columns([as_row(p) for p in self.packages], header)

    def as_json(self) -> list[dict[str, Any]]:
        return [as_json(p) for p in self.packages]


def run(*, name: str | None = None, prefix: str | None = None) -> Listing:
    """The whole verb, as typer and the fast path in ``__main__`` both call it."""
    from condapip.ledger.locate import resolve

    p = read_prefix(resolve(name, prefix))
    return Listing(p.path, p.packages())


def as_json(pkg: Package) -> dict[str, Any]:
    dist = pkg.dist
    out: dict[str, Any] = {
        "name": pkg.name,
        "version": pkg.version,
        "build": build(pkg),
        "channel": pkg.channel,
        "owner": pkg.owner,
        "installer": pkg.installer,
    }
    if dist is not None:
        out["dist_name"] = dist.name
        out["dist_version"] = dist.version
        out["dist_info"] = dist.path.name
        if pkg.owner != "conda":
            out["source"] = dist.source
        vcs = (dist.direct_url or {}).get("vcs_info")
        if vcs:
            out["vcs_commit"] = vcs.get("commit_id")
        if (dist.direct_url or {}).get("dir_info", {}).get("editable"):
            out["editable"] = True
    if pkg.record is not None:
        out["conda_version"] = pkg.record.version
        out["conda_build"] = pkg.record.build
    return out


def as_row(pkg: Package) -> list[str]:
    return [pkg.name, pkg.version, build(pkg), pkg.channel, pkg.owner]


def build(pkg: Package) -> str:
    """conda list's build column: ``pypi_0`` for what pip installed, as conda shows it."""
    if pkg.owner == "conda" or (pkg.owner == "unknown" and pkg.record is not None):
        return pkg.build
    return "pypi_0"
