"""No unverified byte is linked: every conda artifact is hashed before linking.

The channel is copied and one ``.conda`` swapped for another with the same
name (repodata left alone); a lock's or an explicit file's hash that does not
match the file is refused the same way, before rattler links anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from condapip.channel_build.build import build_channel
from tests.helpers import condapip
from tests.wheelmaker import make_wheel

ALPHA = "alpha-1.0-pyh_0.conda"


@pytest.fixture
def tampered_channel(tmp_path: Path, channel: Path) -> Path:
    evil = tmp_path / "evil-channel"
    wheel = make_wheel(
        tmp_path / "evil-wheels", "alpha", "1.0", ["beta>=1.0"], files={"alpha/__init__.py": "1/0"}
    )
    build_channel([wheel], evil)
    copy = tmp_path / "channel"
    shutil.copytree(channel, copy)
    shutil.copyfile(evil / "noarch" / ALPHA, copy / "noarch" / ALPHA)
    return copy


def test_a_tampered_package_in_a_channel_is_refused_and_nothing_is_made(
    tmp_path: Path, tampered_channel: Path
) -> None:
    actual = hashlib.sha256((tampered_channel / "noarch" / ALPHA).read_bytes()).hexdigest()
    yml = tmp_path / "environment.yml"
    yml.write_text(f"channels:\n  - {tampered_channel}\ndependencies:\n  - python\n  - alpha\n")
    target = tmp_path / "made"
    env = {**os.environ, "RATTLER_CACHE_DIR": str(tmp_path / "fresh-cache")}
    result = condapip("create", "-f", str(yml), "-p", str(target), "--yes", env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert ALPHA in result.stderr and actual in result.stderr and "expected" in result.stderr
    assert "Traceback" not in result.stderr
    assert not target.exists()


def test_a_wrong_hash_is_refused_before_anything_is_linked(tmp_path: Path, channel: Path) -> None:
    from condapip.change.engines.rattler import RattlerEngine
    from condapip.errors import Refused

    engine = RattlerEngine(progress=False)
    solved = engine.solve(tmp_path / "solve", [str(channel)], ["beta"])
    wrong = [replace(p, sha256="ab" * 32, md5=None) for p in solved]
    target = tmp_path / "target"
    with pytest.raises(Refused, match="expected abab.*got [0-9a-f]{64}"):
        RattlerEngine(progress=False).install(target, wrong)
    assert not (target / "conda-meta").exists()


def test_a_wrong_md5_in_an_explicit_file_is_refused(tmp_path: Path, channel: Path) -> None:
    url = (channel / "noarch" / "beta-1.0-pyh_0.conda").as_uri()
    explicit = tmp_path / "explicit.txt"
    explicit.write_text(f"@EXPLICIT\n{url}#{'0' * 32}\n")
    target = tmp_path / "made"
    result = condapip("create", "-f", str(explicit), "-p", str(target), "--yes")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "md5 mismatch" in result.stderr and "0" * 32 in result.stderr
    assert not target.exists()


def _site_file(prefix: Path, rel: str) -> Path:
    found = list(prefix.glob(f"lib/python*/site-packages/{rel}"))
    assert len(found) == 1, found
    return found[0]


def test_a_file_swapped_after_the_check_is_never_linked(
    tmp_path: Path, channel: Path, monkeypatch: pytest.MonkeyPatch, make_env
) -> None:
    """The swap comes the moment the check is done: what links is the checked copy."""
    from condapip.change import contain

    evil = tmp_path / "evil-channel"
    wheel = make_wheel(tmp_path / "w", "alpha", "1.0", ["beta>=1.0"], files={"alpha/x.py": "1/0"})
    build_channel([wheel], evil)
    copy = tmp_path / "channel"
    shutil.copytree(channel, copy)
    monkeypatch.setenv("RATTLER_CACHE_DIR", str(tmp_path / "cache"))
    check = contain.check

    def check_then_swap(prefix: Path, label: str, contents: contain.Contents) -> None:
        check(prefix, label, contents)
        if label == ALPHA:
            shutil.copyfile(evil / "noarch" / ALPHA, copy / "noarch" / ALPHA)

    monkeypatch.setattr(contain, "check", check_then_swap)
    prefix = make_env(["python", "alpha"], chan=copy)
    assert (copy / "noarch" / ALPHA).read_bytes() == (evil / "noarch" / ALPHA).read_bytes()
    assert not list(prefix.glob("lib/python*/site-packages/alpha/x.py"))
    record = json.loads(next((prefix / "conda-meta").glob("alpha-*.json")).read_text())
    assert record["url"] == (copy / "noarch" / ALPHA).as_uri()  # the channel's, not the copy's
    assert not (prefix / "conda-meta" / "condapip" / "tmp").exists()


def test_a_tampered_package_in_rattlers_cache_is_extracted_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_env
) -> None:
    """A cached file rewritten, and a path that climbs out added to the cache's paths.json."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("RATTLER_CACHE_DIR", str(cache))
    first = make_env(["python", "beta"], name="first")
    extracted = cache / "pkgs" / "beta-1.0-pyh_0"
    init = extracted / "site-packages" / "beta" / "__init__.py"
    good = init.read_bytes()
    init.unlink()  # a new file, not an edit: the first prefix keeps its own
    init.write_text("raise SystemExit('tampered')\n")
    paths = extracted / "info" / "paths.json"
    data = json.loads(paths.read_text())
    data["paths"].append({"_path": "../../escaped", "path_type": "hardlink"})
    paths.unlink()
    paths.write_text(json.dumps(data))
    (extracted / "escaped").write_text("x")

    second = make_env(["python", "beta"], name="envs/second")
    assert _site_file(second, "beta/__init__.py").read_bytes() == good
    assert _site_file(first, "beta/__init__.py").read_bytes() == good
    assert init.read_bytes() == good  # extracted again from the verified archive
    assert not (tmp_path / "escaped").exists()
    assert "../../escaped" not in paths.read_text()


@pytest.mark.conda
def test_with_conda_a_file_swapped_after_the_check_is_never_linked(
    tmp_path: Path, channel: Path, monkeypatch: pytest.MonkeyPatch, make_env, condarc: Path
) -> None:
    """conda links from a package cache of its own that holds only the verified copies."""
    import sys

    from condapip.change import conda_layer, contain
    from condapip.change.engines.executable import ExecutableEngine

    evil = tmp_path / "evil-channel"
    wheel = make_wheel(tmp_path / "w", "alpha", "1.0", ["beta>=1.0"], files={"alpha/x.py": "1/0"})
    build_channel([wheel], evil)
    copy = tmp_path / "channel"
    shutil.copytree(channel, copy)
    prefix = make_env(["python", "beta"], chan=copy)
    check = contain.check

    def check_then_swap(prefix: Path, label: str, contents: contain.Contents) -> None:
        check(prefix, label, contents)
        if label == ALPHA:
            shutil.copyfile(evil / "noarch" / ALPHA, copy / "noarch" / ALPHA)

    monkeypatch.setattr(contain, "check", check_then_swap)
    engine = ExecutableEngine("conda", [sys.executable, "-m", "conda"])
    pkgs = conda_layer.solve(engine, prefix, [str(copy)], ["python", "beta", "alpha"])
    conda_layer.apply(engine, prefix, pkgs, ["alpha"])
    assert (copy / "noarch" / ALPHA).read_bytes() == (evil / "noarch" / ALPHA).read_bytes()
    assert _site_file(prefix, "alpha/__init__.py").is_file()
    assert not list(prefix.glob("lib/python*/site-packages/alpha/x.py"))
    record = json.loads(next((prefix / "conda-meta").glob("alpha-*.json")).read_text())
    assert record["url"] == (copy / "noarch" / ALPHA).as_uri()
    assert not (prefix / "conda-meta" / "condapip" / "tmp").exists()


@pytest.mark.parametrize("swap", ["same-size", "symlink", "fifo"])
def test_a_cached_file_is_trusted_only_as_the_regular_file_the_archive_holds(
    tmp_path: Path, swap: str
) -> None:
    import hashlib

    from condapip.change import contain

    data = b"print('hello')\n"
    entry = {"_path": "m.py", "sha256": hashlib.sha256(data).hexdigest(), "size_in_bytes": 15}
    contents = contain.Contents({}, (entry,))
    (tmp_path / "real.py").write_bytes(data)
    (tmp_path / "m.py").write_bytes(data)
    assert contain.matches(tmp_path, contents)
    (tmp_path / "m.py").unlink()
    if swap == "same-size":
        (tmp_path / "m.py").write_bytes(b"print('HELLO')\n")
    elif swap == "symlink":
        (tmp_path / "m.py").symlink_to(tmp_path / "real.py")
    else:
        os.mkfifo(tmp_path / "m.py")  # never opened for a read that would wait
    assert not contain.matches(tmp_path, contents)
