"""environment.yml: read and write the two-layer spec conda users already know.

Reading validates every entry as data (a name is never shell). Writing keeps
the seed's shape: conda dependencies, ``pip``, then ``pip:`` with exact pins.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

from condapip.errors import CondapipError, read_input
from condapip.ledger.specs import URL_UNSAFE, check_conda_spec, check_pip_requirement


@dataclass(frozen=True)
class EnvSpec:
    """Both layers of an environment, in install order: conda first, then pip."""

    name: str | None
    channels: tuple[str, ...]
    conda: tuple[str, ...]
    pip: tuple[str, ...]


# pip options an environment.yml's pip list may hold, as conda passes them on
# to pip: where packages come from, nothing that moves the install elsewhere.
PIP_OPTIONS = {
    "-r": "--requirement",
    "--requirement": "--requirement",
    "-i": "--index-url",
    "--index-url": "--index-url",
    "--extra-index-url": "--extra-index-url",
    "-f": "--find-links",
    "--find-links": "--find-links",
    "-e": "-e",
    "--editable": "-e",
}


def load(path: Path, *, pip_options: bool = False) -> EnvSpec:
    text = read_input(path, "environment file")
    return loads(text, source=str(path), pip_options=pip_options)


def loads(text: str, source: str = "environment.yml", *, pip_options: bool = False) -> EnvSpec:
    """Validate and read ``text``; an error names the file, the line and the entry.

    ``pip_options``: the pip list may hold the options in ``PIP_OPTIONS``, each
    returned as one ``--option VALUE`` string (``-e VALUE`` for editables).
    """
    from ruamel.yaml import YAML, YAMLError

    try:
        # round-trip: its nodes know their line numbers, for the error messages
        data = YAML(typ="rt").load(text)
    except YAMLError as exc:
        raise CondapipError(f"malformed {source}: {_yaml_error(exc)}") from None
    if not isinstance(data, dict):
        raise CondapipError(f"malformed {source}: top level is not a mapping")
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or "/" in name or not name.strip()):
        raise CondapipError(f"malformed {source}{_key_line(data, 'name')}: invalid name {name!r}")
    channels = _str_list(data.get("channels") or [], "channels", source)
    for i, ch in enumerate(channels):
        if "\n" in ch or URL_UNSAFE.search(ch):
            where = _item_line(data.get("channels"), i)
            raise CondapipError(f"malformed {source}{where}: invalid channel {ch!r}")
    deps = data.get("dependencies") or []
    if not isinstance(deps, list):
        raise CondapipError(
            f"malformed {source}{_key_line(data, 'dependencies')}: dependencies is not a list"
        )
    conda: list[str] = []
    pip: list[str] = []
    for i, dep in enumerate(deps):
        where = f"{source}{_item_line(deps, i)}"
        if isinstance(dep, str):
            conda.append(_checked(check_conda_spec, dep.strip(), where, "dependency"))
        elif isinstance(dep, dict) and set(dep) == {"pip"}:
            entries = dep["pip"] or []
            for j, req in enumerate(_str_list(entries, "pip", where)):
                at = f"{source}{_item_line(entries, j)}"
                pip.append(_checked(_pip_entry, req, at, "pip entry", pip_options))
        else:
            raise CondapipError(f"malformed {where}: unexpected dependency {_plain(dep)!r}")
    return EnvSpec(
        name=None if name is None else str(name),
        channels=tuple(channels),
        conda=tuple(conda),
        pip=tuple(pip),
    )


def _checked(check: Any, entry: str, where: str, what: str, *args: Any) -> Any:
    try:
        return check(entry, *args)
    except CondapipError as exc:
        raise CondapipError(f"malformed {where}: {what} {entry!r}: {exc}") from None


def _item_line(seq: Any, index: int) -> str:
    try:
        return f", line {seq.lc.item(index)[0] + 1}"
    except (AttributeError, KeyError, IndexError, TypeError):
        return ""


def _key_line(mapping: Any, key: str) -> str:
    try:
        return f", line {mapping.lc.key(key)[0] + 1}"
    except (AttributeError, KeyError, IndexError, TypeError):
        return ""


def _yaml_error(exc: Any) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is not None and problem:
        return f"line {mark.line + 1}: {problem}"
    return str(exc).splitlines()[0]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _pip_entry(req: str, pip_options: bool = False) -> str:
    req = req.strip()
    if req.startswith("-"):
        option, _, value = req.partition(" ")
        if "=" in option:
            option, _, value = req.partition("=")
        value = value.strip()
        if not pip_options:
            raise CondapipError("pip options are not supported here")
        if option not in PIP_OPTIONS:
            # the others change how pip installs, not what: condapip decides that
            raise CondapipError("the pip options allowed are -r, -i, --extra-index-url, -f, -e")
        if not value or value.startswith("-") or any(c in value for c in "\n\r\0"):
            raise CondapipError(f"{option} needs one value")
        return f"{PIP_OPTIONS[option]} {value}"
    if pip_options and req.startswith((".", "/", "~")):
        return req  # a local project folder or archive, as pip takes it
    if req.startswith(("git+", "hg+", "svn+", "bzr+", "file:", "https:", "http:")):
        check_pip_requirement(f"url-requirement @ {req}")
        return req
    check_pip_requirement(req)
    return req


def _str_list(value: Any, key: str, source: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise CondapipError(f"malformed {source}: {key} must be a list of strings")
    return [str(v) for v in value]


def dumps(spec: EnvSpec) -> str:
    """The seed's environment.yml shape, stable byte for byte."""
    from ruamel.yaml import YAML

    deps: list[Any] = list(spec.conda)
    if spec.pip:
        if not any(d.split("=")[0].split(" ")[0] == "pip" for d in spec.conda):
            deps.append("pip")
        deps.append({"pip": list(spec.pip)})
    doc: dict[str, Any] = {}
    if spec.name:
        doc["name"] = spec.name
    doc["channels"] = list(spec.channels)
    doc["dependencies"] = deps
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # a pin stays on one line, as grep and diff expect
    buf = StringIO()
    yaml.dump(doc, buf)
    return buf.getvalue()
