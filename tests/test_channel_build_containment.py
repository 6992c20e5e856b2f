"""``channel build`` on hostile wheels: no path a wheel names may leave the package.

Each wheel is crafted here with zipfile; each refusal is exit 2, one line, and
nothing written: not the escaping file, not even the output channel.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from tests.helpers import condapip


def _wheel(out: Path, members: dict[str, bytes], *, symlink: str | None = None) -> Path:
    dist = "evil-1.0.dist-info"
    content = {
        f"{dist}/METADATA": b"Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n\n",
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        "evil/__init__.py": b"",
        **members,
    }
    out.mkdir(parents=True, exist_ok=True)
    path = out / "evil-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in content.items():
            zf.writestr(name, data)
        if symlink is not None:
            info = zipfile.ZipInfo("evil/link")
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, symlink)
    return path


def _refused(tmp_path: Path, whl: Path, escaped: Path) -> None:
    out = tmp_path / "channel"
    proc = condapip("channel", "build", str(whl), "-o", str(out))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("condapip: error: "), proc.stderr
    assert not escaped.exists()
    assert not out.exists()  # refused before any write


def test_a_data_member_with_an_absolute_target_is_refused(tmp_path: Path) -> None:
    escaped = tmp_path / "abs" / "pwned"
    whl = _wheel(tmp_path / "w", {f"evil-1.0.data/data/{escaped}": b"x"})
    assert f"data//{str(escaped)[1:]}" in "\n".join(zipfile.ZipFile(whl).namelist())
    _refused(tmp_path, whl, escaped)


@pytest.mark.parametrize("scheme", ["data", "purelib", "scripts", "headers"])
def test_a_data_member_that_climbs_out_is_refused(tmp_path: Path, scheme: str) -> None:
    escaped = tmp_path / "pwned"
    whl = _wheel(tmp_path / "w", {f"evil-1.0.data/{scheme}/../../../../../pwned": b"x"})
    _refused(tmp_path, whl, escaped)


def test_a_member_that_climbs_out_is_refused(tmp_path: Path) -> None:
    whl = _wheel(tmp_path / "w", {"../../pwned": b"x"})
    _refused(tmp_path, whl, tmp_path / "pwned")


def test_a_console_script_named_with_a_path_is_refused(tmp_path: Path) -> None:
    eps = b"[console_scripts]\n../../../../pwned = evil:main\n"
    whl = _wheel(tmp_path / "w", {"evil-1.0.dist-info/entry_points.txt": eps})
    _refused(tmp_path, whl, tmp_path / "pwned")


def test_a_symlink_member_is_refused(tmp_path: Path) -> None:
    whl = _wheel(tmp_path / "w", {}, symlink="/etc/passwd")
    _refused(tmp_path, whl, tmp_path / "never")


def test_an_honest_data_member_is_packaged_under_the_prefix(tmp_path: Path) -> None:
    whl = _wheel(tmp_path / "w", {"evil-1.0.data/data/share/evil/readme.txt": b"hello"})
    out = tmp_path / "channel"
    proc = condapip("channel", "build", str(whl), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    from conda_package_handling.api import extract

    pkg = out / "noarch" / "evil-1.0-pyh_0.conda"
    extract(str(pkg), dest_dir=str(tmp_path / "x"))
    assert (tmp_path / "x" / "share" / "evil" / "readme.txt").read_bytes() == b"hello"


@pytest.mark.parametrize(
    "members",
    [
        {"evil-1.0.data/data/info/index.json": b"{}"},  # the package's own info/
        {"evil-1.0.data/data/info": b"x"},
        {"evil/mod": b"a file", "evil/mod/inner.py": b"and a folder"},
        {"evil-1.0.data/purelib/evil/__init__.py": b"twice"},  # two members, one path
    ],
    ids=["data-info-file", "data-info-itself", "file-and-folder", "same-target"],
)
def test_a_wheel_whose_members_clash_is_refused_in_one_line(
    tmp_path: Path, members: dict[str, bytes]
) -> None:
    whl = _wheel(tmp_path / "w", members)
    _refused(tmp_path, whl, tmp_path / "never")
    proc = condapip("channel", "build", str(whl), "-o", str(tmp_path / "channel"))
    assert "Traceback" not in proc.stderr and "evil-1.0-py3-none-any.whl" in proc.stderr
