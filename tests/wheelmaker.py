"""Small synthetic wheels: real wheel files, built in microseconds."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Sequence
from pathlib import Path


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_wheel(
    out: Path,
    name: str,
    version: str,
    requires: Sequence[str] = (),
    *,
    files: dict[str, str] | None = None,
    console_scripts: dict[str, str] | None = None,
    requires_python: str | None = None,
    tag: str = "py3-none-any",
    modules: int = 0,
) -> Path:
    """A wheel ``name-version`` whose module returns its version; pure unless ``tag`` says
    a platform (``cp311-cp311-win_amd64``), for locks made for other machines.
    ``modules`` adds that many small submodules (``name.m0`` ...) that import the
    version: a large install, for tests that cut one short."""
    norm = name.replace("-", "_").lower()
    dist_info = f"{norm}-{version}.dist-info"
    content: dict[str, bytes] = {
        k: v.encode()
        for k, v in (files or {f"{norm}/__init__.py": f"__version__ = {version!r}\n"}).items()
    }
    for i in range(modules):
        content[f"{norm}/m{i}.py"] = f"from {norm} import __version__ as V\nN = {i}\n".encode()
    meta = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if requires_python:
        meta.append(f"Requires-Python: {requires_python}")
    meta += [f"Requires-Dist: {r}" for r in requires]
    content[f"{dist_info}/METADATA"] = ("\n".join(meta) + "\n\n").encode()
    content[f"{dist_info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: condapip-tests\n"
        f"Root-Is-Purelib: {str(tag == 'py3-none-any').lower()}\nTag: {tag}\n"
    ).encode()
    if console_scripts:
        eps = "[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in console_scripts.items())
        content[f"{dist_info}/entry_points.txt"] = eps.encode()
    record = [f"{k},sha256={_digest(v)},{len(v)}" for k, v in content.items()]
    record.append(f"{dist_info}/RECORD,,")
    content[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{norm}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for k, v in content.items():
            zf.writestr(k, v)
    return path
