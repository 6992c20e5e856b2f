"""A lock as PEP 751 files: ``pylock.PLATFORM.toml``, one per platform.

PEP 751 describes Python packages only: each file's ``packages`` is the pip
layer for its platform (the wheel, or the VCS commit, with its hash), and its
``[tool.condapip]`` table holds what pip cannot install, the conda layer, so
``create --lock`` can read either file back whole. Tools that know only PEP
751 read the pip layer and ignore the table, as the PEP asks.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from condapip import __version__
from condapip.errors import CondapipError
from condapip.formats.lock import Bad, Lock, PlatformLock, conda_entry, pip_entry
from condapip.formats.pylock import package_table, path_url

NAME = re.compile(r"^pylock\.(?P<platform>[a-z0-9]+-[a-z0-9_]+)\.toml$")
PEP_NAME = re.compile(r"^pylock\.(?:[^.]+\.)?toml$")  # PEP 751's own rule


def file_name(platform: str) -> str:
    return f"pylock.{platform}.toml"


def write(lock: Lock, out: Path) -> list[Path]:
    """One file per platform in the folder ``out``, or the one platform's in the file
    ``out`` when it is named as PEP 751 names a pylock file."""
    import tomli_w

    from condapip.support.atomic import write_atomic

    texts = {}
    for plat, body in sorted(lock.platforms.items()):
        doc: dict[str, Any] = {"lock-version": "1.0", "created-by": "condapip"}
        python = next((c.version for c in body.conda if c.name == "python"), None)
        if python:
            doc["requires-python"] = "==" + ".".join(python.split(".")[:2]) + ".*"
        doc["packages"] = [package_table(a, url_as_archive=False) for a in body.pip]
        doc["tool"] = {"condapip": _tool(lock, plat, body)}
        texts[_target(out, plat, len(lock.platforms))] = tomli_w.dumps(doc)
    for path, text in texts.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    return list(texts)


def _target(out: Path, platform: str, count: int) -> Path:
    if out.suffix != ".toml":
        return out / file_name(platform)
    if not is_pylock(out):
        raise CondapipError(
            f"{out}: PEP 751 names a pylock file pylock.toml or pylock.NAME.toml "
            "(or give -o a folder)"
        )
    if count > 1:
        raise CondapipError(
            f"{out}: a pylock file holds one platform, this lock has {count}: give -o a folder"
        )
    return out


def _tool(lock: Lock, platform: str, body: PlatformLock) -> dict[str, Any]:
    tool: dict[str, Any] = {"version": __version__, "platform": platform}
    tool["channels"] = list(lock.channels)
    tool["requested"] = list(lock.requested)
    tool["virtual-packages"] = list(body.virtual)
    tool["conda"] = [{k: v for k, v in vars(c).items() if v is not None} for c in body.conda]
    return tool


def is_pylock(path: Path) -> bool:
    return PEP_NAME.match(path.name) is not None


def read(path: Path, text: str) -> Lock:
    """One pylock file: its platform's pip layer, and the conda layer from ``tool.condapip``."""
    from condapip.support.toml_input import loads

    bad = Bad(str(path))
    doc = loads(text, str(path))
    tool = (doc.get("tool") or {}).get("condapip") or {}
    if not tool:  # PEP 751 alone: another tool's pylock holds no conda layer
        made = doc.get("created-by")
        by = f" (created by {made})" if isinstance(made, str) else ""
        raise CondapipError(
            f"{path} holds Python packages only{by}: no python in a conda layer to install them "
            "with ([tool.condapip], which `condapip lock -f FILE --format pylock` writes)"
        )
    named = NAME.match(path.name)
    platform = tool.get("platform") or (named.group("platform") if named else None)
    if not isinstance(platform, str):
        raise bad("no platform: neither tool.condapip.platform nor a pylock.PLATFORM.toml name")
    conda = tuple(conda_entry(e, bad) for e in tool.get("conda") or ())
    pip = tuple(pip_entry(_entry(p, bad, path.parent), bad) for p in doc.get("packages") or ())
    virtual = tuple(str(v) for v in tool.get("virtual-packages") or ())
    return Lock(
        name=None,
        channels=tuple(str(c) for c in tool.get("channels") or ()),
        requested=tuple(str(s) for s in tool.get("requested") or ()),
        platforms={platform: PlatformLock(conda=conda, pip=pip, virtual=virtual)},
    )


def _entry(pkg: Any, bad: Bad, folder: Path) -> dict[str, Any]:
    """A package table as a condapip lock's pip entry; a ``path`` is relative to
    ``folder``, the lock file's, when it is not absolute."""
    if not isinstance(pkg, dict):
        raise bad("a package is not a table")
    name, version = pkg.get("name"), pkg.get("version")
    base = {"name": name, "version": version}
    if "vcs" in pkg:
        vcs = pkg["vcs"]
        kind, url, commit = vcs.get("type", "git"), vcs.get("url"), vcs.get("commit-id")
        requirement = f"{name} @ {kind}+{url}@{commit}"
        return {
            **base,
            "requirement": requirement,
            "source": "vcs",
            "url": url,
            "vcs": kind,
            "commit": commit,
            "subdirectory": vcs.get("subdirectory"),
        }
    if "directory" in pkg:
        url = path_url(str(pkg["directory"].get("path")), folder)
        return {
            **base,
            "requirement": f"{name} @ {url}",
            "source": "directory",
            "url": url,
            "editable": pkg["directory"].get("editable"),
        }
    files = pkg.get("wheels") or [pkg.get("sdist") or pkg.get("archive")]
    file = files[0] if files and isinstance(files[0], dict) else {}
    url = file.get("url") or (path_url(str(file["path"]), folder) if "path" in file else None)
    sha256 = (file.get("hashes") or {}).get("sha256")
    return {**base, "requirement": f"{name} @ {url}", "source": "url", "url": url, "sha256": sha256}
