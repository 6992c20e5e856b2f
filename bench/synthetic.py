"""Synthetic conda prefixes for the benchmarks, in conda's real PrefixRecord schema.

A prefix of size N holds N conda records: ``python``, ``python_abi``, ``pip``
(the real pip wheel, unpacked and byte-compiled as conda links it, with its
``pyc_file`` entries, so ``bin/python -m pip`` works at its real speed) and N-3
generated packages of about 30 files each. 40% of those are Python packages
with a real dist-info (METADATA, RECORD, INSTALLER ``conda``); the rest are
C-library-like packages. N/5 pip dists (INSTALLER ``pip``) sit beside them.
Every file is on disk, and every record's ``files`` and ``paths_data`` carry
its real sha256 and size, so ``doctor --verify`` has real work to do.

The record shape is that of a rattler install from conda-forge (see
``conda-meta/*.json`` of any prefix that ``condapip create`` made): the same
keys, ``paths_data.paths[]`` entries with ``_path``, ``path_type``, ``sha256``
and ``size_in_bytes``. The environment is healthy: every requirement in both
worlds is met, so a correct ``doctor`` finds nothing.

Generating records is allowed here because they are benchmark input, not
test fixtures; tests build their prefixes with rattler from real packages.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.util
import io
import json
import platform
import py_compile
import random
import shutil
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

# Bump when the layout changes, so cached prefixes are rebuilt.
SCHEMA = 4
CHANNEL = "https://conda.anaconda.org/conda-forge/"
PY_SHARE = 0.4
FILES_PER_RECORD = 30
PIP_FILES = 12


@dataclass
class _Record:
    name: str
    version: str
    build: str
    subdir: str
    depends: list[str]
    files: dict[str, bytes | str] = field(default_factory=dict)  # str = symlink target
    noarch: str | None = None
    build_number: int = 0
    compile_pyc: bool = False
    constrains: list[str] = field(default_factory=list)

    @property
    def dist_str(self) -> str:
        return f"{self.name}-{self.version}-{self.build}"


def default_root() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("condapip")) / "bench"


def build_prefix(n: int, root: Path | None = None, *, seed: int = 0) -> Path:
    """The synthetic prefix with ``n`` conda records, built once and reused."""
    root = root or default_root()
    py = f"{sys.version_info.major}.{sys.version_info.minor}"
    prefix = root / f"n{n}-py{py}-s{seed}-v{SCHEMA}"
    stamp = prefix / ".bench-complete"
    if stamp.is_file() and (prefix / "bin" / "python").exists():
        return prefix
    if prefix.exists():
        shutil.rmtree(prefix)
    _Builder(prefix, n, random.Random(seed)).build()
    stamp.write_text("ok\n")
    return prefix


def site_packages(prefix: Path) -> Path:
    return (
        prefix
        / "lib"
        / f"python{sys.version_info.major}.{sys.version_info.minor}"
        / "site-packages"
    )


def conda_files(prefix: Path) -> list[Path]:
    """Every file a conda record gives a sha256 for: what ``doctor --verify`` can check."""
    out = []
    for meta in sorted((prefix / "conda-meta").glob("*.json")):
        rec = json.loads(meta.read_bytes())
        out += [
            prefix / p["_path"]
            for p in rec["paths_data"]["paths"]
            if p.get("path_type") == "hardlink" and p.get("sha256")
        ]
    return out


def write_file_list(prefix: Path, out: Path) -> Path:
    """``conda_files`` as a NUL-separated list, for ``xargs -0``."""
    out.write_bytes(b"".join(bytes(p) + b"\0" for p in conda_files(prefix)))
    return out


class _Builder:
    def __init__(self, prefix: Path, n: int, rng: random.Random) -> None:
        if n < 4:
            raise ValueError("a synthetic prefix needs at least 4 records")
        self.prefix = prefix
        self.n = n
        self.rng = rng
        self.mm = f"{sys.version_info.major}.{sys.version_info.minor}"
        self.sp_rel = f"lib/python{self.mm}/site-packages"
        self.sp = prefix / self.sp_rel

    def build(self) -> None:
        self.sp.mkdir(parents=True)
        (self.prefix / "conda-meta").mkdir()
        records = [self._python(), self._python_abi(), self._pip()]
        py_pkgs: list[_Record] = []
        libs: list[_Record] = []
        generated = self.n - len(records)
        n_py = round(generated * PY_SHARE)
        for i in range(generated):
            # Interleave so that both kinds depend on earlier ones of their kind.
            if len(py_pkgs) < n_py and (i % 5 in (0, 2) or len(libs) >= generated - n_py):
                rec = self._python_package(len(py_pkgs), py_pkgs, libs)
                py_pkgs.append(rec)
            else:
                rec = self._library(len(libs), libs)
                libs.append(rec)
            records.append(rec)
        for rec in records:
            self._link(rec)
        self._history(records, when=datetime.now() - timedelta(days=1))
        for i in range(self.n // 5):
            self._pip_dist(i, py_pkgs)
        (self.prefix / ".condarc").write_text(
            "channels:\n  - conda-forge\nchannel_priority: strict\n"
        )

    # -- conda records ---------------------------------------------------

    def _python(self) -> _Record:
        base = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
        tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
        files: dict[str, bytes | str] = {
            "pyvenv.cfg": (
                f"home = {base.parent}\n"
                "include-system-site-packages = false\n"
                f"version = {platform.python_version()}\n"
                f"executable = {base}\n"
            ).encode(),
            f"{self.sp_rel}/README.txt": b"This directory exists so that 3rd party packages "
            b"can be installed here.\n",
        }
        for link in ("python", "python3", f"python{self.mm}"):
            files[f"bin/{link}"] = str(base)
        return _Record(
            "python",
            platform.python_version(),
            f"h{self._hex(8)}_0_{tag}",
            _subdir(),
            [],
            files,
            constrains=[f"python_abi {self.mm}.* *_{tag}"],
        )

    def _python_abi(self) -> _Record:
        tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
        return _Record(
            "python_abi",
            self.mm,
            f"8_{tag}",
            _subdir(),
            [],
            {},
            build_number=8,
            constrains=[f"python {self.mm}.* *_{tag}"],
        )

    def _pip(self) -> _Record:
        from condapip.commands.channel_build import bundled_pip_wheel

        files: dict[str, bytes | str] = {}
        with zipfile.ZipFile(bundled_pip_wheel()) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                data = zf.read(info)
                if info.filename.endswith(".dist-info/INSTALLER"):
                    continue
                files[f"{self.sp_rel}/{info.filename}"] = data
                if info.filename.endswith(".dist-info/METADATA"):
                    version = _header(data, "Version")
                    dist_info = info.filename.split("/", 1)[0]
        files[f"{self.sp_rel}/{dist_info}/INSTALLER"] = b"conda\n"
        return _Record(
            "pip",
            version,
            "pyh8b19718_0",
            "noarch",
            [f"python >={self.mm}"],
            files,
            noarch="python",
            compile_pyc=True,
        )

    def _python_package(self, i: int, earlier: list[_Record], libs: list[_Record]) -> _Record:
        name = f"syn-pkg-{i:04d}"
        version = self._version(i)
        deps = self._pick(earlier, 2)
        reqs = [f"{d.name}>={d.version}" for d in deps]
        # Requirements a correct checker must skip: an extra nobody asked for,
        # and a marker that is false on every Python 3.
        reqs.append(f'syn-extra-{i:04d}>=1; extra == "test"')
        reqs.append('legacy-shim<1; python_version < "3"')
        depends = [f"python >={self.mm}"] + [f"{d.name} >={d.version}" for d in deps]
        if libs and i % 3 == 0:
            lib = self.rng.choice(libs)
            depends.append(_pin(lib))
        files: dict[str, bytes | str] = {}
        mod = name.replace("-", "_")
        for j in range(FILES_PER_RECORD - 6):
            sub = "" if j < 8 else f"sub{j % 4}/"
            files[f"{self.sp_rel}/{mod}/{sub}m{j:02d}.py"] = self._text(j)
        payload = {rel[len(self.sp_rel) + 1 :]: c for rel, c in files.items()}
        info = self._dist_info(mod, version, _metadata(name, version, reqs), "conda", payload)
        files.update({f"{self.sp_rel}/{rel}": c for rel, c in info.items()})
        return _Record(name, version, "pyhd8ed1ab_0", "noarch", depends, files, noarch="python")

    def _library(self, i: int, earlier: list[_Record]) -> _Record:
        name = f"libsyn{i:04d}"
        version = self._version(i + 7)
        depends = [_pin(d) for d in self._pick(earlier, 3)]
        if i % 10 == 0:
            depends.append("__glibc >=2.17,<3.0.a0")  # virtual package, as conda-forge writes
        files: dict[str, bytes | str] = {}
        major = version.split(".")[0]
        files[f"lib/{name}.so.{version}"] = self._blob(64 * 1024)
        files[f"lib/{name}.so.{major}"] = f"{name}.so.{version}"
        files[f"lib/{name}.so"] = f"{name}.so.{major}"
        files[f"lib/pkgconfig/{name}.pc"] = f"Name: {name}\nVersion: {version}\n".encode()
        files[f"bin/{name}-tool"] = self._blob(16 * 1024)
        for j in range(FILES_PER_RECORD - 5):
            files[f"include/{name}/h{j:02d}.h"] = self._text(j)
        build = f"h{self._hex(8)}_{i % 3}"
        return _Record(name, version, build, _subdir(), depends, files, build_number=i % 3)

    def _link(self, rec: _Record) -> None:
        paths = []
        for rel, content in sorted(rec.files.items()):
            target = self.prefix / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                target.symlink_to(content)
                raw = content.encode()
                paths.append(_path_entry(rel, "softlink", raw))
            else:
                target.write_bytes(content)
                paths.append(_path_entry(rel, "hardlink", content))
        files = sorted(rec.files)
        if rec.compile_pyc:
            pycs = self._compile(p for p in files if p.endswith(".py"))
            files = sorted(files + pycs)
            paths += [{"_path": pyc, "path_type": "pyc_file"} for pyc in pycs]
            paths.sort(key=lambda e: e["_path"])
        fn = f"{rec.dist_str}.conda"
        url = f"{CHANNEL}{rec.subdir}/{fn}"
        digest = hashlib.sha256(url.encode()).hexdigest()
        record = {
            "build": rec.build,
            "build_number": rec.build_number,
            "constrains": rec.constrains,
            "depends": rec.depends,
            "license": "BSD-3-Clause",
            "md5": digest[:32],
            "name": rec.name,
            "sha256": digest,
            "size": sum(len(c) for c in rec.files.values()),
            "subdir": rec.subdir,
            "timestamp": 1735689600000,
            "version": rec.version,
            "fn": fn,
            "url": url,
            "channel": CHANNEL,
            "extracted_package_dir": f"/opt/conda/pkgs/{rec.dist_str}",
            "requested_specs": [],
            "files": files,
            "paths_data": {"paths_version": 1, "paths": paths},
            "link": {"source": f"/opt/conda/pkgs/{rec.dist_str}", "type": 1},
        }
        if rec.noarch:
            record["noarch"] = rec.noarch
        if not rec.constrains:
            del record["constrains"]
        meta = self.prefix / "conda-meta" / f"{rec.dist_str}.json"
        meta.write_text(json.dumps(record, indent=2))

    def _compile(self, sources: Iterable[str]) -> list[str]:
        """Byte-compile as conda does when it links a noarch package; pycs join the record."""
        out = []
        for rel in sources:
            pyc = importlib.util.cache_from_source(rel)
            py_compile.compile(str(self.prefix / rel), cfile=str(self.prefix / pyc), doraise=True)
            out.append(pyc)
        return out

    def _history(self, records: list[_Record], when: datetime) -> None:
        top = ["python", "pip"] + [r.name for r in records[3::7]]
        lines = [
            f"==> {when.strftime('%Y-%m-%d %H:%M:%S')} <==",
            f"# cmd: conda create -p {self.prefix} {' '.join(top)}",
            "# conda version: 26.7.1",
        ]
        lines += sorted(f"+conda-forge/{r.subdir}::{r.dist_str}" for r in records)
        lines.append(f"# update specs: {top!r}")
        (self.prefix / "conda-meta" / "history").write_text("\n".join(lines) + "\n")

    # -- pip dists ---------------------------------------------------------

    def _pip_dist(self, i: int, conda_py: list[_Record]) -> None:
        name = f"pypi-only-{i:04d}"
        version = self._version(i + 3)
        mod = name.replace("-", "_")
        reqs = [f"pypi-only-{j:04d}>=0.1" for j in self._pick(list(range(i)), 2)]
        reqs += [f"{r.name}>={r.version}" for r in self._pick(conda_py, 1)]
        files: dict[str, bytes | str] = {}
        for j in range(PIP_FILES - 5):
            files[f"{mod}/m{j:02d}.py"] = self._text(j)
        extra: dict[str, bytes] = {}
        if i % 2 == 0:
            extra["REQUESTED"] = b""
        if i % 10 == 3:
            commit = self._hex(40)
            du = {
                "url": f"https://github.com/example/{name}.git",
                "vcs_info": {"vcs": "git", "commit_id": commit, "requested_revision": "main"},
            }
            extra["direct_url.json"] = json.dumps(du).encode()
        elif i % 10 == 7:
            du = {
                "url": f"file:///srv/wheels/{mod}-{version}-py3-none-any.whl",
                "archive_info": {"hashes": {"sha256": self._hex(64)}},
            }
            extra["direct_url.json"] = json.dumps(du).encode()
        info = self._dist_info(mod, version, _metadata(name, version, reqs), "pip", files, extra)
        for rel, content in {**files, **info}.items():
            target = self.sp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)  # type: ignore[arg-type]

    # -- dist-info ---------------------------------------------------------

    def _dist_info(
        self,
        mod: str,
        version: str,
        metadata: bytes,
        installer: str,
        payload: dict[str, bytes | str],
        extra: dict[str, bytes] | None = None,
    ) -> dict[str, bytes]:
        """The dist-info files, relative to site-packages, with a RECORD of ``payload``."""
        di = f"{mod}-{version}.dist-info"
        entries = {
            f"{di}/METADATA": metadata,
            f"{di}/INSTALLER": f"{installer}\n".encode(),
            f"{di}/WHEEL": _WHEEL,
            f"{di}/top_level.txt": f"{mod}\n".encode(),
        }
        entries.update({f"{di}/{k}": v for k, v in (extra or {}).items()})
        entries[f"{di}/RECORD"] = _record_csv({**payload, **entries}, f"{di}/RECORD")
        return entries

    # -- content -------------------------------------------------------------

    def _version(self, i: int) -> str:
        return f"{1 + i % 5}.{i % 13}.{i % 7}"

    def _pick(self, items: list, k: int) -> list:
        return self.rng.sample(items, min(k, len(items)))

    def _hex(self, n: int) -> str:
        return self.rng.randbytes((n + 1) // 2).hex()[:n]

    def _size(self, cap: int) -> int:
        # Log-uniform from 128 bytes to ``cap``: many small files, a few large.
        return int(128 * (cap / 128) ** self.rng.random())

    def _blob(self, cap: int) -> bytes:
        return self.rng.randbytes(self._size(cap))

    def _text(self, j: int) -> bytes:
        line = f"def f{j}(x):  # generated for the benchmark\n    return x + {j}\n\n".encode()
        size = self._size(16 * 1024)
        return (line * (size // len(line) + 1))[:size]


_WHEEL = b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _metadata(name: str, version: str, requires: list[str]) -> bytes:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Summary: synthetic package {name}", "Requires-Python: >=3.8"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    body = f"# {name}\n\n" + "A long description that a reader should never parse.\n" * 40
    return ("\n".join(lines) + "\n\n" + body).encode()


def _record_csv(files: dict[str, bytes | str], record_rel: str) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for rel, content in sorted(files.items()):
        if isinstance(content, str):
            continue
        digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
        writer.writerow([rel, f"sha256={digest}", len(content)])
    writer.writerow([record_rel, "", ""])
    return buf.getvalue().encode()


def _path_entry(rel: str, path_type: str, data: bytes) -> dict[str, object]:
    return {
        "_path": rel,
        "path_type": path_type,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size_in_bytes": len(data),
    }


def _pin(rec: _Record) -> str:
    major = int(rec.version.split(".")[0])
    return f"{rec.name} >={rec.version},<{major + 1}.0a0"


def _header(metadata: bytes, key: str) -> str:
    for line in metadata.decode().splitlines():
        if line.startswith(f"{key}:"):
            return line.split(":", 1)[1].strip()
    raise ValueError(f"no {key} in METADATA")


def _subdir() -> str:
    from condapip.ledger.platform import current_subdir

    return current_subdir()


if __name__ == "__main__":
    for size in map(int, sys.argv[1:] or ["100"]):
        print(build_prefix(size))
