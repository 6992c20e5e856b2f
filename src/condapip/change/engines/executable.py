"""A ``conda``, ``mamba`` or ``micromamba`` executable behind the CondaEngine interface.

Solving is a ``create --dry-run --json`` into a throwaway prefix with an empty
package cache, so the answer lists every package with its URL (conda puts
URLs only in FETCH actions). Installing is an ``@EXPLICIT`` file of exact
URLs, so what links is what was solved, never a fresh solve.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from condapip.change.engines.base import (
    CondaChange,
    SolvedPackage,
    channel_and_subdir,
    notable_lines,
    with_spec_channels,
)
from condapip.change.engines.failures import conda_failed, kind_of
from condapip.change.verify import verified
from condapip.errors import CondapipError
from condapip.support.proc import LONG, run
from condapip.support.scratch import scratch

GUARD_ENV = "CONDA_PLUGINS_CONDAPIP_GUARD"


class ExecutableEngine:
    def __init__(self, name: str, command: str | Sequence[str]) -> None:
        self.name = name
        # an executable, or a launcher such as ``python -m conda``
        self.command = [command] if isinstance(command, str) else list(command)

    def solve(
        self, prefix: Path, channels: Sequence[str], specs: Sequence[str]
    ) -> list[SolvedPackage]:
        if not channels:
            raise CondapipError("no channels: pass -c CHANNEL or set channels in .condarc")
        from condapip.ledger.channels import resolve

        channels, specs = with_spec_channels(channels, specs)
        chan_args = [arg for c in resolve(channels) for arg in ("-c", c.url)]
        with tempfile.TemporaryDirectory(prefix="condapip-solve-") as tmp:
            env = {**os.environ, "CONDA_PKGS_DIRS": str(Path(tmp) / "pkgs")}
            out = self._run(
                [
                    "create",
                    "--dry-run",
                    "--json",
                    "-y",
                    "-p",
                    str(Path(tmp) / "env"),
                    "--override-channels",
                    "--strict-channel-priority",
                    *chan_args,
                    *specs,
                ],
                env=env,
                what="solve",
            )
        actions = out.get("actions") or {}
        fetched = {item.get("name"): item for item in actions.get("FETCH") or ()}
        return [_solved({**item, **fetched.get(item.get("name"), {})}) for item in actions["LINK"]]

    def install(self, prefix: Path, packages: Sequence[SolvedPackage]) -> CondaChange:
        before = _installed(prefix)
        have = _installed_urls(prefix)
        with (
            verified(prefix, [p for p in packages if p.url not in have]) as copies,
            scratch(prefix, "explicit") as tmp,
        ):
            explicit = tmp / "explicit.txt"
            # each line with the md5 conda must find: a verified copy's where there is one
            md5s = {url: copy.md5 for url, copy in copies.items()}
            lines = ["@EXPLICIT", *(_explicit_line(p, md5s.get(p.url)) for p in packages)]
            explicit.write_text("\n".join(lines) + "\n")
            # conda links from its package cache: one of its own here, holding only
            # the verified copies, so that what it extracts is what was checked (a
            # file swapped in the channel, or a stale extraction, never is)
            pkgs = tmp / "pkgs"
            pkgs.mkdir()
            for copy in copies.values():
                _place(copy.path, pkgs / copy.path.name)
            # conda uses a cached tarball only if its urls.txt says where it came from
            (pkgs / "urls.txt").write_text("".join(f"{url}\n" for url in copies))
            env = {**os.environ, "CONDA_PKGS_DIRS": str(pkgs)}
            self._apply(prefix, explicit, sorted(set(before) - {p.name for p in packages}), env)
        after = _installed(prefix)
        return CondaChange(
            added=tuple(sorted(set(after.values()) - set(before.values()))),
            removed=tuple(sorted(set(before.values()) - set(after.values()))),
        )

    def _apply(self, prefix: Path, explicit: Path, extra: list[str], env: dict[str, str]) -> None:
        # a conda-meta with neither history nor records holds only condapip's
        # journal: a prefix being created, which conda calls no environment
        if _installed(prefix) or (prefix / "conda-meta" / "history").is_file():
            if extra:
                self._run(
                    ["remove", "--json", "-y", "--force", "-p", str(prefix), *extra],
                    what="remove",
                    env=env,
                )
            self._run(
                ["install", "--json", "-y", "-p", str(prefix), "--file", str(explicit)],
                what="install",
                env=env,
            )
        else:
            self._run(
                ["create", "--json", "-y", "-p", str(prefix), "--file", str(explicit)],
                what="create",
                env=env,
            )

    def _run(
        self, args: list[str], *, what: str, env: dict[str, str] | None = None
    ) -> dict[str, Any]:
        # condapip's own changes are the re-layer the guard asks for: a conda
        # with condapip's plugin must not stop them (the pip layer is set aside
        # first, or put back after)
        env = {**(env if env is not None else os.environ), GUARD_ENV: "off"}
        proc = run([*self.command, *args], timeout=LONG, env=env)
        try:
            out = json.loads(proc.stdout) if proc.stdout.strip() else {}
        except ValueError:
            out = {}
        if proc.returncode != 0 or out.get("success") is False or "error" in out:
            message = out.get("message") or out.get("error") or proc.stderr.strip()
            text = " ".join(str(message).split())[:500]
            kind = kind_of(out.get("exception_name"), solving=what == "solve")
            raise conda_failed(kind, f"{text} ({self.name} {what})")
        from condapip.support.output import warn

        # "pinned specs were ignored" and the like come on stderr of a success
        for line in notable_lines(proc.stderr):
            warn(f"{self.name}: {line}")
        return out


def _solved(item: dict[str, Any]) -> SolvedPackage:
    url = item.get("url")
    if not url and str(item.get("base_url", "")).startswith("file://"):
        item = {**item, **_local_record(item)}
        url = item.get("url")
    if not url:
        raise CondapipError(f"cannot tell the URL of {item.get('name')} from the solver's output")
    channel, subdir = channel_and_subdir(str(url))
    return SolvedPackage(
        name=str(item["name"]),
        version=str(item["version"]),
        build=str(item.get("build") or item.get("build_string") or ""),
        channel=channel,
        subdir=str(item.get("subdir") or item.get("platform") or subdir),
        url=str(url),
        sha256=item.get("sha256"),
        md5=item.get("md5"),
    )


def _local_record(item: dict[str, Any]) -> dict[str, Any]:
    """conda fetches nothing from a ``file://`` channel, so its answer has no URL:
    the package's file name and hashes come from that channel's repodata."""
    from urllib.parse import unquote, urlparse

    base, subdir = str(item["base_url"]), str(item.get("platform") or item.get("subdir") or "")
    repodata = Path(unquote(urlparse(base).path)) / subdir / "repodata.json"
    try:
        data = json.loads(repodata.read_text())
    except (OSError, ValueError):
        return {}
    wanted = item.get("dist_name")
    for key in ("packages.conda", "packages"):
        for fn, rec in (data.get(key) or {}).items():
            if fn.rsplit(".conda", 1)[0].rsplit(".tar.bz2", 1)[0] == wanted:
                return {"url": f"{base}/{subdir}/{fn}", "md5": rec.get("md5"),
                        "sha256": rec.get("sha256"), "build": rec.get("build")}  # fmt: skip
    return {}


def _place(source: Path, dest: Path) -> None:
    """``source`` at ``dest`` too: a hard link where the file system allows, else a copy."""
    try:
        os.link(source, dest)
    except OSError:
        import shutil

        shutil.copyfile(source, dest)


def _explicit_line(pkg: SolvedPackage, md5: str | None = None) -> str:
    md5 = md5 or pkg.md5
    return f"{pkg.url}#{md5}" if md5 else pkg.url


def _installed_urls(prefix: Path) -> set[str]:
    from condapip.ledger.records import read_records

    meta = prefix / "conda-meta"
    return {r.url for r in read_records(meta).values()} if meta.is_dir() else set()


def _installed(prefix: Path) -> dict[str, str]:
    """name -> ``channel/subdir::name-version-build`` from the prefix's records."""
    from condapip.ledger.records import dist_line

    meta = prefix / "conda-meta"
    out: dict[str, str] = {}
    if not meta.is_dir():
        return out
    for path in meta.glob("*.json"):
        try:
            rec = json.loads(path.read_text())
            out[rec["name"]] = dist_line(
                str(rec.get("channel") or ""),
                str(rec.get("subdir") or ""),
                rec["name"],
                rec["version"],
                rec["build"],
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out
