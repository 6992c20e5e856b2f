"""The conda platform (subdir) and PEP 508 marker environment of a prefix."""

from __future__ import annotations

import platform
import sys
from typing import TYPE_CHECKING, Any

from packaging.markers import default_environment

from condapip.errors import CondapipError

if TYPE_CHECKING:
    from condapip.ledger.prefix import Prefix


def current_subdir() -> str:
    machine = platform.machine().lower()
    system = sys.platform
    if system.startswith("linux"):
        arch = {"x86_64": "64", "amd64": "64", "aarch64": "aarch64", "arm64": "aarch64"}
        return f"linux-{arch.get(machine, machine)}"
    if system == "darwin":
        return "osx-arm64" if machine == "arm64" else "osx-64"
    if system == "win32":
        return "win-arm64" if machine == "arm64" else "win-64"
    raise CondapipError(f"unsupported platform: {system} {machine}")


# What a conda platform says about the PEP 508 markers of the machine it runs on:
# (sys_platform, platform_system, os_name), and platform_machine per arch.
_SYSTEMS = {
    "linux": ("linux", "Linux", "posix"),
    "osx": ("darwin", "Darwin", "posix"),
    "win": ("win32", "Windows", "nt"),
}
_MACHINES = {
    "linux-64": "x86_64",
    "linux-32": "i686",
    "linux-aarch64": "aarch64",
    "linux-ppc64le": "ppc64le",
    "linux-s390x": "s390x",
    "osx-64": "x86_64",
    "osx-arm64": "arm64",
    "win-64": "AMD64",
    "win-32": "x86",
    "win-arm64": "ARM64",
}


def marker_environment(python_version: str, subdir: str | None = None) -> dict[str, str]:
    """The PEP 508 environment of a prefix whose interpreter is ``python_version``.

    ``subdir`` is the python record's platform: a macOS or Windows prefix read
    on Linux is judged by its own markers, not by this machine's.
    """
    env = {key: str(value) for key, value in default_environment().items()}
    env["python_version"] = python_version
    if not env["python_full_version"].startswith(python_version + "."):
        env["python_full_version"] = python_version + ".0"
    env["extra"] = ""
    system = _SYSTEMS.get((subdir or "").split("-", 1)[0])
    if subdir and subdir != current_subdir() and system is not None:
        env["sys_platform"], env["platform_system"], env["os_name"] = system
        env["platform_machine"] = _MACHINES.get(subdir, "")
        env["platform_release"] = env["platform_version"] = ""  # unknowable from here
    return env


def prefix_marker_environment(prefix: Prefix) -> dict[str, str]:
    """The markers of ``prefix``'s own interpreter: its python record's version and subdir."""
    python = prefix.records.get("python")
    return marker_environment(
        prefix.python_version or platform.python_version(),
        python.subdir if python is not None else None,
    )


def prefix_subdir(prefix: Prefix) -> str:
    """The conda platform ``prefix`` was made for: its packages' subdir (python's first),
    else this machine's."""
    python = prefix.records.get("python")
    subdirs = [python.subdir] if python is not None else []
    subdirs += sorted(r.subdir for r in prefix.records.values())
    return next((s for s in subdirs if s and s != "noarch"), current_subdir())


def host_virtual_packages() -> list[Any]:
    """This machine's virtual packages (``__glibc``, ``__cuda``, ``__archspec``...) as rattler
    GenericVirtualPackages, with ``CONDA_OVERRIDE_*`` honoured as conda honours them: the way
    to solve for a GPU or a glibc this machine lacks. Every solve and check on the host reads
    them here, so all agree. Raises what rattler raises when detection fails."""
    import rattler

    overrides = rattler.VirtualPackageOverrides.from_env()
    return [vp.into_generic() for vp in rattler.VirtualPackage.detect(overrides)]


def host_virtual_versions() -> dict[str, str]:
    """``host_virtual_packages`` by name and version; empty when detection fails."""
    try:
        found = host_virtual_packages()
    except Exception:  # rattler raises its own types; no finding or target rests on it
        return {}
    return {vp.name.normalized: str(vp.version) for vp in found}
