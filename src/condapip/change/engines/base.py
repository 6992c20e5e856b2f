"""The small interfaces every engine implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class SolvedPackage:
    """One package of a solution, enough to install it again exactly."""

    name: str
    version: str
    build: str
    channel: str
    subdir: str
    url: str
    sha256: str | None
    md5: str | None

    @property
    def dist_str(self) -> str:
        return f"{self.name}-{self.version}-{self.build}"


@dataclass(frozen=True)
class CondaChange:
    """What a conda transaction did or would do, as ``channel::dist`` strings."""

    added: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.added and not self.removed


def channel_and_subdir(url: str) -> tuple[str, str]:
    """A conda package URL is ``CHANNEL/SUBDIR/FILE``: its channel and subdir."""
    channel, _, subdir = url.rpartition("/")[0].rpartition("/")
    return channel, subdir


class CondaEngine(Protocol):
    name: str

    def solve(
        self, prefix: Path, channels: Sequence[str], specs: Sequence[str]
    ) -> list[SolvedPackage]:
        """The full package set ``prefix`` would hold after asking for ``specs``."""
        ...

    def install(self, prefix: Path, packages: Sequence[SolvedPackage]) -> CondaChange:
        """Make ``prefix`` hold exactly ``packages`` (creating it if needed)."""
        ...


class PipEngine(Protocol):
    name: str

    def install(
        self,
        python: Path,
        requirements: Sequence[str],
        *,
        constraints: Path | None = None,
        no_deps: bool = False,
        require_hashes: bool = False,
        requirement_file: Path | None = None,
    ) -> str:
        """Install; returns what the tool said, for the warnings a success may carry."""
        ...

    def uninstall(self, python: Path, names: Sequence[str]) -> None: ...

    def report(
        self,
        python: Path,
        requirements: Sequence[str],
        *,
        no_deps: bool = False,
    ) -> list[dict[str, object]]:
        """pip's ``--dry-run --report`` install items for ``requirements``."""
        ...


def notable_lines(output: str) -> list[str]:
    """The lines of a tool's output that mean trouble although it succeeded
    ("pinned specs were ignored", pip's unchecked dependency conflicts, ...)."""
    from condapip.doctor.rules.install_log_warning import KNOWN_WARNINGS

    return [
        line.strip()
        for line in output.splitlines()
        if any(pattern.search(line) for pattern, _, _ in KNOWN_WARNINGS)
    ]


def with_spec_channels(
    channels: Sequence[str], specs: Sequence[str]
) -> tuple[list[str], list[str]]:
    """Specs whose ``channel::`` names a URL, and the channels with those added.

    conda searches a spec's own channel even when no ``-c`` names it.
    """
    from condapip.ledger.channels import spec_channel

    out_specs: list[str] = []
    extra: list[str] = []
    for spec in specs:
        text, channel_url = spec_channel(spec)
        out_specs.append(text)
        if channel_url is not None:
            extra.append(channel_url)
    return [*channels, *extra], out_specs
