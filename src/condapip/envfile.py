"""environment.yml: read and write the two-layer spec conda users already know.

Reading validates every entry as data (a name is never shell). Writing keeps
the seed's shape: conda dependencies, ``pip``, then ``pip:`` with exact pins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

from condapip.errors import CondapipError
from condapip.specs import check_conda_spec, check_pip_requirement


@dataclass(frozen=True)
class EnvSpec:
    """Both layers of an environment, in install order: conda first, then pip."""

    name: str | None
    channels: tuple[str, ...]
    conda: tuple[str, ...]
    pip: tuple[str, ...]
    comments: dict[str, str] = field(default_factory=dict, compare=False)


def load(path: Path) -> EnvSpec:
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise CondapipError(f"environment file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CondapipError(f"cannot read environment file {path}: {exc}") from None
    return loads(text, source=str(path))


def loads(text: str, source: str = "environment.yml") -> EnvSpec:
    from ruamel.yaml import YAML, YAMLError

    try:
        data = YAML(typ="safe").load(text)
    except YAMLError as exc:
        raise CondapipError(f"malformed {source}: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise CondapipError(f"malformed {source}: top level is not a mapping")
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or "/" in name or not name.strip()):
        raise CondapipError(f"malformed {source}: invalid name {name!r}")
    channels = _str_list(data.get("channels") or [], "channels", source)
    for ch in channels:
        if any(c in ch for c in ";&|`$<>\n\"'"):
            raise CondapipError(f"malformed {source}: invalid channel {ch!r}")
    deps = data.get("dependencies") or []
    if not isinstance(deps, list):
        raise CondapipError(f"malformed {source}: dependencies is not a list")
    conda: list[str] = []
    pip: list[str] = []
    for dep in deps:
        if isinstance(dep, str):
            conda.append(check_conda_spec(dep.strip()))
        elif isinstance(dep, dict) and set(dep) == {"pip"}:
            for req in _str_list(dep["pip"] or [], "pip", source):
                pip.append(_pip_entry(req, source))
        else:
            raise CondapipError(f"malformed {source}: unexpected dependency {dep!r}")
    return EnvSpec(name=name, channels=tuple(channels), conda=tuple(conda), pip=tuple(pip))


def _pip_entry(req: str, source: str) -> str:
    req = req.strip()
    if req.startswith("-"):
        # pip options in a yml ("-r file", "--index-url") change where code
        # comes from; condapip takes packages only.
        raise CondapipError(f"malformed {source}: pip options are not supported: {req!r}")
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
