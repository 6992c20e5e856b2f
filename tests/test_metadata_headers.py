"""The reader's METADATA header parser and name normalizer answer as email and packaging do."""

from __future__ import annotations

import glob
import site
import sys
from email.parser import HeaderParser

import pytest
from packaging.utils import canonicalize_name

from condapip.prefix import _metadata_headers, canonical_name


def email_headers(text: str) -> dict[str, list[str]]:
    """What importlib.metadata's email parser gives, in the reader's shape."""
    out: dict[str, list[str]] = {}
    for name, value in HeaderParser().parsestr(text.partition("\n\n")[0]).items():
        out.setdefault(name.lower(), []).append(value)
    return out


TRICKY = [
    "Metadata-Version: 2.1\nName: a\nVersion: 1.0\n\nbody: not a header\n",
    "Name: a\nVersion: 1.0\nRequires-Dist: b>=1\nRequires-Dist: c; extra == 'x'\n",
    "Name: a\nSummary: folded\n  over two lines\n\tand a tab\nVersion: 2\n",
    "Name: a\r\nVersion: 1.0\r\nRequires-Dist: b\r\n\r\nbody\r\n",
    "Name: a\rVersion: 1.0\r",
    "From someone\nName: a\nVersion: 1\n",
    "  leading continuation\nName: a\nVersion: 1\n",
    "Name: a\n:no name\nVersion: 1\n",
    "Name: a\nnot a header line\nVersion: 1\n",
    "Name: a\nBad Name: x\nVersion: 1\n",
    "NAME:a\nversion:   1.0   \nname: second\n",
    "Name: a\nVersion: 1\nKey:\n",
    "",
    "\n\nName: after a blank line\n",
    "Name: ünïcode\nVersion: 1\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_headers_parse_as_email_parses_them(text):
    assert _metadata_headers(text) == email_headers(text)


def test_installed_dist_infos_parse_as_email_parses_them():
    dirs = {p for p in [*site.getsitepackages(), site.getusersitepackages(), *sys.path] if p}
    files = sorted({f for d in dirs for f in glob.glob(f"{d}/*.dist-info/METADATA")})
    assert len(files) > 20
    for path in files:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        assert _metadata_headers(text) == email_headers(text), path


@pytest.mark.parametrize(
    "name",
    [
        "Django",
        "oslo.concurrency",
        "ruamel.yaml",
        "A__B",
        "a-_.b",
        "Foo.-Bar",
        "x",
        "Zope.Interface",
    ],
)
def test_canonical_name_is_packagings(name):
    assert canonical_name(name) == canonicalize_name(name)
