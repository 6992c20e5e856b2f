"""conda's ``offline: true`` holds for the pip layer too, and ``lock -f`` resolves the
pip layer against the indexes pip itself would use (its pip.conf and ``PIP_*``).

The index is real HTTP (pytest-httpserver): a PEP 503 page per project, the
wheel beside it. Its log proves what was fetched, and that offline, nothing was.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from werkzeug import Request, Response

from condapip.ledger import pip_config
from tests.helpers import condapip, tree_digest
from tests.wheelmaker import make_wheel

SECRET = "idx-5ecret-7777"


@pytest.fixture
def index(httpserver, tmp_path: Path) -> str:
    """A simple index whose one project, ``omega``, no find-links folder has."""
    files = tmp_path / "index-files"
    wheel = make_wheel(files, "omega", "1.0", [])
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()

    def handler(request: Request) -> Response:
        if request.path.rstrip("/") == "/simple/omega":
            link = f'<a href="/files/{wheel.name}#sha256={digest}">{wheel.name}</a>'
            return Response(f"<html><body>{link}</body></html>", content_type="text/html")
        if request.path == f"/files/{wheel.name}":
            return Response(wheel.read_bytes(), content_type="application/octet-stream")
        return Response("not found", status=404)

    httpserver.expect_request(re.compile(r"^/.*")).respond_with_handler(handler)
    host = httpserver.url_for("").rstrip("/").split("://", 1)[1]
    return f"http://user:{SECRET}@{host}/simple"


@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    rc = tmp_path / "offline.condarc"
    rc.write_text("offline: true\nchannels: []\n")
    monkeypatch.setenv("CONDARC", str(rc))
    return rc


def _use_index(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """The index set the way a user sets it, for pip and for uv; no --no-index anywhere."""
    monkeypatch.delenv("PIP_NO_INDEX")
    monkeypatch.delenv("UV_CONFIG_FILE", raising=False)
    monkeypatch.setenv("UV_NO_CONFIG", "1")
    monkeypatch.setenv("PIP_INDEX_URL", url)
    monkeypatch.setenv("UV_INDEX_URL", url)


def test_offline_install_of_what_only_an_index_has_is_one_clear_line_and_changes_nothing(
    make_env, channel, index, offline, pip_engine, httpserver, monkeypatch
) -> None:
    prefix = make_env()
    _use_index(monkeypatch, index)
    before = tree_digest(prefix)
    result = condapip(
        "install", "-p", str(prefix), "-c", str(channel), "--pip-engine", pip_engine, "--yes",
        "omega",
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = [ln for ln in result.stderr.splitlines() if "error:" in ln]
    assert line == (
        f"condapip: error: pip requirement 'omega' is not available locally, and {offline} "
        "sets offline: true (no network): add a --find-links folder that has it"
    )
    assert not httpserver.log  # nothing was fetched
    assert tree_digest(prefix) == before


def test_offline_install_of_a_direct_url_is_refused_before_pip_fetches_it(
    make_env, channel, index, offline, httpserver
) -> None:
    prefix = make_env()
    before = tree_digest(prefix)
    url = index.replace("/simple", "/files/omega-1.0-py3-none-any.whl")
    result = condapip("install", "-p", str(prefix), "-c", str(channel), "--yes", f"omega @ {url}")
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = [ln for ln in result.stderr.splitlines() if "error:" in ln]
    assert line.startswith("condapip: error: pip requirement 'omega @ http://***@")
    assert "is not available locally" in line and f"{offline} sets offline: true" in line
    assert SECRET not in result.stdout + result.stderr
    assert not httpserver.log
    assert tree_digest(prefix) == before


def test_offline_install_from_a_find_links_folder_works(
    make_env, channel, find_links, offline, pip_engine
) -> None:
    prefix = make_env()
    result = condapip(
        "install", "-p", str(prefix), "-c", str(channel), "--pip-engine", pip_engine, "--yes",
        "epsilon",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert list((prefix / "lib").glob("python3*/site-packages/epsilon-1.0.dist-info"))


def _envfile(folder: Path, channel: Path, pip: str) -> Path:
    path = folder / "environment.yml"
    path.write_text(
        f"name: x\nchannels:\n  - {channel}\ndependencies:\n  - python\n  - pip\n"
        f"  - pip:\n    - {pip}\n"
    )
    return path


def _lock(file: Path) -> tuple[int, str, dict]:
    out = file.parent / "condapip.lock.yml"
    result = condapip("lock", "-f", str(file), "-o", str(out))
    said = result.stdout + result.stderr
    if result.returncode != 0:
        return result.returncode, said, {}
    doc = YAML(typ="safe").load(out.read_text())
    [plat] = doc["platforms"].values()
    return 0, said, {p["name"]: p for p in plat["pip"]}


def test_lock_f_resolves_with_the_find_links_and_no_index_of_pip_conf(
    channel, wheelhouse, tmp_path, monkeypatch
) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nfind-links = {wheelhouse}\n\n[install]\nno-index = true\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    for var in ("PIP_NO_INDEX", "PIP_FIND_LINKS"):  # the variables would override the file
        monkeypatch.delenv(var, raising=False)
    code, said, pip = _lock(_envfile(tmp_path, channel, "epsilon"))
    assert code == 0, said
    wheel = wheelhouse / "epsilon-1.0-py3-none-any.whl"
    assert pip["epsilon"]["url"] == wheel.as_uri()  # not PyPI's epsilon


def test_lock_f_resolves_against_pip_index_url_and_never_shows_its_password(
    channel, index, tmp_path, monkeypatch
) -> None:
    _use_index(monkeypatch, index)
    monkeypatch.delenv("UV_INDEX_URL")  # uv's own setting is not what is tested
    code, said, pip = _lock(_envfile(tmp_path, channel, "omega"))
    assert code == 0, said
    assert pip["omega"]["version"] == "1.0" and "/files/omega-1.0-" in pip["omega"]["url"]
    assert SECRET not in said and SECRET not in (tmp_path / "condapip.lock.yml").read_text()


def test_lock_f_offline_resolves_without_the_network_and_says_what_is_missing(
    channel, index, offline, tmp_path, monkeypatch, httpserver
) -> None:
    _use_index(monkeypatch, index)
    code, said, _ = _lock(_envfile(tmp_path, channel, "omega"))
    assert code == 2, said
    [line] = [ln for ln in said.splitlines() if "error:" in ln]
    assert f"pip requirement 'omega' is not available locally, and {offline} sets" in line
    assert not httpserver.log


def test_create_offline_with_a_pip_list_only_an_index_has_creates_nothing(
    channel, index, offline, tmp_path, monkeypatch, httpserver
) -> None:
    _use_index(monkeypatch, index)
    file = _envfile(tmp_path, channel, "omega")
    result = condapip("create", "-f", str(file), "-p", str(tmp_path / "new"), "--yes")
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = [ln for ln in result.stderr.splitlines() if "error:" in ln]
    assert f"pip requirement 'omega' is not available locally, and {offline} sets" in line
    assert not httpserver.log and not (tmp_path / "new").exists()


def test_pip_config_reads_files_in_pips_order_install_over_global_and_env_over_both(
    tmp_path, monkeypatch
) -> None:
    user = tmp_path / "home" / ".config" / "pip" / "pip.conf"
    user.parent.mkdir(parents=True)
    user.write_text(
        "[global]\nindex-url = https://user.example/simple\nno-index = yes\n"
        "extra-index-url = https://a.example/simple https://b.example/simple\n"
    )
    legacy = tmp_path / "home" / ".pip" / "pip.conf"
    legacy.parent.mkdir(parents=True)
    legacy.write_text(
        "[global]\nextra-index-url = https://legacy.example/simple\n"
        "[install]\nindex-url = https://legacy-install.example/simple\n"
    )
    monkeypatch.delenv("PIP_CONFIG_FILE")
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "no-such-dir"))
    monkeypatch.setenv("PIP_NO_INDEX", "off")
    got = pip_config.read()
    # as pip 23 reads them: [install] of the earlier file over [global] of the later one
    assert got.index_url == "https://legacy-install.example/simple"
    assert got.extra_index_urls == ("https://a.example/simple", "https://b.example/simple")
    assert got.no_index is False  # PIP_NO_INDEX over the file
    monkeypatch.setenv("PIP_CONFIG_FILE", str(tmp_path / "named.conf"))
    (tmp_path / "named.conf").write_text("[install]\nfind-links = wheels\n")
    named = pip_config.read()  # a named file that exists: no user files
    assert named.index_url is None and named.find_links == (str(Path("wheels").absolute()),)
    assert named.args(own_index=True) == ["--find-links", named.find_links[0]]
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    assert pip_config.config_files() == []


def test_an_index_option_written_with_its_value_attached_is_not_taken_for_a_fetch() -> None:
    from condapip.change.engines.pip import fetched_anyway

    # pip never fetches an index under --no-index, however the option is written
    for inert in (["--index-url=https://x.example/simple"], ["-ihttps://x.example/simple"],
                  ["--extra-index-url", "https://y.example/simple"]):  # fmt: skip
        assert fetched_anyway([*inert, "omega"]) is None
    # but a find-links URL and a direct URL are fetched, attached or not
    assert fetched_anyway(["--find-links=https://x.example/w"]) == "https://x.example/w"
    assert fetched_anyway(["-fhttps://x.example/w"]) == "https://x.example/w"
    assert fetched_anyway(["-f", "file:///tmp/w", "omega @ https://x.example/o.whl"]) == (
        "omega @ https://x.example/o.whl"
    )
