"""Real numpy and scipy wheels, fetched once per machine and reused.

The seed's breakage (scipy built for numpy 1.x meets numpy 2.x) only shows
with the real binaries. The demo and the tests share this cache.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from condapip.errors import CondapipError
from condapip.support.proc import LONG, run

# Per interpreter: a numpy 1.x, a scipy built against it, and numpy 2.x.
_PINS: dict[tuple[int, int], tuple[str, str, str]] = {
    (3, 10): ("numpy==1.26.4", "scipy==1.11.4", "numpy==2.2.6"),
    (3, 11): ("numpy==1.26.4", "scipy==1.11.4", "numpy==2.2.6"),
    (3, 12): ("numpy==1.26.4", "scipy==1.11.4", "numpy==2.2.6"),
}


@dataclass(frozen=True)
class RealWheels:
    numpy1: Path
    scipy: Path
    numpy2: Path


def cache_dir() -> Path:
    """``$CONDAPIP_WHEEL_CACHE``, else ``wheels`` in condapip's user cache folder."""
    import os

    if os.environ.get("CONDAPIP_WHEEL_CACHE"):
        return Path(os.environ["CONDAPIP_WHEEL_CACHE"]).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("condapip")) / "wheels"


def has_wheel_pair(python: tuple[int, int] | None = None) -> bool:
    """Whether the story's wheels exist for ``python`` (default: this interpreter)."""
    return (python or (sys.version_info.major, sys.version_info.minor)) in _PINS


def real_wheels(python: tuple[int, int] | None = None) -> RealWheels:
    """Download (once) and return the three wheels for ``python``."""
    version = python or (sys.version_info.major, sys.version_info.minor)
    pins = _PINS.get(version)
    if pins is None:
        raise CondapipError(
            f"no numpy 1.x/scipy wheel pair exists for CPython {version[0]}.{version[1]}; "
            "run the demo under CPython 3.10 to 3.12"
        )
    dest = cache_dir() / f"cp{version[0]}{version[1]}"
    dest.mkdir(parents=True, exist_ok=True)
    from filelock import FileLock

    # pip download writes into dest in place: another process (a second demo, a
    # parallel test worker) must never pick up a half-downloaded wheel.
    with FileLock(str(dest / ".download.lock")):
        found = [_fetch(pin, dest, version) for pin in pins]
    return RealWheels(*found)


def _fetch(pin: str, dest: Path, version: tuple[int, int]) -> Path:
    name, _, ver = pin.partition("==")
    tag = f"cp{version[0]}{version[1]}"
    existing = sorted(dest.glob(f"{name}-{ver}-{tag}-*.whl"))
    if existing:
        return existing[0]
    cmd = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
        "--only-binary=:all:", "--python-version", f"{version[0]}.{version[1]}",
        "--dest", str(dest), pin,
    ]  # fmt: skip
    proc = run(cmd, timeout=LONG)
    existing = sorted(dest.glob(f"{name}-{ver}-{tag}-*.whl"))
    if proc.returncode != 0 or not existing:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no wheel"]
        raise CondapipError(
            f"cannot download {pin} for {tag} into {dest} (the first run needs PyPI, "
            f"or an index in your pip configuration): {detail[0]}"
        )
    return existing[0]
