"""The conda platform (subdir) and PEP 508 marker environment of a prefix."""

from __future__ import annotations

import platform
import sys

from packaging.markers import default_environment

from condapip.errors import CondapipError


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


def marker_environment(python_version: str) -> dict[str, str]:
    """The PEP 508 environment of a prefix whose interpreter is ``python_version``."""
    env = dict(default_environment())
    env["python_version"] = python_version
    if not env["python_full_version"].startswith(python_version + "."):
        env["python_full_version"] = python_version + ".0"
    env["extra"] = ""
    return env
