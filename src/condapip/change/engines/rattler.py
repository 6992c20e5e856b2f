"""The embedded conda engine: py-rattler solves and installs, no conda needed."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from condapip.change.engines.base import CondaChange, SolvedPackage, with_spec_channels
from condapip.change.engines.failures import conda_failed
from condapip.change.verify import verified
from condapip.errors import CondapipError


def to_channels(channels: Sequence[str]) -> list[Any]:
    """Each channel (a name, URL, folder or multichannel) as rattler's Channel."""
    from rattler import Channel

    from condapip.ledger.channels import resolve

    return [Channel(c.url) for c in resolve(channels)]


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
        build=str(rec.build),
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
        self._gateway_obj: Any = None

    def solve(
        self, prefix: Path, channels: Sequence[str], specs: Sequence[str]
    ) -> list[SolvedPackage]:
        import rattler
        from rattler.exceptions import InvalidMatchSpecError, SolverError

        from condapip.ledger.platform import host_virtual_packages

        if not channels:
            raise CondapipError("no channels: pass -c CHANNEL or set channels in .condarc")
        installed = installed_records(prefix)
        channels, specs = with_spec_channels(channels, specs)
        sources = to_channels(channels)
        try:
            records = asyncio.run(
                rattler.solve(
                    sources=sources,
                    # parsed here, leniently: conda's own `name=version=build` is
                    # valid input, but rattler.solve parses strings strictly
                    specs=[rattler.MatchSpec(s, strict=False) for s in specs],
                    platforms=_platforms(),
                    locked_packages=installed,
                    virtual_packages=host_virtual_packages(),
                    channel_priority=rattler.ChannelPriority.Strict,
                    timestamp_policy="allow-missing",
                )
            )
        except SolverError as exc:
            raise conda_failed("unsatisfiable", _first_lines(exc)) from None
        except (InvalidMatchSpecError, ValueError, TypeError) as exc:
            raise conda_failed("bad-spec", _first_lines(exc)) from None
        except Exception as exc:  # rattler raises its own types for fetch errors
            raise conda_failed("channel", _first_lines(exc)) from None
        out = []
        for rec in records:
            pkg = _solved(rec)
            self._records[pkg.url] = rec
            out.append(pkg)
        return out

    def install(self, prefix: Path, packages: Sequence[SolvedPackage]) -> CondaChange:
        known = self._records
        missing = [p for p in packages if p.url not in known]
        if missing:
            known.update(records_from_urls(missing, self._gateway()))
        installed = installed_records(prefix)
        have = {str(r.url) for r in installed}
        records = [_expecting(known[p.url], p) for p in packages]
        fresh = [r for r in records if str(r.url) not in have]
        with verified(prefix, [_solved(r) for r in fresh]) as copies:
            originals = {_record_file(r): str(r.url) for r in fresh}
            for rec in fresh:
                _trust_cache(rec, copies[str(rec.url)].contents)
                rec.url = copies[str(rec.url)].url  # link from the verified copy
            try:
                self._link(prefix, records, installed)
            finally:
                for rec in fresh:
                    rec.url = originals[_record_file(rec)]
        written = installed_records(prefix)
        _settle(prefix, originals)
        before, after = {_dist(r) for r in installed}, {_dist(r) for r in written}
        return CondaChange(
            added=tuple(sorted(after - before)), removed=tuple(sorted(before - after))
        )

    def _link(self, prefix: Path, records: list[Any], installed: list[Any]) -> None:
        import rattler

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
            raise conda_failed("install", _first_lines(exc)) from None

    def _gateway(self) -> Any:
        # One gateway for the engine's life: it caches each channel's repodata.
        if self._gateway_obj is None:
            import rattler

            self._gateway_obj = rattler.Gateway()
        return self._gateway_obj


def _record_file(rec: Any) -> str:
    """The name of the conda-meta record rattler writes for ``rec``."""
    return f"{rec.name.normalized}-{rec.version}-{rec.build}.json"


def _trust_cache(rec: Any, contents: Any) -> None:
    """rattler reuses an extracted package from its cache without hashing it: one that
    differs from the verified archive is removed, so that rattler extracts it again."""
    import shutil

    from condapip.change.caches import rattler_cache_dir
    from condapip.change.contain import matches

    extracted = rattler_cache_dir() / "pkgs" / Path(_record_file(rec)).stem
    if not (extracted.exists() or extracted.is_symlink()) or matches(extracted, contents):
        return
    if extracted.is_dir() and not extracted.is_symlink():
        shutil.rmtree(extracted)
    else:
        extracted.unlink()
    extracted.with_name(extracted.name + ".lock").unlink(missing_ok=True)


def _settle(prefix: Path, originals: dict[str, str]) -> None:
    """The records rattler wrote: the package's own URL (not its verified copy's), and
    the umask's mode, as conda's (rattler writes them 0600)."""
    import json

    from condapip.support.atomic import new_file_mode, write_atomic

    mode = new_file_mode()
    for name, url in originals.items():
        path = prefix / "conda-meta" / name
        if not path.is_file() or path.is_symlink():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        data["url"] = url
        path.chmod(mode)
        write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _expecting(rec: Any, pkg: SolvedPackage) -> Any:
    """The record with the hashes the caller asked for (a lock's or an explicit file's).

    Set on the record too, so that rattler checks its own download against them.
    """
    if pkg.sha256:
        rec.sha256 = bytes.fromhex(pkg.sha256)
        if not pkg.md5:
            rec.md5 = None  # the repodata's md5 belongs to the repodata's file
    if pkg.md5:
        rec.md5 = bytes.fromhex(pkg.md5)
    return rec


def records_from_urls(packages: Sequence[SolvedPackage], gateway: Any = None) -> dict[str, Any]:
    """RepoDataRecords for exact URLs, read from their channels' repodata.

    A query, not a solve: a package's dependencies may live in another subdir
    or channel, and an exact install names them itself. One query per channel
    with every wanted name, so an environment of hundreds of packages costs
    one repodata fetch per channel and subdir, not one per package.
    """
    import rattler

    by_channel: dict[str, tuple[set[str], set[str]]] = {}
    for pkg in packages:
        names, subdirs = by_channel.setdefault(_channel_url(pkg.url), (set(), set()))
        names.add(pkg.name)
        subdirs.add(pkg.subdir)
    gateway = gateway or rattler.Gateway()

    async def query_all() -> list[Any]:
        return await asyncio.gather(
            *(
                gateway.query(
                    [rattler.Channel(url)],
                    [rattler.Subdir(s) for s in sorted(subdirs)],
                    sorted(names),
                    recursive=False,
                )
                for url, (names, subdirs) in by_channel.items()
            )
        )

    try:
        results = asyncio.run(query_all())
    except Exception as exc:
        channels = ", ".join(sorted(by_channel))
        raise CondapipError(
            f"cannot read the repodata of {channels}: {_first_lines(exc)}"
        ) from None
    wanted = {p.url for p in packages}
    found = {
        str(rec.url): rec
        for result in results
        for records in result
        for rec in records
        if str(rec.url) in wanted
    }
    lost = sorted(wanted - set(found))
    if lost:
        shown = ", ".join(lost[:5]) + (f" and {len(lost) - 5} more" if len(lost) > 5 else "")
        raise CondapipError(f"not in their channels' repodata: {shown}")
    return found


def _channel_url(url: str) -> str:
    """``https://host/conda-forge/linux-64/x.conda`` -> ``https://host/conda-forge``."""
    return url.rsplit("/", 2)[0]


def _dist(rec: Any) -> str:
    from condapip.ledger.records import dist_line

    return dist_line(
        str(rec.channel or ""), rec.subdir, rec.name.normalized, str(rec.version), rec.build
    )


def _first_lines(exc: BaseException) -> str:
    text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return text[:500] or type(exc).__name__
