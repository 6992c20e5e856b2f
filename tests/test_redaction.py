"""No credential in any output, and no local path corrupted by redaction.

A channel is served over HTTP behind a ``/t/<token>/`` path (the server
refuses any other path); the prefix's records keep ``/t/<TOKEN>/``, as conda's do.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from condapip.support.redact import redact, redact_url
from tests.helpers import condapip_process as condapip

TOKEN = "tk-5ecret-77"
SECRET = "pa55w0rd-99"


class _TokenChannel(SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        prefix = f"/t/{TOKEN}/chan/"
        if not path.startswith(prefix):
            return "/nonexistent"
        return super().translate_path("/" + path[len(prefix) :])

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def token_channel(channel: Path) -> Iterator[str]:
    handler = functools.partial(_TokenChannel, directory=str(channel))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/t/{TOKEN}/chan"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def token_env(tmp_path: Path, token_channel: str) -> Path:
    yml = tmp_path / "environment.yml"
    yml.write_text(f"channels:\n  - {token_channel}\ndependencies:\n  - python\n  - alpha\n")
    prefix = tmp_path / "tokenenv"
    env = {**os.environ, "RATTLER_CACHE_DIR": str(tmp_path / "cache")}
    result = condapip("create", "-f", str(yml), "-p", str(prefix), "--yes", env=env)
    assert result.returncode == 0, result.stderr
    assert TOKEN not in result.stdout + result.stderr
    # as conda writes a token channel's record: the token is not kept
    record = next((prefix / "conda-meta").glob("alpha-*.json")).read_text()
    assert "/t/<TOKEN>/chan/noarch/alpha-" in record and TOKEN not in record
    return prefix


def test_list_and_list_json_never_print_a_channel_token(token_env: Path) -> None:
    for args in ([], ["--json"]):
        result = condapip("list", "-p", str(token_env), *args)
        assert result.returncode == 0, result.stderr
        assert TOKEN not in result.stdout + result.stderr
        assert "/chan" in result.stdout  # the channel as conda shows it: no token


def test_doctor_export_and_lock_never_print_a_channel_token(
    token_env: Path, tmp_path: Path
) -> None:
    for args in (["doctor", "--json"], ["doctor"], ["export"], ["export", "--format", "explicit"]):
        result = condapip(*args, "-p", str(token_env))
        assert TOKEN not in result.stdout + result.stderr, args
    out = tmp_path / "lock.yml"
    result = condapip("lock", "-p", str(token_env), "-o", str(out))
    assert TOKEN not in result.stdout + result.stderr + out.read_text()


def test_channels_table_and_json_never_print_credentials(tmp_path: Path) -> None:
    condarc = tmp_path / "condarc"
    condarc.write_text(
        "channels:\n"
        f"  - https://alice:{SECRET}@conda.example.com/private\n"
        f"  - https://conda.example.com/t/{TOKEN}/team\n"
        "  - conda-forge\n"
    )
    env = {**os.environ, "CONDARC": str(condarc)}
    for args in ([], ["--json"]):
        result = condapip("channels", *args, env=env)
        text = result.stdout + result.stderr
        assert SECRET not in text and TOKEN not in text, text
        assert "conda.example.com" in text


def test_the_create_plan_never_prints_an_index_password(
    tmp_path: Path, channel: Path, wheelhouse: Path
) -> None:
    yml = tmp_path / "environment.yml"
    yml.write_text(
        f"channels:\n  - {channel}\ndependencies:\n  - python\n  - pip\n  - pip:\n"
        f"      - --extra-index-url https://bob:{SECRET}@pypi.example.com/simple\n"
        f"      - --find-links {wheelhouse}\n"  # the dry run resolves the list: offline
        "      - epsilon\n"
    )
    result = condapip("create", "-f", str(yml), "-p", str(tmp_path / "x"), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert "https://***@pypi.example.com/simple" in result.stdout


def test_an_error_message_never_prints_a_password(tmp_path: Path) -> None:
    yml = tmp_path / "environment.yml"
    yml.write_text(
        f"channels:\n  - https://carol:{SECRET}@127.0.0.1:9/none\ndependencies:\n  - x\n"
    )
    result = condapip("create", "-f", str(yml), "-p", str(tmp_path / "x"), "--yes")
    assert result.returncode != 0
    assert "condapip: error:" in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_the_doctor_memo_keeps_no_credentials(tmp_path: Path, make_env) -> None:
    prefix = make_env()
    home = tmp_path / "home"
    condarc = tmp_path / "condarc"
    condarc.write_text(f"channels:\n  - https://alice:{SECRET}@conda.example.com/private\n")
    env = {**os.environ, "CONDARC": str(condarc), "HOME": str(home)}
    env["XDG_CACHE_HOME"] = str(home / ".cache")
    condapip("doctor", "-p", str(prefix), env=env)
    cached = [p.read_text() for p in home.rglob("*") if p.is_file()]
    assert not any(SECRET in text for text in cached)


def test_a_file_channel_under_a_folder_named_t_is_locked_and_installed_as_is(
    tmp_path: Path, channel: Path, make_env
) -> None:
    import shutil

    local = tmp_path / "home" / "t" / "chan"
    shutil.copytree(channel, local)
    prefix = make_env(("python", "beta"), chan=local)
    out = tmp_path / "lock.yml"
    result = condapip("lock", "-p", str(prefix), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "***" not in out.read_text() and local.as_uri() in out.read_text()
    made = condapip("create", "-p", str(tmp_path / "again"), "--lock", str(out), "--yes")
    assert made.returncode == 0, made.stderr


@pytest.mark.parametrize(
    "text, want",
    [
        ("https://u:p@h/x", "https://***@h/x"),
        ("https://h/t/abc/chan/noarch", "https://h/t/***/chan/noarch"),
        ("http://h/simple?token=abc&x=1", "http://h/simple?token=***&x=1"),
        ("file:///home/me/t/chan/noarch/a.conda", "file:///home/me/t/chan/noarch/a.conda"),
        ("/home/me/t/chan", "/home/me/t/chan"),
        ("git+ssh://git@github.com/o/r", "git+ssh://git@github.com/o/r"),
        ("git+https://tok@github.com/o/r", "git+https://***@github.com/o/r"),
        ("error at https://u:p@h/x: gone", "error at https://***@h/x: gone"),
    ],
)
def test_redaction_masks_credentials_and_only_credentials(text: str, want: str) -> None:
    assert redact(text) == want


def test_redact_url_says_whether_it_masked() -> None:
    assert redact_url("https://h/x") == ("https://h/x", False)
    assert redact_url("https://u:p@h/x")[1]


def test_history_keeps_no_password(make_env) -> None:
    from condapip.ledger.history import append_history

    prefix = make_env(("python",))
    argv = ["condapip", "install", "--extra-index-url", f"https://u:{SECRET}@h/simple", "x"]
    append_history(prefix, added=[], removed=[], update_specs=[], argv=argv)
    assert SECRET not in (prefix / "conda-meta" / "history").read_text()
    assert json.dumps(argv)  # the argv itself is the caller's


def test_the_conda_plugin_prints_findings_without_credentials() -> None:
    # conda prints these in its own process, past condapip's redacting streams
    from condapip.conda_plugin.health import _lines
    from condapip.doctor.findings import Finding

    url = f"https://conda.example.com/t/{TOKEN}/private"
    finding = Finding("channel-priority", "warning", None, f"{url} is first", f"drop {url}")
    text = "\n".join(_lines([finding]))
    assert TOKEN not in text and "/t/***/private" in text
