"""Is a pip requirement pinned, and which requirements does a ``pip install`` name?

Pinned means one exact version (``==``/``===`` without ``*``), a VCS URL at a
commit or tag, a wheel or a hashed archive URL, or a path in the build context.
A value built from variables is judged by what the variables leave fixed:
``"tensorflow${TF_POSTFIX}"`` is unpinned, ``"numpy==${NUMPY_VERSION}"`` is pinned.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

from condapip.docker.lint.calls import PIP_VALUE_OPTS, expand

_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")
_VAR = re.compile(r"(==|===|@)?\s*\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)")
_ARCHIVES = (".whl", ".tar.gz", ".zip", ".tgz", ".tar.bz2")
_BRANCHES = frozenset({"main", "master", "develop", "dev", "devel", "head", "trunk", "stable"})


def is_pinned(requirement: str) -> bool:
    """One exact version, a commit or tag, a wheel or hashed URL, or a local path."""
    req = requirement.strip().strip("'\"")
    local_archive = "://" not in req and req.endswith(_ARCHIVES)
    if req.startswith((".", "/", "~", "file:")) or local_archive or not req:
        return True  # a path in the build context: pinned by the context itself
    if "://" in req and "@" not in req.split("://", 1)[0] and " @ " not in req:
        return _pinned_url(req)
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        parsed = Requirement(req)
    except InvalidRequirement:
        return True  # not a requirement this lint can read: say nothing
    if parsed.url:
        return _pinned_url(parsed.url)
    return any(s.operator in ("==", "===") and "*" not in s.version for s in parsed.specifier)


def _pinned_url(url: str) -> bool:
    base, _, fragment = url.partition("#")
    scheme, _, rest = base.partition("://")
    if "+" in scheme:  # git+https://host/repo.git@REV
        path = rest.split("/", 1)[-1]
        rev = path.rsplit("@", 1)[1] if "@" in path else ""
        return bool(_COMMIT.match(rev)) or (
            any(c.isdigit() for c in rev) and rev.lower() not in _BRANCHES
        )
    if scheme == "file":
        return True
    if "sha256=" in fragment or base.endswith(".whl"):
        return True
    parts = {p.lower() for p in re.split(r"[/.]", rest)}
    return not parts & (_BRANCHES | {"heads"}) and any(c.isdigit() for c in rest.rsplit("/", 1)[-1])


def resolved(word: str, values: dict[str, str]) -> str:
    """``word`` with known variables filled in and unknown ones judged by position."""
    word = expand(word, values)
    # an unknown variable after == (or @) supplies the pin; anywhere else it adds nothing
    return _VAR.sub(lambda m: f"{m.group(1)}0" if m.group(1) else "", word).strip()


def requirements(args: tuple[str, ...], values: dict[str, str], read: ReadFile) -> Iterator[str]:
    """The unpinned requirements a ``pip install`` names, its ``-r`` files included."""
    words = list(args)
    if any(w in ("-c", "--constraint") or w.startswith("--constraint=") for w in words):
        return  # a constraints file this lint may not see can pin every name
    seen_sub = False
    i = 0
    while i < len(words):
        word, value = words[i], words[i + 1] if i + 1 < len(words) else ""
        i += 2 if word in PIP_VALUE_OPTS else 1
        if word in ("-r", "--requirement") or word.startswith("--requirement="):
            yield from read(resolved(value if "=" not in word else word.split("=", 1)[1], values))
        elif word in ("-e", "--editable"):
            if not is_pinned(resolved(value, values)):
                yield value
        elif word.startswith("-"):
            continue
        elif not seen_sub:
            seen_sub = True  # "install"
        elif resolved(word, values) and not is_pinned(resolved(word, values)):
            yield word


class ReadFile:
    """The unpinned lines of a requirements file the image COPYs from the build context."""

    def __init__(self, context: Path | None, copies: list[tuple[str, str]], workdir: str):
        self.context = context
        self.copies = copies  # (context source, image path), last COPY last
        self.workdir = workdir

    def __call__(self, name: str) -> Iterator[str]:
        source = self._source(posixpath.normpath(posixpath.join(self.workdir, name)))
        if source is None:
            return
        try:
            text = source.read_text()
        except (OSError, UnicodeDecodeError):
            return
        for line in _logical_lines(text):
            if line.startswith("-") and not line.startswith(("-e ", "--editable ")):
                continue
            req = line.split(" --hash", 1)[0].split(" -", 1)[0].strip()
            req = req[len("--editable ") :] if req.startswith("--editable ") else req
            req = req[len("-e ") :] if req.startswith("-e ") else req
            if req and not is_pinned(req):
                yield req

    def _source(self, image_path: str) -> Path | None:
        if self.context is None:
            return None
        for src, target in reversed(self.copies):
            if image_path == target:
                candidate = self.context / src
            elif image_path.startswith(target.rstrip("/") + "/"):
                candidate = self.context / src / image_path[len(target.rstrip("/")) + 1 :]
            else:
                continue
            if candidate.is_file():
                return candidate
        return None


def _logical_lines(text: str) -> Iterator[str]:
    for raw in text.replace("\\\n", " ").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            yield line
