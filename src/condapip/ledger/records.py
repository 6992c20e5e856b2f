"""conda's ledger of a prefix: the ``conda-meta/*.json`` records, read cheaply.

JSON goes through orjson; ``paths_data`` stays raw, read only by the rule that hashes files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orjson import loads as _json_loads

from condapip.errors import CondapipError


@dataclass(frozen=True)
class CondaRecord:
    """One ``conda-meta/*.json`` record."""

    name: str
    version: str
    build: str
    build_number: int
    channel: str
    subdir: str
    url: str
    md5: str | None
    sha256: str | None
    depends: tuple[str, ...]
    constrains: tuple[str, ...]
    files: tuple[str, ...]
    meta_file: Path
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def dist_str(self) -> str:
        return f"{self.name}-{self.version}-{self.build}"

    def noarch_python_roots(self, entries: list[dict[str, Any]]) -> dict[str, str]:
        """conda itself keeps a noarch: python package's ``paths_data`` as in the
        package (``site-packages/...``, ``python-scripts/...``) while ``files``
        holds where they landed; rattler writes both as landed. The roots come
        from ``files``, so each entry names the file on disk either way."""
        if self.raw.get("noarch") != "python" and self.raw.get("package_type") != "noarch_python":
            return {}
        files = set(self.files)
        for e in entries:
            path = str(e.get("_path", ""))
            if path.startswith("site-packages/") and path not in files:
                landed = next((f for f in self.files if f.endswith("/" + path)), None)
                if landed is not None:
                    scripts = "Scripts/" if landed.startswith("Lib/") else "bin/"
                    return {
                        "site-packages/": landed[: -len(path)] + "site-packages/",
                        "python-scripts/": scripts,
                    }
        return {}

    @property
    def channel_name(self) -> str:
        return channel_name(self.channel)


def relocated(path: str, roots: dict[str, str]) -> str:
    for source, target in roots.items():
        if path.startswith(source):
            return target + path[len(source) :]
    return path


def dist_line(channel: str, subdir: str, name: str, version: str, build: str) -> str:
    """A package as conda 26 writes it in history: ``channel/subdir::name-version-build``.

    ``conda list --revisions`` shows the part before ``::`` as the package's
    source, so the subdir is kept (once) as conda keeps it.
    """
    source = channel_name(channel)
    if subdir and source:
        source = f"{source}/{subdir}"
    return f"{source}::{name}-{version}-{build}" if source else f"{name}-{version}-{build}"


def channel_name(url: str) -> str:
    """``https://conda.anaconda.org/conda-forge/linux-64`` -> ``conda-forge``.

    Names are kept for the standard hosts; anything else (a mirror, a local
    ``file://`` channel) stays a URL without its subdir.
    """
    if not url:
        return ""
    base = url.rstrip("/")
    last = base.rsplit("/", 1)[-1]
    if last in SUBDIRS:
        base = base.rsplit("/", 1)[0]
    for alias in ("https://conda.anaconda.org/", "http://conda.anaconda.org/"):
        if base.startswith(alias):
            return base[len(alias) :]
    if base.startswith("https://repo.anaconda.com/pkgs/"):
        return "defaults"
    return base


# conda's known subdirs: the last part of a channel URL that names a platform, not the channel
SUBDIRS = frozenset(
    {
        "noarch",
        "linux-64",
        "linux-aarch64",
        "linux-ppc64le",
        "linux-s390x",
        "linux-32",
        "osx-64",
        "osx-arm64",
        "win-64",
        "win-32",
        "win-arm64",
        "emscripten-wasm32",
        "wasi-wasm32",
    }
)


def read_records(meta: Path) -> dict[str, CondaRecord]:
    with os.scandir(meta) as it:
        paths = [e.path for e in it if e.name.endswith(".json") and e.is_file()]
    records: dict[str, CondaRecord] = {}
    for path in paths:
        rec = _read_record(path)
        records[rec.name] = rec
    return records


def _read_record(path: str) -> CondaRecord:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise CondapipError(f"cannot read conda-meta record {path}: {exc.strerror}") from None
    try:
        raw = _json_loads(data)
        return CondaRecord(
            name=raw["name"],
            version=str(raw["version"]),
            build=raw.get("build", ""),
            build_number=int(raw.get("build_number", 0)),
            channel=raw.get("channel", "") or "",
            subdir=raw.get("subdir", "") or "",
            url=raw.get("url", "") or "",
            md5=raw.get("md5"),
            sha256=raw.get("sha256"),
            depends=tuple(raw.get("depends") or ()),
            constrains=tuple(raw.get("constrains") or ()),
            files=tuple(raw.get("files") or ()),
            meta_file=Path(path),
            raw=raw,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CondapipError(f"corrupt conda-meta record {path}: {_short(exc)}") from None


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, KeyError):
        return f"missing field {text}"
    return text
