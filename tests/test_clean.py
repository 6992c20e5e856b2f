"""`condapip clean` on real caches: rattler's, a conda pkgs dir, pip's and uv's."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from condapip.cli.confirm import NO_TERMINAL
from tests.helpers import condapip, tree_digest
from tests.inprocess import run_cli


@pytest.fixture
def caches(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Path]:
    """Private cache locations, set before any env is made so rattler fills them."""
    paths = {
        "rattler": tmp_path / "rattler-cache",
        "conda": tmp_path / "conda-pkgs",
        "pip": tmp_path / "pip-cache",
        "uv": tmp_path / "uv-cache",
        "home": tmp_path / "home",
    }
    for p in paths.values():
        p.mkdir()
    paths["condapip"] = tmp_path / "condapip-wheels"  # made by the test that fills it
    monkeypatch.setenv("RATTLER_CACHE_DIR", str(paths["rattler"]))
    monkeypatch.setenv("CONDA_PKGS_DIRS", str(paths["conda"]))
    monkeypatch.setenv("PIP_CACHE_DIR", str(paths["pip"]))
    monkeypatch.setenv("UV_CACHE_DIR", str(paths["uv"]))
    # never the machine's real wheel cache, which other tests share
    monkeypatch.setenv("CONDAPIP_WHEEL_CACHE", str(paths["condapip"]))
    monkeypatch.setenv("HOME", str(paths["home"]))
    monkeypatch.setenv("XDG_CACHE_HOME", str(paths["home"] / ".cache"))
    monkeypatch.delenv("PIP_NO_CACHE_DIR", raising=False)
    return paths


@pytest.fixture
def wheel_server(wheelhouse: Path) -> Iterator[str]:
    """The wheelhouse over HTTP, cacheable, so a real pip download fills a real pip cache."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(wheelhouse), **kwargs)

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "max-age=3600")
            super().end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def pip_download(prefix: Path, url: str, cache: Path, dest: Path) -> None:
    done = subprocess.run(
        [
            str(prefix / "bin" / "python"),
            *("-m", "pip", "download", "--isolated", "--no-index", "epsilon==1.0"),
            *("--find-links", url, "--trusted-host", "127.0.0.1"),
            *("--cache-dir", str(cache), "-d", str(dest)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def extracted(pkgs: Path) -> set[str]:
    return {p.name for p in pkgs.iterdir() if (p / "info" / "index.json").is_file()}


def tarball(channel: Path, name: str) -> Path:
    return next(channel.rglob(f"{name}-*.conda"))


@pytest.fixture
def stale_world(
    caches: dict[str, Path],
    make_env: Callable[..., Path],
    channel: Path,
    wheel_server: str,
    tmp_path: Path,
) -> Path:
    """A kept env, a deleted env's leftovers, tarballs, and a real pip cache."""
    from conda_package_handling import api as cph

    env = make_env(("python", "pip", "alpha"), name="keep")
    gone = make_env(("python", "zeta"), name="gone")
    shutil.rmtree(gone)  # its extracted zeta in rattler's cache is now linked by nobody
    rattler_pkgs = caches["rattler"] / "pkgs"
    shutil.copy2(tarball(channel, "gamma"), rattler_pkgs)
    conda_pkgs = caches["conda"]
    shutil.copy2(tarball(channel, "zeta"), conda_pkgs)
    cph.extract(str(tarball(channel, "gamma")), dest_dir=str(conda_pkgs / "gamma-0.5-pyh_0"))
    (conda_pkgs / "cache").mkdir()
    (conda_pkgs / "cache" / "abc123.json").write_text("{}")
    pip_download(env, wheel_server, caches["pip"], tmp_path / "downloads")
    (caches["pip"] / "notes.txt").write_text("not pip's")
    for bucket in ("wheels-v5", "simple-v16"):
        (caches["uv"] / bucket).mkdir()
        (caches["uv"] / bucket / "blob").write_bytes(b"x" * 4096)
    (caches["uv"] / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")
    return env


def test_clean_removes_unlinked_packages_and_tarballs_but_keeps_what_an_env_links(
    stale_world: Path, caches: dict[str, Path]
) -> None:
    env = stale_world
    rattler_pkgs = caches["rattler"] / "pkgs"
    assert "zeta-1.0-pyh_0" in extracted(rattler_pkgs)
    # python_abi holds no file, so no env links it: conda's clean --packages takes it too
    linked = {p for p in extracted(rattler_pkgs) if not p.startswith(("zeta-", "python_abi-"))}
    before = tree_digest(env)

    done = condapip("clean", "--yes", "--json")

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert extracted(rattler_pkgs) == linked  # alpha, beta, pip, python: the env's files
    assert not (rattler_pkgs / "zeta-1.0-pyh_0.lock").exists()
    assert not list(rattler_pkgs.glob("*.conda"))
    assert not list(caches["conda"].glob("*.conda"))
    assert extracted(caches["conda"]) == set()
    assert not (caches["conda"] / "cache").exists()
    assert not (caches["pip"] / "http").exists() and not (caches["pip"] / "http-v2").exists()
    assert (caches["pip"] / "notes.txt").exists()
    assert sorted(p.name for p in caches["uv"].iterdir()) == ["CACHEDIR.TAG"]
    assert tree_digest(env) == before
    ok = subprocess.run([str(env / "bin" / "python"), "-c", "import alpha, beta"], check=False)
    assert ok.returncode == 0
    by_tool = {c["tool"]: c for c in report["caches"]}
    assert set(by_tool) == {"rattler", "conda", "pip", "uv"}
    for cache in by_tool.values():
        assert cache["size_after"] < cache["size_before"]
    assert sorted(Path(p).name for p in by_tool["rattler"]["kept"]) == sorted(linked)
    assert report["freed"] == sum(c["freed"] for c in report["caches"]) > 0


def test_clean_dry_run_reports_and_changes_nothing(
    stale_world: Path, caches: dict[str, Path]
) -> None:
    before = {k: tree_digest(v) for k, v in caches.items()}

    done = run_cli("clean", "--dry-run")

    assert done.returncode == 0, done.stderr
    assert {k: tree_digest(v) for k, v in caches.items()} == before
    assert "would free" in done.stdout
    for tool in ("rattler", "conda", "pip", "uv"):
        assert tool in done.stdout


def test_clean_without_yes_in_a_pipe_refuses_with_a_hint(
    stale_world: Path, caches: dict[str, Path]
) -> None:
    before = {k: tree_digest(v) for k, v in caches.items()}

    done = condapip("clean")

    assert (done.returncode, done.stderr) == (2, f"condapip: error: {NO_TERMINAL}\n")
    assert {k: tree_digest(v) for k, v in caches.items()} == before


def test_clean_keeps_a_package_a_registered_env_names_even_without_hardlinks(
    caches: dict[str, Path], make_env: Callable[..., Path]
) -> None:
    env = make_env(("python", "alpha"), name="copied")
    # a copy-mode install: same files, no shared inodes with the cache
    for path in env.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.stat().st_nlink > 1:
            data = path.read_bytes()
            path.unlink()
            path.write_bytes(data)
    (caches["home"] / ".conda").mkdir()
    (caches["home"] / ".conda" / "environments.txt").write_text(f"{env}\n")
    pkgs = caches["rattler"] / "pkgs"
    names = extracted(pkgs)
    from condapip.change.caches import is_linked

    assert not any(is_linked(pkgs / n) for n in names)  # only the records can tell

    done = run_cli("clean", "--yes", "--json")

    assert done.returncode == 0, done.stderr
    assert extracted(pkgs) == names


def test_clean_asks_the_envs_own_pip_for_its_cache_dir(
    caches: dict[str, Path],
    make_env: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from condapip.change.caches import pip_cache_dir

    env = make_env(("python", "pip"), name="withpip")
    elsewhere = tmp_path / "env-pip-cache"
    # Only the env's own pip reads its site config (PREFIX/pip.conf): condapip's
    # fallback (environment variables, pip's default place) cannot know this one.
    (env / "pip.conf").write_text(f"[global]\ncache-dir = {elsewhere}\n")
    monkeypatch.delenv("PIP_CACHE_DIR")
    monkeypatch.delenv("PIP_CONFIG_FILE")
    assert pip_cache_dir(env) == elsewhere
    assert pip_cache_dir(None) != elsewhere


def test_clean_with_nothing_to_remove_needs_no_confirmation(caches: dict[str, Path]) -> None:
    done = run_cli("clean")

    assert done.returncode == 0, done.stderr
    assert "freed 0 B" in done.stdout


def test_clean_keeps_the_packages_a_softlinked_env_points_into(
    caches: dict[str, Path], make_env: Callable[..., Path]
) -> None:
    env = make_env(("python", "alpha"), name="soft")
    pkgs = caches["rattler"] / "pkgs"
    by_inode = {(p.stat().st_dev, p.stat().st_ino): p for p in pkgs.rglob("*") if p.is_file()}
    # conda's always_softlink: every file a symlink into the package cache, and
    # records that do not name their source
    for path in list(env.rglob("*")):
        st = path.lstat()
        source = by_inode.get((st.st_dev, st.st_ino))
        if source is not None and not path.is_symlink() and path.is_file():
            path.unlink()
            path.symlink_to(source)
    for meta in (env / "conda-meta").glob("*.json"):
        record = json.loads(meta.read_text())
        record.pop("extracted_package_dir", None)
        record.pop("link", None)
        meta.unlink()
        meta.write_text(json.dumps(record))
    (caches["home"] / ".conda").mkdir()
    (caches["home"] / ".conda" / "environments.txt").write_text(f"{env}\n")
    names = extracted(pkgs)
    from condapip.change.caches import is_linked

    assert "alpha-1.0-pyh_0" in names
    assert not is_linked(pkgs / "alpha-1.0-pyh_0")  # only the symlinks can tell

    done = run_cli("clean", "--yes", "--json")

    assert done.returncode == 0, done.stderr
    assert extracted(pkgs) == names
    check = subprocess.run([str(env / "bin" / "python"), "-c", "import alpha"], check=False)
    assert check.returncode == 0


def test_clean_lists_and_frees_condapips_own_wheel_cache(caches: dict[str, Path]) -> None:
    downloads = caches["condapip"] / "cp311"
    downloads.mkdir(parents=True)
    (downloads / "numpy-1.26.4-cp311-cp311-manylinux_x86_64.whl").write_bytes(b"x" * 8192)

    dry = json.loads(run_cli("clean", "--dry-run", "--json").stdout)
    [own] = [c for c in dry["caches"] if c["tool"] == "condapip"]
    assert own["path"] == str(caches["condapip"]) and own["freed"] >= 8192
    assert downloads.is_dir()

    done = run_cli("clean", "--yes")
    assert done.returncode == 0, done.stderr
    assert "condapip" in done.stdout
    assert not downloads.exists() and caches["condapip"].is_dir()
