"""The embedded conda engine: py-rattler solves and installs, no conda needed."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from condapip.engines.base import CondaChange, SolvedPackage
from condapip.errors import CondapipError, Refused


def to_channel(channel: str) -> Any:
    """A channel name, URL or local folder as rattler's Channel."""
    from rattler import Channel

    if channel.startswith("file://"):
        return Channel(channel)
    if os.sep in channel or channel.startswith("."):
        path = Path(channel).absolute()
        if not path.is_dir():
            raise CondapipError(f"channel folder does not exist: {channel}")
        return Channel(path.as_uri())
    return Channel(channel)


def _platforms() -> list[Any]:
    from rattler import Subdir

    return [Subdir.current(), Subdir("noarch")]


def installed_records(prefix: Path) -> list[Any]:
    from rattler import PrefixRecord

    meta = prefix / "conda-meta"
    if not meta.is_dir():
        return []
    return [PrefixRecord.from_path(p) for p in sorted(meta.glob("*.json"))]


def _solved(rec: Any) -> SolvedPackage:
    return SolvedPackage(
        name=rec.name.normalized,
        version=str(rec.version),
        build=rec.build,
        channel=str(rec.channel or ""),
        subdir=rec.subdir,
        url=str(rec.url),
        sha256=rec.sha256.hex() if rec.sha256 else None,
        md5=rec.md5.hex() if rec.md5 else None,
    )


class RattlerEngine:
    name = "rattler"

    def __init__(self, progress: bool | None = None) -> None:
        self.progress = sys.stderr.isatty() if progress is None else progress
        self._records: dict[str, Any] = {}

    def solve(
        self, prefix: Path, channels: Sequence[str], specs: Sequence[str]
    ) -> list[SolvedPackage]:
        import rattler
        from rattler.exceptions import InvalidMatchSpecError, SolverError

        if not channels:
            raise CondapipError("no channels: pass -c CHANNEL or set channels in .condarc")
        installed = installed_records(prefix)
        try:
            records = asyncio.run(
                rattler.solve(
                    sources=[to_channel(c) for c in channels],
                    # parsed here, leniently: conda's own `name=version=build` is
                    # valid input, but rattler.solve parses strings strictly
                    specs=[rattler.MatchSpec(s) for s in specs],
                    platforms=_platforms(),
                    locked_packages=installed,
                    virtual_packages=rattler.VirtualPackage.detect(),
                    channel_priority=rattler.ChannelPriority.Strict,
                    timestamp_policy="allow-missing",
                )
            )
        except SolverError as exc:
            raise Refused(f"the conda solve failed: {_first_lines(exc)}") from None
        except (InvalidMatchSpecError, ValueError, TypeError) as exc:
            raise CondapipError(f"invalid conda spec: {_first_lines(exc)}") from None
        except Exception as exc:  # rattler raises its own types for fetch errors
            raise CondapipError(f"cannot read channels: {_first_lines(exc)}") from None
        out = []
        for rec in records:
            pkg = _solved(rec)
            self._records[pkg.url] = rec
            out.append(pkg)
        return out

    def install(
        self, prefix: Path, packages: Sequence[SolvedPackage], specs: Sequence[str]
    ) -> CondaChange:
        import rattler

        records = [self._record(p) for p in packages]
        installed = installed_records(prefix)
        before = {_dist(r) for r in installed}
        try:
            asyncio.run(
                rattler.install(
                    records,
                    target_prefix=prefix,
                    installed_packages=installed,
                    show_progress=self.progress,
                    execute_link_scripts=False,
                )
            )
        except Exception as exc:  # the transaction rolls back; report one line
            raise CondapipError(f"conda install failed: {_first_lines(exc)}") from None
        after = {_dist(r) for r in installed_records(prefix)}
        return CondaChange(
            added=tuple(sorted(after - before)), removed=tuple(sorted(before - after))
        )

    def _record(self, pkg: SolvedPackage) -> Any:
        rec = self._records.get(pkg.url)
        if rec is None:
            rec = record_from_url(pkg)
            self._records[pkg.url] = rec
        return rec


def record_from_url(pkg: SolvedPackage) -> Any:
    """A RepoDataRecord for an exact URL, read from that channel's repodata.

    A query, not a solve: the package's dependencies may live in another
    subdir or channel, and an exact install names them itself.
    """
    import rattler

    channel_url, _, _ = pkg.url.rpartition("/")
    channel_url = channel_url.rsplit("/", 1)[0]
    try:
        result = asyncio.run(
            rattler.Gateway().query(
                [rattler.Channel(channel_url)],
                [rattler.Subdir(pkg.subdir)],
                [f"{pkg.name} =={pkg.version} {pkg.build}"],
                recursive=False,
            )
        )
    except Exception as exc:
        raise CondapipError(f"cannot find {pkg.url}: {_first_lines(exc)}") from None
    for records in result:
        for rec in records:
            if str(rec.url) == pkg.url:
                return rec
    raise CondapipError(f"cannot find {pkg.url} in its channel")


def _dist(rec: Any) -> str:
    from condapip.prefix import channel_name

    return (
        f"{channel_name(str(rec.channel or ''))}::{rec.name.normalized}-{rec.version}-{rec.build}"
    )


def _first_lines(exc: BaseException) -> str:
    text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return text[:500] or type(exc).__name__
