"""No secret at rest: a channel's token or password is in no file condapip writes.

Channels are served over real HTTP (pytest-httpserver, on a port) behind a
``/t/<token>/`` path and behind basic auth; a wheel behind basic auth too.
An env is created, changed, locked, snapshotted and rolled back from them;
then every file under the prefix, the lock and the test's HOME (its XDG
folders included) is read for the secrets. The credentials for a later fetch
come from the condarc, never from condapip's files; the real conda lists the
prefix afterwards.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug import Request, Response

from condapip.support.redact import attach, redact, store, store_channel, store_spec, store_url
from tests.helpers import conda, condapip_process

TOKEN = "tk-at-rest-5ecret-4242"
USER = "alice"
PASSWORD = "pa55-at-rest-9999"
SECRETS = (TOKEN, PASSWORD)


@dataclass(frozen=True)
class Served:
    base: str  # http://127.0.0.1:PORT
    token_channel: str  # .../t/TOKEN/chan
    basic_channel: str  # http://alice:PASSWORD@127.0.0.1:PORT/basic/chan
    wheel: str  # epsilon's wheel, behind basic auth, with the userinfo in its URL


@pytest.fixture
def served(httpserver, channel: Path, wheelhouse: Path) -> Served:
    """The test channel at /t/TOKEN/chan and (basic auth) /basic/chan; wheels at /wheels."""

    def handler(request: Request) -> Response:
        path = request.path
        if path.startswith(f"/t/{TOKEN}/chan/"):
            root, rel = channel, path[len(f"/t/{TOKEN}/chan/") :]
        elif path.startswith(("/basic/chan/", "/wheels/")):
            auth = request.authorization
            if auth is None or (auth.username, auth.password) != (USER, PASSWORD):
                return Response("unauthorized", status=401)
            root = channel if path.startswith("/basic/") else wheelhouse
            rel = path.split("/", 3)[-1] if root is channel else path[len("/wheels/") :]
        else:
            return Response("not found", status=404)
        file = (root / rel).resolve()
        if root.resolve() not in file.parents or not file.is_file():
            return Response("not found", status=404)
        return Response(file.read_bytes(), content_type="application/octet-stream")

    httpserver.expect_request(re.compile(r"^/.*")).respond_with_handler(handler)
    base = httpserver.url_for("").rstrip("/")
    host = base.split("://", 1)[1]
    return Served(
        base=base,
        token_channel=f"{base}/t/{TOKEN}/chan",
        basic_channel=f"http://{USER}:{PASSWORD}@{host}/basic/chan",
        wheel=f"http://{USER}:{PASSWORD}@{host}/wheels/epsilon-1.0-py3-none-any.whl",
    )


@pytest.fixture
def user_condarc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The condarc ``$CONDARC`` names: where this user keeps the channel's credential
    (written by each test), and the real conda's quiet settings (conftest's ``condarc``)."""
    rc = tmp_path / "conda-config" / "condarc"
    rc.parent.mkdir()
    monkeypatch.setenv("CONDARC", str(rc))
    for key, value in (("SOLVER", "classic"), ("REPORT_ERRORS", "false")):
        monkeypatch.setenv(f"CONDA_{key}", value)
    monkeypatch.setenv("CONDA_PKGS_DIRS", str(tmp_path / "conda-pkgs"))
    return rc


def _ok(*args: str) -> str:
    # a process: its exit scrubs rattler's repodata cache (__main__), which is the point
    result = condapip_process(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def _leaks(*roots: Path) -> list[str]:
    """Every file under ``roots`` that holds a secret, and where."""
    found = []
    for root in roots:
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in files:
            if path.is_symlink():
                continue
            data = path.read_bytes()
            found += [f"{path}: {s}" for s in SECRETS if s.encode() in data]
    return found


def _make(tmp_path: Path, channel: str, name: str) -> Path:
    yml = tmp_path / f"{name}.yml"
    yml.write_text(f"channels:\n  - {channel}\ndependencies:\n  - python\n  - pip\n  - alpha\n")
    prefix = tmp_path / name
    said = _ok("create", "-f", str(yml), "-p", str(prefix), "--yes")
    assert not any(s in said for s in SECRETS)
    return prefix


def _record(prefix: Path, name: str) -> dict[str, str]:
    data = json.loads(next((prefix / "conda-meta").glob(f"{name}-*.json")).read_text())
    return {"url": data["url"], "channel": data["channel"]}


@pytest.fixture
def token_env(
    tmp_path: Path,
    served: Served,
    user_condarc: Path,
    find_links: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    user_condarc.write_text(f"channels:\n  - {served.token_channel}\n")
    # where this user keeps the wheel server's password for pip: a netrc of their own
    netrc = tmp_path / "conda-config" / "netrc"
    netrc.write_text(f"machine localhost login {USER} password {PASSWORD}\n")
    monkeypatch.setenv("NETRC", str(netrc))
    prefix = _make(tmp_path, served.token_channel, "tokenenv")
    # a spec naming the token channel: history keeps it without the token
    _ok("install", "-p", str(prefix), f"{served.token_channel}::gamma", "--yes")
    _ok("install", "-p", str(prefix), f"epsilon @ {served.wheel}", "--yes")
    return prefix


def test_a_token_channel_leaves_its_token_in_no_file_and_fetches_with_the_condarcs(
    token_env: Path, served: Served, tmp_path: Path, user_condarc: Path
) -> None:
    host = served.base.split("://", 1)[1]
    assert _record(token_env, "alpha") == {
        "url": f"http://{host}/t/<TOKEN>/chan/noarch/alpha-1.0-pyh_0.conda",
        "channel": f"http://{host}/chan/",
    }
    history = (token_env / "conda-meta" / "history").read_text()
    assert f"+http://{host}/chan/noarch::alpha-1.0-pyh_0" in history
    assert f"# update specs: ['http://{host}/chan::gamma']" in history
    requests = json.loads((token_env / "conda-meta" / "condapip" / "requests.json").read_text())
    stored_wheel = served.wheel.replace(f"{USER}:{PASSWORD}@", "")
    assert requests["pip_requests"]["epsilon"] == f"epsilon @ {stored_wheel}"
    assert len(list((token_env / "conda-meta" / "condapip").glob("snapshot-*.json"))) == 2
    lock = tmp_path / "lock.yml"
    _ok("lock", "-p", str(token_env), "-o", str(lock))
    assert "/t/<TOKEN>/chan/noarch/alpha-1.0-pyh_0.conda" in lock.read_text()
    _ok("doctor", "-p", str(token_env))
    assert _leaks(token_env, lock, tmp_path / "home") == []
    # a later fetch takes the token from the condarc: a solve with history's
    # gamma spec, a rollback of a conda change, a lock
    _ok("install", "-p", str(token_env), "zeta", "--yes")
    _ok("rollback", "-p", str(token_env), "--yes")  # takes zeta out: the rest refetched
    assert not list((token_env / "conda-meta").glob("zeta-*.json"))
    again = tmp_path / "again"
    _ok("create", "--lock", str(lock), "-p", str(again), "--yes")
    assert list((again / "conda-meta").glob("gamma-*.json"))
    assert _leaks(token_env, again, tmp_path / "home") == []
    user_condarc.write_text("channels: []\n")  # the token is nowhere now
    refused = condapip_process(
        "create", "--lock", str(lock), "-p", str(tmp_path / "third"), "--yes"
    )
    assert refused.returncode == 2, refused.stdout + refused.stderr
    [line] = [ln for ln in refused.stderr.splitlines() if ln.startswith("condapip: error:")]
    assert "token" in line and "condarc" in line and "Traceback" not in refused.stderr
    assert not (tmp_path / "third").exists()


def test_a_basic_auth_channel_leaves_its_password_in_no_file(
    tmp_path: Path, served: Served, user_condarc: Path
) -> None:
    user_condarc.write_text(f"channels:\n  - {served.basic_channel}\n")
    prefix = _make(tmp_path, served.basic_channel, "basicenv")
    host = served.base.split("://", 1)[1]
    assert _record(prefix, "alpha") == {
        "url": f"http://{host}/basic/chan/noarch/alpha-1.0-pyh_0.conda",
        "channel": f"http://{host}/basic/chan/",
    }
    _ok("install", "-p", str(prefix), "gamma", "--yes")
    lock = tmp_path / "lock.yml"
    _ok("lock", "-p", str(prefix), "-o", str(lock))
    _ok("rollback", "-p", str(prefix), "--yes")  # refetches with the condarc's password
    _ok("create", "--lock", str(lock), "-p", str(tmp_path / "again"), "--yes")
    _ok("rebuild", "-p", str(tmp_path / "again"), "--yes")  # every package fetched afresh
    assert list((tmp_path / "again" / "conda-meta").glob("gamma-*.json"))
    assert _leaks(prefix, lock, tmp_path / "again", tmp_path / "home") == []


@pytest.mark.conda
def test_the_real_conda_lists_a_prefix_made_from_a_token_channel_on_a_port(
    token_env: Path, served: Served, tmp_path: Path
) -> None:
    listed = conda("list", "-p", str(token_env), check=True)
    row = rf"^alpha\s+1\.0\s+pyh_0\s+{re.escape(served.base)}/chan$"  # the port kept
    assert re.search(row, listed.stdout, re.M), listed.stdout
    for args in (["--json"], ["--revisions"], ["--export"]):
        shown = conda("list", "-p", str(token_env), *args, check=True)
        assert not any(s in shown.stdout for s in SECRETS)
    # conda itself, installing from the same channel, writes the same URL
    # (its own `conda list --explicit` cannot read that URL back when the
    # channel has a port: conda's split_anaconda_token takes "8712<TOKEN>" for the port)
    own = tmp_path / "by-conda"
    conda("create", "-p", str(own), "--override-channels", "-c", served.token_channel,
          "alpha", "--yes", "--quiet", check=True)  # fmt: skip
    assert _record(own, "alpha")["url"] == _record(token_env, "alpha")["url"]


@pytest.mark.conda
def test_the_real_conda_lists_a_prefix_made_from_a_basic_auth_channel(
    tmp_path: Path, served: Served, user_condarc: Path
) -> None:
    user_condarc.write_text(f"channels:\n  - {served.basic_channel}\n")
    prefix = _make(tmp_path, served.basic_channel, "basicenv")
    listed = conda("list", "-p", str(prefix), check=True)
    assert "alpha" in listed.stdout and PASSWORD not in listed.stdout


# --- the one helper: stored forms keep a URL a URL ---------------------------------


@pytest.mark.parametrize(
    "url, stored, channel",
    [
        (
            "http://127.0.0.1:8712/t/tk-1/chan/noarch/a.conda",
            "http://127.0.0.1:8712/t/<TOKEN>/chan/noarch/a.conda",
            "http://127.0.0.1:8712/chan/noarch/a.conda",
        ),
        (
            "https://u:p@[::1]:8443/t/tk-1/chan/",
            "https://[::1]:8443/t/<TOKEN>/chan/",
            "https://[::1]:8443/chan/",
        ),
        ("http://u:p@[fe80::1]/chan", "http://[fe80::1]/chan", "http://[fe80::1]/chan"),
        ("https://h/x?token=abc&x=1", "https://h/x?token=***&x=1", "https://h/x?token=***&x=1"),
        ("git+https://tok@github.com/o/r", "git+https://github.com/o/r", "git+https://github.com/o/r"),
        ("git+https://git@github.com/o/r", "git+https://git@github.com/o/r", "git+https://git@github.com/o/r"),
        ("git+ssh://git@github.com/o/r", "git+ssh://git@github.com/o/r", "git+ssh://git@github.com/o/r"),
        ("https://${PIP_USER}:${PIP_PASSWORD}@h/x", "https://${PIP_USER}:${PIP_PASSWORD}@h/x", "https://${PIP_USER}:${PIP_PASSWORD}@h/x"),
        ("file:///home/t/abc/chan", "file:///home/t/abc/chan", "file:///home/t/abc/chan"),
    ],
)  # fmt: skip
def test_stored_urls_keep_ports_and_ipv6_hosts_and_drop_credentials(
    url: str, stored: str, channel: str
) -> None:
    from urllib.parse import urlsplit

    assert (store_url(url), store_channel(url)) == (stored, channel)
    for out in (store_url(url), store_channel(url), redact(url)):
        assert urlsplit(out).port == urlsplit(url).port
        assert urlsplit(out).hostname == urlsplit(url).hostname


def test_stored_forms_are_stable_and_stored_specs_name_a_channel_conda_parses() -> None:
    url = "http://u:p@127.0.0.1:8712/t/tk-1/chan/noarch/a.conda"
    assert store_url(store_url(url)) == store_url(url)
    assert store_url("http://h:1/t/%3CTOKEN%3E/c/x.conda") == "http://h:1/t/<TOKEN>/c/x.conda"
    assert (
        store_spec("http://u:p@h:1/t/tk-1/chan/noarch::pkg>=1") == "http://h:1/chan/noarch::pkg>=1"
    )
    assert store(f"condapip install -c {url} x") == (
        "condapip install -c http://127.0.0.1:8712/t/<TOKEN>/chan/noarch/a.conda x"
    )


def test_credentials_come_back_from_the_channel_whose_location_matches() -> None:
    keepers = [
        "https://conda.example/t/tk-other/elsewhere",
        "http://127.0.0.1:8712/t/tk-1/chan",
        "http://u:p@[::1]:8443/basic",
        "https://alias.example/t/tk-alias",
    ]
    stored = "http://127.0.0.1:8712/t/<TOKEN>/chan/noarch/a.conda"
    assert attach(stored, keepers) == "http://127.0.0.1:8712/t/tk-1/chan/noarch/a.conda"
    assert attach("http://[::1]:8443/basic/chan/noarch/a.conda", keepers) == (
        "http://u:p@[::1]:8443/basic/chan/noarch/a.conda"
    )
    assert attach("https://alias.example/t/<TOKEN>/conda-forge/noarch/a.conda", keepers) == (
        "https://alias.example/t/tk-alias/conda-forge/noarch/a.conda"
    )
    assert attach("http://127.0.0.1:9999/t/<TOKEN>/chan/noarch/a.conda", keepers) is None
    assert attach("http://127.0.0.1:8712/chanx/noarch/a.conda", keepers) is None


def test_a_missing_token_is_one_line_naming_the_channel(
    user_condarc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from condapip.errors import CondapipError
    from condapip.ledger.credentials import for_fetch

    monkeypatch.setenv("CHAN_TOKEN", "tk-from-env")
    user_condarc.write_text("channels:\n  - https://h.example:8443/t/${CHAN_TOKEN}/chan\n")
    assert for_fetch("https://h.example:8443/t/<TOKEN>/chan/noarch/a.conda") == (
        "https://h.example:8443/t/tk-from-env/chan/noarch/a.conda"
    )
    with pytest.raises(CondapipError) as err:
        for_fetch("https://other.example/t/<TOKEN>/chan/noarch/a.conda")
    assert "\n" not in str(err.value) and "https://other.example/t/<TOKEN>/chan" in str(err.value)


def test_the_memo_never_keeps_an_answer_naming_a_credential(tmp_path: Path) -> None:
    from condapip.support import memo

    memo.remember("probe", "k", {"fix": f"condapip install -c https://h/t/{TOKEN}/c x"})
    memo.remember("plain", "k", {"fix": "condapip install x"})
    assert memo.recall("probe", "k") is memo.MISS
    assert memo.recall("plain", "k") == {"fix": "condapip install x"}
    assert _leaks(tmp_path / "home") == []


def test_a_dockerfile_that_would_need_a_channel_token_is_refused() -> None:
    from condapip.docker.base import base_image
    from condapip.docker.layers import from_lock
    from condapip.docker.write import render
    from condapip.errors import CondapipError
    from condapip.formats.lock import CondaLocked, Lock, PlatformLock

    url = "https://conda.example:8443/t/<TOKEN>/chan/linux-64/x-1.0-0.conda"
    conda_pkg = CondaLocked("x", "1.0", "0", "linux-64", url, "a" * 64, None)
    lock = Lock("env", (), (), {"linux-64": PlatformLock((conda_pkg,), ())})
    layers = from_lock(lock, "condapip.lock.yml")
    with pytest.raises(CondapipError) as err:
        render(layers, base=base_image(None), user=None, source="condapip.lock.yml")
    assert "build secret" in str(err.value) and "\n" not in str(err.value)


def test_a_prefix_whose_records_still_hold_a_token_is_snapshotted_and_left_without_it(
    tmp_path: Path, served: Served, user_condarc: Path
) -> None:
    from condapip.change.engines.rattler import RattlerEngine

    user_condarc.write_text(f"channels:\n  - {served.token_channel}\n")
    prefix = tmp_path / "older"
    engine = RattlerEngine(progress=False)
    # rattler alone, as condapip linked before it stored URLs: the token in every record
    engine.install(prefix, engine.solve(prefix, [served.token_channel], ["python", "alpha"]))
    assert any(TOKEN in p.read_text() for p in (prefix / "conda-meta").glob("*.json"))
    _ok("install", "-p", str(prefix), "gamma", "--yes")
    assert list((prefix / "conda-meta" / "condapip").glob("snapshot-*.json"))
    assert _leaks(prefix) == []


def test_an_index_password_in_an_environment_file_is_kept_nowhere(
    tmp_path: Path, channel: Path, find_links: Path
) -> None:
    yml = tmp_path / "environment.yml"
    yml.write_text(
        f"channels:\n  - {channel}\ndependencies:\n  - python\n  - pip\n  - pip:\n"
        f"      - --extra-index-url https://{USER}:{PASSWORD}@pypi.example.com/simple\n"
        "      - epsilon\n"
    )
    prefix = tmp_path / "indexenv"
    _ok("create", "-f", str(yml), "-p", str(prefix), "--yes")
    assert list(prefix.glob("lib/python*/site-packages/epsilon-1.0.dist-info"))
    assert _leaks(prefix, tmp_path / "home") == []


def test_a_spec_channel_from_history_gets_the_condarcs_credential() -> None:
    from condapip.ledger.credentials import spec_for_fetch

    kept = ["http://127.0.0.1:8712/t/tk-1/chan"]
    assert spec_for_fetch("http://127.0.0.1:8712/chan::gamma>=0.5", kept) == (
        "http://127.0.0.1:8712/t/tk-1/chan::gamma>=0.5"
    )
    assert spec_for_fetch("conda-forge::numpy", kept) == "conda-forge::numpy"
    assert spec_for_fetch("numpy>=1", kept) == "numpy>=1"
