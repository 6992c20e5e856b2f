"""Which platforms `lock -f` locks: `--platform`, else the file's `platforms:` key,
else this machine's; and each platform's default virtual packages."""

from __future__ import annotations

import json

import pytest

from condapip.ledger.platform import current_subdir
from tests.helpers import condapip
from tests.test_channel_build_progress import _on_a_terminal
from tests.test_lock_file import ENV, envfile, shared_world

world = pytest.fixture(scope="module")(shared_world)


def _locked_platforms(world, tmp_path, text: str, *args: str) -> list[str]:
    file = envfile(tmp_path, world, text)
    result = condapip("lock", "-f", str(file), "-o", str(tmp_path / "out.yml"), "--json", *args)
    assert result.returncode == 0, result.stderr
    return sorted(json.loads(result.stdout)["platforms"])


def test_a_file_without_platforms_is_locked_for_this_machine_only(world, tmp_path):
    text = ENV.replace("platforms: [linux-64, osx-arm64, win-64]\n", "")
    assert _locked_platforms(world, tmp_path, text) == [current_subdir()]


def test_platform_options_replace_the_files_platforms_key(world, tmp_path):
    args = ("--platform", "win-64", "--platform", "osx-arm64")
    assert _locked_platforms(world, tmp_path, ENV, *args) == ["osx-arm64", "win-64"]


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("linux-64", {"__glibc": "2.28", "__unix": "0", "__linux": "0"}),
        ("linux-aarch64", {"__glibc": "2.28", "__unix": "0", "__linux": "0"}),
        ("osx-arm64", {"__osx": "11.0", "__unix": "0"}),
        ("osx-64", {"__osx": "10.15", "__unix": "0"}),
        ("win-64", {"__win": "0"}),
    ],
)
def test_each_platforms_default_virtual_packages_are_the_readmes(platform, expected):
    from condapip.change.platform_solve import virtual_packages

    assert virtual_packages([platform], []) == {platform: expected}


def test_a_virtual_package_without_a_platform_applies_to_every_platform():
    from condapip.change.platform_solve import virtual_packages

    got = virtual_packages(["linux-64", "win-64"], ["__cuda=12.4", "win-64:__cuda=11.8"])
    assert got["linux-64"]["__cuda"] == "12.4" and got["win-64"]["__cuda"] == "11.8"


def test_a_progress_line_per_platform_on_a_terminal_and_none_in_a_pipe(world, tmp_path):
    file = envfile(tmp_path, world)
    args = ("lock", "-f", str(file), "-o", str(tmp_path / "out.yml"))
    proc, seen = _on_a_terminal(*args)
    assert proc.returncode == 0, seen
    for plat in ("linux-64", "osx-arm64", "win-64"):
        assert f"locking {plat}".encode() in seen, seen
    assert seen.count(b"done") == 3, seen
    piped = condapip(*args)
    assert piped.returncode == 0 and piped.stderr == "", piped.stderr
