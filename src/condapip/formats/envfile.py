"""environment.yml: read and write the two-layer spec conda users already know.

Reading validates every entry as data (a name is never shell). Writing keeps
the seed's shape: conda dependencies, ``pip``, then ``pip:`` with exact pins.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from condapip.errors import CondapipError, read_input
from condapip.ledger.specs import URL_UNSAFE, check_conda_spec, spec_name

if TYPE_CHECKING:
    from condapip.formats.pip_requirements import PipSection

_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class EnvSpec:
    """Both layers of an environment, in install order: conda first, then pip."""

    name: str | None
    channels: tuple[str, ...]
    conda: tuple[str, ...]
    pip: tuple[str, ...]  # the pip: list as written (variables expanded by pip, not here)
    variables: tuple[tuple[str, str], ...] = ()
    prefix: str | None = None
    pip_section: PipSection | None = field(default=None, compare=False)
    platforms: tuple[str, ...] = ()  # conda-lock's key: the platforms `lock -f` locks for


# conda's keys (conda.env.env VALID_KEYS), and conda-lock's ``platforms``;
# anything else is a typo or another tool's.
KEYS = ("name", "channels", "dependencies", "variables", "prefix", "platforms")


def load(path: Path, platform: str | None = None) -> EnvSpec:
    text = read_input(path, "environment file")
    return loads(text, source=str(path), base=path.absolute().parent, platform=platform)


def loads(
    text: str,
    source: str = "environment.yml",
    base: Path | None = None,
    platform: str | None = None,
) -> EnvSpec:
    """Validate and read ``text``; an error names the file, the line and the entry.

    ``base`` is the yml's folder: the pip list's relative paths start there,
    as conda runs pip from it. ``platform`` (a conda subdir, default this
    machine's) is the one mamba's ``sel(...)`` entries are evaluated for.
    """
    from condapip.support.yaml_input import load as load_yaml

    data = load_yaml(text, source, round_trip=True)
    if not isinstance(data, dict):
        raise CondapipError(f"malformed {source}: top level is not a mapping")
    _check_keys(data, source)
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or "/" in name or not name.strip()):
        raise CondapipError(f"malformed {source}{_key_line(data, 'name')}: invalid name {name!r}")
    prefix = data.get("prefix")
    if prefix is not None and not isinstance(prefix, str):
        raise CondapipError(f"malformed {source}{_key_line(data, 'prefix')}: prefix is not a path")
    deps = data.get("dependencies") or []
    if not isinstance(deps, list):
        raise CondapipError(
            f"malformed {source}{_key_line(data, 'dependencies')}: dependencies is not a list"
        )
    conda, pip, section = _dependencies(deps, source, base or Path.cwd(), platform)
    spec = EnvSpec(
        name=None if name is None else str(name),
        channels=_channels(data, source),
        conda=tuple(conda),
        pip=tuple(pip),
        variables=_variables(data, source),
        prefix=prefix,
        platforms=tuple(_str_list(data.get("platforms") or [], "platforms", source)),
        pip_section=section,
    )
    if not conda and not pip:  # said once the whole file is known to be valid
        from condapip.support.output import warn

        warn(f"{source}: no dependencies: the environment will be empty")
    return spec


def _check_keys(data: dict[str, Any], source: str) -> None:
    """Warn on an unknown key; refuse a file whose dependencies hide under a typo."""
    import difflib

    from condapip.support.output import warn

    for key in data:
        if key in KEYS:
            continue
        near = difflib.get_close_matches(str(key), KEYS, n=1, cutoff=0.6)
        at = f"{source}{_key_line(data, key)}"
        # a list under an unknown key, and no dependencies: the packages are there
        listed = isinstance(data[key], list)
        if "dependencies" not in data and (near == ["dependencies"] or listed):
            raise CondapipError(
                f"malformed {at}: unknown key {key!r}: did you mean 'dependencies'?"
            )
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        warn(f"{at}: unknown key {key!r} ignored{hint}")


def _channels(data: dict[str, Any], source: str) -> tuple[str, ...]:
    # conda expands ${VAR} and $VAR in channels as it reads the file (env._expand_channels)
    channels = [
        os.path.expandvars(c) for c in _str_list(data.get("channels") or [], "channels", source)
    ]
    for i, ch in enumerate(channels):
        if "\n" in ch or URL_UNSAFE.search(ch):
            where = _item_line(data.get("channels"), i)
            raise CondapipError(f"malformed {source}{where}: invalid channel {ch!r}")
    return tuple(channels)


def _variables(data: dict[str, Any], source: str) -> tuple[tuple[str, str], ...]:
    value = data.get("variables")
    if value is None:
        return ()
    at = f"{source}{_key_line(data, 'variables')}"
    if not isinstance(value, dict):
        raise CondapipError(f"malformed {at}: variables is not a mapping")
    out = []
    for key, val in value.items():
        if not isinstance(key, str) or not _VAR_NAME.match(key):
            raise CondapipError(f"malformed {at}: invalid variable name {key!r}")
        if isinstance(val, dict | list) or "\0" in str(val):
            raise CondapipError(f"malformed {at}: variable {key} is not a string")
        out.append((key, "" if val is None else str(val)))
    return tuple(out)


def _dependencies(
    deps: list[Any], source: str, base: Path, platform: str | None
) -> tuple[list[str], list[str], PipSection | None]:
    from condapip.formats import pip_requirements

    conda: list[str] = []
    pip: list[tuple[str, str]] = []
    pip_lists: list[str] = []
    for i, dep in enumerate(deps):
        where = f"{source}{_item_line(deps, i)}"
        if isinstance(dep, dict) and len(dep) == 1 and _SELECTOR.match(str(next(iter(dep)))):
            dep = _selected(dep, where, platform)
            if dep is None:
                continue
        if isinstance(dep, str):
            conda.append(_checked(check_conda_spec, dep.strip(), where, "dependency"))
        elif isinstance(dep, dict) and set(dep) == {"pip"}:
            pip_lists.append(where)
            entries = dep["pip"] or []
            for j, req in enumerate(_str_list(entries, "pip", where)):
                pip.append((req, f"{source}{_item_line(entries, j)}"))
        else:
            raise CondapipError(f"malformed {where}: unexpected dependency {_plain(dep)!r}")
    if len(pip_lists) > 1:
        from condapip.support.output import warn

        # conda reads the dependencies into one mapping, so the last pip: replaces the others
        warn(
            f"{source}: {len(pip_lists)} pip: lists ({', '.join(_lines(pip_lists))}): "
            "condapip installs them all, conda keeps only the last; merge them into one"
        )
    section = pip_requirements.parse(pip, base) if pip else None
    return conda, [entry for entry, _ in pip], section


# mamba's selectors (libmamba's eval_selector): the platform families it knows
_SELECTOR = re.compile(r"^sel\((?P<family>[^)]*)\)$")
_FAMILIES = {"linux": ("linux-",), "osx": ("osx-",), "win": ("win-",), "unix": ("linux-", "osx-")}


def _selected(dep: dict[Any, Any], where: str, platform: str | None) -> str | None:
    """A ``sel(linux): pkg`` entry as micromamba reads it: ``pkg`` on that platform, else nothing.

    conda skips every such entry (it only reads ``pip:`` from a mapping): said once per entry.
    """
    from condapip.ledger.platform import current_subdir
    from condapip.support.output import warn

    key, value = next(iter(dep.items()))
    family = _SELECTOR.match(str(key))
    assert family is not None
    prefixes = _FAMILIES.get(family.group("family"))
    if prefixes is None or not isinstance(value, str):
        raise CondapipError(
            f"malformed {where}: selector {key!r}: mamba knows sel(linux), sel(osx), "
            "sel(win) and sel(unix), each with one spec"
        )
    target = platform or current_subdir()
    chosen = target.startswith(prefixes)
    done = f"installed for {target}" if chosen else f"skipped for {target}"
    warn(f"{where}: {key}: {value} {done}, as micromamba reads it; conda ignores sel() entries")
    return value if chosen else None


def _lines(wheres: list[str]) -> list[str]:
    return [w.rsplit(", ", 1)[-1] for w in wheres]


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


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _str_list(value: Any, key: str, source: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise CondapipError(f"malformed {source}: {key} must be a list of strings")
    return [str(v) for v in value]


def dumps(spec: EnvSpec) -> str:
    """The seed's environment.yml shape, stable byte for byte."""
    from ruamel.yaml import YAML

    deps: list[Any] = list(spec.conda)
    if spec.pip:
        if not any(spec_name(d) == "pip" for d in spec.conda):
            deps.append("pip")
        deps.append({"pip": list(spec.pip)})
    doc: dict[str, Any] = {}
    if spec.name:
        doc["name"] = spec.name
    doc["channels"] = list(spec.channels)
    doc["dependencies"] = deps
    if spec.variables:
        doc["variables"] = dict(spec.variables)
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # a pin stays on one line, as grep and diff expect
    buf = StringIO()
    yaml.dump(doc, buf)
    return buf.getvalue()
