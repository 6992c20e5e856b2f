"""Channels over real HTTP: by name through channel_alias, by label, by URL, by token URL.

The test channel is served by a local HTTP server under a label path and
under ``/t/<token>/``; the token must never reach any output.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from werkzeug import Request, Response

from condapip.errors import CondapipError
from condapip.ledger.channels import Config, resolve, spec_channel
from tests.helpers import condapip_process
from tests.inprocess import run_cli

TOKEN = "tk-5ecret-0123456789"
ORG = "testorg"


@pytest.fixture
def served(httpserver, channel: Path) -> str:
    """The test channel at /testorg, /testorg/label/dev and /t/TOKEN/testorg; the base URL."""

    def handler(request: Request) -> Response:
        path = re.sub(rf"^/t/{TOKEN}/", "/", request.path)
        path = re.sub(rf"^/{ORG}(?:/label/dev)?/", "", path)
        file = (channel / path).resolve()
        if channel.resolve() not in file.parents or not file.is_file():
            return Response("not found", status=404)
        return Response(file.read_bytes(), content_type="application/octet-stream")

    httpserver.expect_request(re.compile(r"^/.*")).respond_with_handler(handler)
    return httpserver.url_for("").rstrip("/")


@pytest.fixture
def condarc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, served: str) -> Path:
    rc = tmp_path / "condarc"
    rc.write_text(f"channel_alias: {served}\n")
    monkeypatch.setenv("CONDARC", str(rc))
    return rc


def _create(tmp_path: Path, channel: str, name: str, via=run_cli) -> tuple[Path, str]:
    """``create`` from a file naming ``channel``; in-process unless ``via`` says."""
    yml = tmp_path / f"{name}.yml"
    deps = "dependencies:\n  - python\n  - alpha\n"
    yml.write_text(f"name: {name}\nchannels:\n  - {channel}\n{deps}")
    prefix = tmp_path / "envs" / name
    result = via("create", "-f", str(yml), "-p", str(prefix), "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    return prefix, result.stdout + result.stderr


def _outputs(prefix: Path) -> str:
    said = []
    for args in (["list"], ["list", "--json"], ["channels"], ["channels", "--json"]):
        result = condapip_process(*args, "-p", str(prefix))
        said.append(result.stdout + result.stderr)
    return "\n".join(said)


def test_create_with_a_channel_by_name_goes_through_channel_alias(tmp_path, condarc, served):
    prefix, _ = _create(tmp_path, ORG, "byname")
    record = json.loads(next((prefix / "conda-meta").glob("alpha-*.json")).read_text())
    assert record["url"].startswith(f"{served}/{ORG}/")
    by_name = run_cli("install", "-p", str(prefix), "-c", ORG, "zeta", "--yes")
    assert by_name.returncode == 0, by_name.stdout + by_name.stderr


def test_create_with_a_token_url_keeps_the_token_out_of_every_output(tmp_path, condarc, served):
    url = f"{served}/t/{TOKEN}/{ORG}"
    condarc.write_text(f"channel_alias: {served}\nchannels:\n  - {url}\n")
    # every call a process: what reaches its streams is the point
    prefix, said = _create(tmp_path, url, "bytoken", via=condapip_process)
    assert (prefix / "conda-meta").is_dir()
    dry = condapip_process("install", "-p", str(prefix), "zeta", "--dry-run")
    real = condapip_process("install", "-p", str(prefix), "-c", url, "gamma", "--yes")
    assert real.returncode == 0, real.stdout + real.stderr
    failed = condapip_process("install", "-p", str(prefix), "no-such-package-anywhere==9", "--yes")
    assert failed.returncode != 0
    everything = "\n".join(
        [said, _outputs(prefix), dry.stdout, dry.stderr, real.stdout, real.stderr]
        + [failed.stdout, failed.stderr]
    )
    assert TOKEN not in everything
    kept = [p for p in prefix.rglob("*") if p.is_file() and not p.is_symlink()]
    assert not [p for p in kept if TOKEN.encode() in p.read_bytes()]  # nor in any file


def test_install_with_a_label_and_with_a_url(tmp_path, condarc, served):
    prefix, _ = _create(tmp_path, f"{ORG}/label/dev", "bylabel")
    _create(tmp_path, f"{served}/{ORG}/label/dev", "byurl")
    by_label = run_cli("install", "-p", str(prefix), "-c", f"{ORG}/label/dev", "zeta", "--yes")
    assert by_label.returncode == 0, by_label.stdout + by_label.stderr
    by_url = run_cli("install", "-p", str(prefix), "-c", f"{served}/{ORG}", "gamma", "--yes")
    assert by_url.returncode == 0, by_url.stdout + by_url.stderr
    names = {p.name.rsplit("-", 2)[0] for p in (prefix / "conda-meta").glob("*.json")}
    assert {"alpha", "zeta", "gamma"} <= names


def test_every_form_resolves_as_conda_resolves_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CHANNEL_HOST", "https://mirror.example")
    (tmp_path / "local-channel").mkdir()
    config = Config(
        alias="https://alias.example",
        default_channels=("https://repo.example/main",),
        custom_channels={"private": "https://private.example/conda"},
        custom_multichannels={"mine": ("conda-forge", "private/sub")},
    )
    values = [
        "conda-forge",
        "nvidia/label/cuda-12.1.0",
        "https://u:p@host.example/t/abc/chan/linux-64",
        "./local-channel",
        "defaults",
        "nodefaults",
        "${CHANNEL_HOST}/ch",
        "$CHANNEL_HOST/other",
        "mine",
    ]
    urls = [c.url for c in resolve(values, base=tmp_path, config=config)]
    assert urls == [
        "https://alias.example/conda-forge",
        "https://alias.example/nvidia/label/cuda-12.1.0",
        "https://u:p@host.example/t/abc/chan",
        (tmp_path / "local-channel").as_uri(),
        "https://repo.example/main",
        "https://mirror.example/ch",
        "https://mirror.example/other",
        "https://private.example/conda/private/sub",
    ]


def test_a_spec_channel_resolves_through_the_same_alias():
    config = Config(alias="https://alias.example")
    assert spec_channel("nvidia/label/cuda-12.1.0::cuda-toolkit>=12", config=config) == (
        "https://alias.example/nvidia/label/cuda-12.1.0::cuda-toolkit>=12",
        "https://alias.example/nvidia/label/cuda-12.1.0",
    )
    assert spec_channel("conda-forge/linux-64::numpy", config=config)[0] == (
        "https://alias.example/conda-forge/linux-64::numpy"
    )


@pytest.mark.parametrize(
    "value",
    ["./missing-folder", "file:///no/such/channel", "https://", "ftp://host/x", "https://h:x/c"],
)
def test_a_bad_channel_is_bad_input(tmp_path, value):
    with pytest.raises(CondapipError):
        resolve([value], base=tmp_path, config=Config())


def test_dry_run_checks_channels_as_the_real_run_does(tmp_path):
    yml = tmp_path / "environment.yml"
    yml.write_text("channels:\n  - ./missing\ndependencies:\n  - python\n")
    dry = run_cli("create", "-f", str(yml), "-p", str(tmp_path / "e"), "--dry-run")
    real = run_cli("create", "-f", str(yml), "-p", str(tmp_path / "e"), "--yes")
    assert dry.returncode == real.returncode == 2
    assert (
        dry.stderr.strip()
        == real.stderr.strip()
        == ("condapip: error: channel folder does not exist: ./missing")
    )


def test_a_spec_with_a_missing_local_channel_fails_alike_in_dry_and_real_runs(tmp_path):
    yml = tmp_path / "environment.yml"
    yml.write_text("dependencies:\n  - ./no-such-channel::python\n")
    runs = [
        run_cli("create", "-f", str(yml), "-p", str(tmp_path / "e"), *flag)
        for flag in (["--dry-run"], ["--yes"])
    ]
    assert [r.returncode for r in runs] == [2, 2]
    assert runs[0].stderr == runs[1].stderr
    assert len(runs[0].stderr.strip().splitlines()) == 1


def test_defaults_in_the_condarc_expands_to_its_default_channels(tmp_path, condarc, served):
    condarc.write_text(
        f"channel_alias: {served}\nchannels:\n  - defaults\n"
        f"default_channels:\n  - {served}/{ORG}/label/dev\n"
    )
    yml = tmp_path / "environment.yml"
    yml.write_text("name: d\ndependencies:\n  - python\n  - alpha\n")
    prefix = tmp_path / "envs" / "d"
    result = run_cli("create", "-f", str(yml), "-p", str(prefix), "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads(next((prefix / "conda-meta").glob("alpha-*.json")).read_text())
    assert record["url"].startswith(f"{served}/{ORG}/label/dev/")


def test_the_condarc_keys_that_place_a_name_are_read(tmp_path, monkeypatch):
    rc = tmp_path / "condarc"
    rc.write_text(
        "channel_alias: https://alias.example/\n"
        "default_channels: [https://repo.example/main]\n"
        "custom_channels:\n  private: https://private.example/conda\n"
        "custom_multichannels:\n  mine: [private/sub, conda-forge]\n"
    )
    monkeypatch.setenv("CONDARC", str(rc))
    urls = [c.url for c in resolve(["mine", "defaults", "bioconda"])]
    assert urls == [
        "https://private.example/conda/private/sub",
        "https://alias.example/conda-forge",
        "https://repo.example/main",
        "https://alias.example/bioconda",
    ]
