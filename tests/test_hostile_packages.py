"""Hostile conda packages, built here: every path a package names is checked before linking.

Each ``.conda`` is real (conda-package-handling packs a staged folder) with a
crafted ``info/``: a path that climbs out, an absolute one, a softlink that
leads outside (directly or through another link), a ``has_prefix`` or
``files`` entry outside, an entry point named with a path. Each is refused
with exit 2 and one line naming the package and the path; the prefix stays
byte-identical, nothing lands beside it, and rattler never panics.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.helpers import condapip, make_prefix, tree_digest
from tests.inprocess import run_cli

OUTSIDE = "outside-marker"


def build_package(
    out: Path,
    name: str,
    files: dict[str, bytes],
    paths: list[dict[str, object]],
    *,
    links: dict[str, str] | None = None,
    info: dict[str, str] | None = None,
) -> Path:
    """A real ``.conda`` whose payload is ``files`` and ``links``, and whose
    ``info/paths.json`` says ``paths``: what it claims, not what it holds."""
    from conda_package_handling.conda_fmt import CondaFormat_v2

    stage = out.parent / f"stage-{name}"
    for rel, data in files.items():
        (stage / rel).parent.mkdir(parents=True, exist_ok=True)
        (stage / rel).write_bytes(data)
    for rel, target in (links or {}).items():
        (stage / rel).parent.mkdir(parents=True, exist_ok=True)
        (stage / rel).symlink_to(target)
    index = {
        "name": name,
        "version": "1.0",
        "build": "0",
        "build_number": 0,
        "depends": [],
        "subdir": "noarch",
        "license": "MIT",
    }
    extra = {
        "info/index.json": json.dumps(index),
        "info/paths.json": json.dumps({"paths": paths, "paths_version": 1}),
        **(info or {}),
    }
    for rel, text in extra.items():
        (stage / rel).parent.mkdir(parents=True, exist_ok=True)
        (stage / rel).write_text(text)
    members = sorted(extra) + sorted([*files, *(links or {})])
    (out / "noarch").mkdir(parents=True, exist_ok=True)
    if name.endswith("bz2"):  # the older format: one tar.bz2 stream, info/ inside it
        from conda_package_handling.tarball import CondaTarBZ2

        fn = f"{name}-1.0-0.tar.bz2"
        CondaTarBZ2.create(str(stage), members, fn, str(out / "noarch"))
    else:
        fn = f"{name}-1.0-0.conda"
        CondaFormat_v2.create(str(stage), members, fn, str(out / "noarch"))
    return out / "noarch" / fn


def _file(path: str, data: bytes = b"payload\n") -> dict[str, object]:
    import hashlib

    return {
        "_path": path,
        "path_type": "hardlink",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size_in_bytes": len(data),
    }


def _link(path: str) -> dict[str, object]:
    return {"_path": path, "path_type": "softlink"}


# name -> (payload files, paths.json entries, symlinks, other info files, the path named)
Case = tuple[dict[str, bytes], list[dict[str, object]], dict[str, str], dict[str, str], str]
ENTRY_POINT = {"noarch": {"type": "python", "entry_points": ["../../pwned = os:getcwd"]}}
HOSTILE: dict[str, Case] = {
    "climbs": (
        {"share/payload": b"payload\n"},
        [_file("../climbs-1.0-0/share/payload")],
        {},
        {},
        "../climbs-1.0-0/share/payload",
    ),
    "climbsbz2": (
        {"share/payload": b"payload\n"},
        [_file("../climbsbz2-1.0-0/share/payload")],
        {},
        {},
        "../climbsbz2-1.0-0/share/payload",
    ),
    "absolute": ({"share/payload": b"payload\n"}, [_file("/ABS/payload")], {}, {}, "/ABS/payload"),
    "outlink": (
        {},
        [_link("share/outlink")],
        {"share/outlink": f"../../{OUTSIDE}"},
        {},
        "share/outlink",
    ),
    "chainlink": (
        {},
        [_link("share/up"), _link("share/out")],
        {"share/up": "..", "share/out": "up/../x"},
        {},
        "share/out",
    ),
    "hasprefix": (
        {"share/payload": b"payload\n"},
        [_file("share/payload")],
        {},
        {"info/has_prefix": "/opt/anaconda1anaconda2anaconda3 text ../../pwned\n"},
        "../../pwned",
    ),
    "fileslist": (
        {"share/payload": b"payload\n"},
        [_file("share/payload")],
        {},
        {"info/files": "share/payload\n/etc/pwned\n"},
        "/etc/pwned",
    ),
    "entrypoint": (
        {"share/payload": b"payload\n"},
        [_file("share/payload")],
        {},
        {"info/link.json": json.dumps(ENTRY_POINT)},
        "../../pwned",
    ),
}


@pytest.fixture(scope="module")
def hostile_channel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from condapip.channel_build.build import index_channel

    out = tmp_path_factory.mktemp("hostile") / "channel"
    for name, (files, paths, links, info, named) in HOSTILE.items():
        if named == "/ABS/payload":
            paths = [_file(str(out.parent / "abs-target" / "payload"))]
        build_package(out, name, files, paths, links=links, info=info)
    index_channel(out)
    return out


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory, channel: Path) -> Path:
    """A prefix alone in its folder, made once: every refusal leaves it as it was."""
    return make_prefix(tmp_path_factory.mktemp("envs") / "env", channel, ["python", "beta"])


def _listing(folder: Path) -> list[str]:
    """What lies beside the prefix, but for condapip's own lock on it."""
    return sorted(
        rel
        for rel in (p.relative_to(folder).as_posix() for p in folder.rglob("*"))
        if not rel.startswith("env/") and not (rel.startswith(".env.") and rel.endswith(".lock"))
    )


def _refused_one_line(proc: subprocess.CompletedProcess[str], name: str, named: str) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    lines = proc.stderr.strip().splitlines()
    assert len(lines) >= 1 and lines[-1].startswith("condapip: error: "), out
    assert [line for line in lines if line.startswith("condapip: error")] == lines[-1:], out
    assert f"{name}-1.0-0." in lines[-1] and named in lines[-1], out
    assert "panic" not in out and "Traceback" not in out


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_package_is_refused_before_rattler_links_it(
    name: str, hostile_channel: Path, target: Path, channel: Path, tmp_path: Path
) -> None:
    named = HOSTILE[name][4]
    if named == "/ABS/payload":
        named = str(hostile_channel.parent / "abs-target" / "payload")
    before, beside = tree_digest(target), _listing(target.parent)
    env = {**os.environ, "RATTLER_CACHE_DIR": str(tmp_path / "cache")}
    proc = condapip(
        "install",
        "-p",
        str(target),
        "-c",
        str(hostile_channel),
        "-c",
        str(channel),
        "--yes",
        name,
        env=env,
    )
    _refused_one_line(proc, name, named)
    assert tree_digest(target) == before
    assert _listing(target.parent) == beside
    assert not (hostile_channel.parent / "abs-target").exists()
    assert not list(tmp_path.rglob(OUTSIDE))


@pytest.mark.conda
def test_a_hostile_package_is_refused_before_the_real_conda_links_it(
    hostile_channel: Path, target: Path, channel: Path, condarc: Path
) -> None:
    before, beside = tree_digest(target), _listing(target.parent)
    proc = condapip(
        "install",
        "-p",
        str(target),
        "--engine",
        "conda",
        "-c",
        str(hostile_channel),
        "-c",
        str(channel),
        "--yes",
        "climbs",
    )
    _refused_one_line(proc, "climbs", "../climbs-1.0-0/share/payload")
    assert tree_digest(target) == before
    assert _listing(target.parent) == beside


def test_a_prefix_folder_that_links_outside_is_not_linked_into(
    make_env, hostile_channel: Path, channel: Path, tmp_path: Path
) -> None:
    """A folder of the prefix turned into a link outside it (by hand, or by another
    tool): a package with a file in that folder is refused, the outside untouched."""
    from condapip.change import conda_layer
    from condapip.change.engines.rattler import RattlerEngine
    from condapip.errors import CondapipError

    build_package(
        tmp_path / "c", "honest", {"share/payload": b"payload\n"}, [_file("share/payload")]
    )
    from condapip.channel_build.build import index_channel

    index_channel(tmp_path / "c")
    prefix = make_env(["python"])
    outside = tmp_path / "outside"
    outside.mkdir()
    (prefix / "share").symlink_to(outside)
    before = tree_digest(prefix)
    engine = RattlerEngine(progress=False)
    chans = [str(tmp_path / "c"), str(channel)]
    pkgs = conda_layer.solve(engine, prefix, chans, ["honest"])
    with pytest.raises(CondapipError, match="honest-1.0-0.conda.*'share/payload'.*outside"):
        conda_layer.apply(engine, prefix, pkgs, ["honest"])
    assert tree_digest(prefix) == before
    assert list(outside.iterdir()) == []


def test_conda_meta_records_follow_the_umask_as_conda_writes_them(target: Path) -> None:
    records = sorted((target / "conda-meta").glob("*.json"))
    assert records
    expected = 0o666 & ~_umask()
    assert {stat.S_IMODE(p.stat().st_mode) for p in records} == {expected}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("flag", ["-n", "-p"])
@pytest.mark.parametrize("value", ["bad\nname", "tab\tname", "nul\x7fname"])
def test_a_name_or_prefix_with_a_control_character_is_refused_in_one_line(
    tmp_path: Path, flag: str, value: str
) -> None:
    arg = value if flag == "-n" else str(tmp_path / value)
    # in-process but for one cell, whose argv goes through the OS as a user's does
    run = condapip if (flag, value) == ("-n", "bad\nname") else run_cli
    for argv in (["list", flag, arg], ["install", flag, arg, "--yes", "beta"]):
        proc = run(*argv)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and "control character" in proc.stderr
    yml = tmp_path / "environment.yml"
    yml.write_text("dependencies:\n  - python\n")
    proc = run("create", "-f", str(yml), flag, arg, "--yes")
    assert proc.returncode == 2 and "control character" in proc.stderr, proc.stderr
    assert not (tmp_path / value).exists()
    assert not (tmp_path / "home" / ".conda").exists()


def test_members_written_as_dot_slash_are_read_and_checked_as_extractors_place_them(
    tmp_path: Path,
) -> None:
    import io
    import tarfile

    from condapip.change import contain

    archive = tmp_path / "dotted-1.0-0.tar.bz2"
    paths = json.dumps({"paths": [_file("../../dotted")], "paths_version": 1}).encode()
    with tarfile.open(archive, "w:bz2") as tar:
        for name, data in (("./info/paths.json", paths), ("./share/payload", b"payload\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    contents = contain.read_contents(archive, archive.name)
    assert "info/paths.json" in contents.info
    with pytest.raises(contain.Escape, match=r"dotted-1.0-0.tar.bz2.*'../../dotted'"):
        contain.check(tmp_path / "env", archive.name, contents)


@pytest.mark.parametrize(
    ("links", "ok"),
    [
        ({"a": "b"}, True),  # a folder linked to another inside the prefix
        ({"a": "b", "b/c": "{outside}"}, False),  # inside, then out one level down
        ({"a": "{outside}"}, False),
    ],
    ids=["inside", "nested-out", "out"],
)
def test_every_folder_on_a_path_is_followed_through_the_prefixs_own_links(
    tmp_path: Path, links: dict[str, str], ok: bool
) -> None:
    from condapip.change import contain

    prefix, outside = tmp_path / "env", tmp_path / "outside"
    (prefix / "b").mkdir(parents=True)
    outside.mkdir()
    for link, target in links.items():
        (prefix / link).symlink_to(target.format(outside=outside))
    contents = contain.Contents({}, ({"_path": "a/c/payload", "path_type": "hardlink"},))
    if ok:
        contain.check(prefix, "pkg", contents)
    else:
        with pytest.raises(contain.Escape, match="'a/c/payload' lies in a folder that links out"):
            contain.check(prefix, "pkg", contents)
