"""Every YAML a user names goes through one bounded loader: a hostile file fails fast,
with exit 2 and one line, whichever verb reads it (time bound by pytest-timeout)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import condapip


def _alias_bomb() -> str:
    text = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    prev = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
        prev = name
    return text


HOSTILE = {
    "alias-bomb": (_alias_bomb(), "aliases expand"),
    "deep-nesting": ("channels: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than"),
}


def _verbs(tmp_path: Path, file: Path) -> dict[str, list[str]]:
    return {
        "lock": ["create", "--lock", str(file), "-p", str(tmp_path / "e"), "--dry-run"],
        "condarc": ["channels"],
        "condarc-fix": ["channels", "--fix", "--dry-run"],
    }


@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("verb", ["lock", "condarc", "condarc-fix"])
def test_a_hostile_yaml_is_refused_fast_in_one_line(tmp_path, monkeypatch, kind, verb):
    text, said = HOSTILE[kind]
    file = tmp_path / ("condarc" if verb.startswith("condarc") else "condapip.lock.yml")
    file.write_text(text)
    if verb.startswith("condarc"):
        monkeypatch.setenv("CONDARC", str(file))
        monkeypatch.setenv("HOME", str(tmp_path))
    result = condapip(*_verbs(tmp_path, file)[verb])
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("condapip: error: ") and said in lines[0]


@pytest.mark.timeout(30)
def test_an_oversized_environment_file_is_refused_unread(tmp_path):
    yml = tmp_path / "environment.yml"
    with yml.open("wb") as fh:
        fh.truncate(65 * 1024 * 1024)  # sparse: no real disk use
    result = condapip("create", "-f", str(yml), "-p", str(tmp_path / "e"), "--dry-run")
    assert result.returncode == 2 and "larger than" in result.stderr
