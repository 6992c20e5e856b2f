"""The conda layer solved for any platform: rattler, explicit virtual packages, no install.

A platform's solve reads each channel's ``P`` and ``noarch`` subdirs through one
gateway (repodata fetched once per subdir for every platform). The machine's
own virtual packages are never detected: a lock for linux-64 made on macOS
must say the same as one made on Linux, so each platform gets documented
defaults, and ``--virtual-package`` adds to or replaces them.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from condapip.change.engines.base import with_spec_channels
from condapip.change.engines.failures import conda_failed
from condapip.errors import CondapipError

# What a platform is assumed to have when nothing else is said (no __cuda: a
# GPU is a choice, `--virtual-package linux-64:__cuda=12.4`).
_DEFAULTS: dict[str, dict[str, str]] = {
    "linux": {"__glibc": "2.28", "__unix": "0", "__linux": "0"},
    "osx-arm64": {"__osx": "11.0", "__unix": "0"},
    "osx": {"__osx": "10.15", "__unix": "0"},
    "win": {"__win": "0"},
}
_PLATFORM = re.compile(r"^(linux|osx|win)-(64|32|arm64|aarch64|ppc64le|s390x|armv7l)$")
_VIRTUAL = re.compile(
    r"^(?:(?P<platform>[a-z0-9]+-[a-z0-9_]+):)?(?P<name>__[a-z0-9_]+)=(?P<version>[0-9][0-9A-Za-z._+]*)$"
)


def check_platform(platform: str) -> str:
    if not _PLATFORM.match(platform):
        raise CondapipError(f"unknown platform {platform!r} (e.g. linux-64, osx-arm64, win-64)")
    return platform


def default_virtual(platform: str) -> dict[str, str]:
    """The virtual packages a platform is locked for unless told otherwise."""
    system = check_platform(platform).split("-", 1)[0]
    return dict(_DEFAULTS.get(platform) or _DEFAULTS[system])


def virtual_packages(platforms: Sequence[str], options: Sequence[str]) -> dict[str, dict[str, str]]:
    """Each platform's virtual packages: the defaults, then ``[P:]NAME=VERSION`` in order."""
    out = {p: default_virtual(p) for p in platforms}
    for text in options:
        found = _VIRTUAL.match(text.strip())
        if found is None:
            raise CondapipError(
                f"invalid --virtual-package {text!r}: expected [PLATFORM:]__NAME=VERSION"
            )
        target = found.group("platform")
        if target is not None and target not in out:
            raise CondapipError(
                f"--virtual-package {text!r}: {target} is not locked "
                f"(the platforms are {', '.join(platforms)})"
            )
        for plat in [target] if target else platforms:
            out[plat][found.group("name")] = found.group("version")
    return out


@dataclass(frozen=True)
class PlatformSolution:
    platform: str
    records: tuple[Any, ...]  # rattler RepoDataRecords, sorted by name


class PlatformSolver:
    """One gateway for every platform, so each channel subdir is read once."""

    def __init__(self, channels: Sequence[str]) -> None:
        import rattler

        if not channels:
            raise CondapipError("no channels: name them in the file's channels:")
        self.channels = list(channels)
        self._gateway = rattler.Gateway()

    def solve(
        self, platform: str, specs: Sequence[str], virtual: Mapping[str, str]
    ) -> PlatformSolution:
        import rattler
        from rattler.exceptions import InvalidMatchSpecError, SolverError

        from condapip.change.engines.rattler import to_channels

        channels, specs = with_spec_channels(self.channels, specs)
        try:
            records = asyncio.run(
                rattler.solve(
                    sources=to_channels(channels),
                    specs=[rattler.MatchSpec(s, strict=False) for s in specs],
                    gateway=self._gateway,
                    platforms=[rattler.Subdir(platform), rattler.Subdir("noarch")],
                    virtual_packages=[_generic(n, v) for n, v in sorted(virtual.items())],
                    channel_priority=rattler.ChannelPriority.Strict,
                    timestamp_policy="allow-missing",
                )
            )
        except SolverError as exc:
            raise conda_failed("unsatisfiable", f"{platform}: {_one_line(exc)}") from None
        except (InvalidMatchSpecError, ValueError, TypeError) as exc:
            raise conda_failed("bad-spec", _one_line(exc)) from None
        except Exception as exc:  # rattler raises its own types for fetch errors
            raise conda_failed("channel", f"{platform}: {_one_line(exc)}") from None
        ordered = sorted(records, key=lambda r: r.name.normalized)
        return PlatformSolution(platform, tuple(ordered))


def _generic(name: str, version: str) -> Any:
    from rattler import BuildString, GenericVirtualPackage, PackageName, Version

    return GenericVirtualPackage(PackageName(name), Version(version), BuildString("0"))


def purls(record: Any) -> list[str]:
    """The record's ``pkg:pypi/NAME`` purls, where its channel's repodata has them."""
    data = json.loads(record.to_json())
    return [str(p).split("@", 1)[0].lower() for p in data.get("purls") or ()]


def _one_line(exc: BaseException) -> str:
    text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return text[:500] or type(exc).__name__
