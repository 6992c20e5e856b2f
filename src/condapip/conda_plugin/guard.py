"""The guard: no conda change under a pip layer, except through a re-layer.

conda calls ``post_solves`` with the solved transaction before it links
anything. The guard stops a transaction that removes or replaces a conda
package a pip-installed distribution requires, or that writes over (or
deletes) files pip owns. Any other change passes untouched. The
``condapip_guard`` setting (condarc) is ``block`` (default), ``warn`` or ``off``.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from condapip.conda_plugin.safe import never_raises
from condapip.support.redact import redact

SETTING = "condapip_guard"
MODES = ("block", "warn", "off")
# what the user asked conda for, kept by the pre-solve hook for the message
_REQUEST: dict[str, tuple[str, ...]] = {"add": (), "remove": ()}


@dataclass(frozen=True)
class Stake:
    """One conda package the transaction touches, and the pip dists that lose by it."""

    package: str
    how: str  # "removed", "replaced" or "added over pip's files"
    pip: tuple[str, ...]  # "name version" of each pip dist at stake
    reason: str


def settings() -> Iterator[Any]:
    from conda.common.configuration import PrimitiveParameter
    from conda.plugins.types import CondaSetting

    yield CondaSetting(
        name=SETTING,
        description="condapip's guard on conda changes under a pip layer: block, warn or off",
        parameter=PrimitiveParameter("block", element_type=str),  # type: ignore[no-untyped-call]
    )


def pre_solves() -> Iterator[Any]:
    from conda.plugins.types import CondaPreSolve

    yield CondaPreSolve(name="condapip-guard-request", action=_remember)


def post_solves() -> Iterator[Any]:
    from conda.plugins.types import CondaPostSolve

    yield CondaPostSolve(name="condapip-guard", action=_guard_action())


def _remember(add: Iterable[Any], remove: Iterable[Any]) -> None:
    _REQUEST["add"] = tuple(sorted(str(s) for s in add))
    _REQUEST["remove"] = tuple(sorted(str(s) for s in remove))


def _guard_action() -> Any:
    from conda import CondaError

    class CondapipGuardRefused(CondaError):
        """The guard's refusal: conda prints it and exits 1, nothing linked."""

    def guard(repodata_fn: str, unlink: tuple[Any, ...], link: tuple[Any, ...]) -> None:
        from conda.base.context import context

        mode = guard_mode(context)
        if mode == "off" or not (unlink or link):
            return
        prefix = str(context.target_prefix)
        stakes = at_stake(prefix, [r.name for r in unlink], [r.name for r in link])
        if not stakes:
            return
        text = redact(message(prefix, stakes, _REQUEST["add"], _REQUEST["remove"]))
        if mode == "warn":
            import sys

            print(f"condapip guard (warn): {text}", file=sys.stderr)
            return
        raise CondapipGuardRefused(text)

    return never_raises("guard", (CondaError,))(guard)


def guard_mode(context: Any) -> str:
    """``block``, ``warn`` or ``off``: conda keeps plugin settings under ``plugins:``
    (or ``$CONDA_PLUGINS_CONDAPIP_GUARD``); a top-level ``condapip_guard:`` in a
    condarc (or ``$CONDA_CONDAPIP_GUARD``) counts too, where the other is unset.
    Anything else is ``block``."""
    value = getattr(context.plugins, SETTING, None)
    if value in (None, "block"):
        for data in context.raw_data.values():  # lowest precedence first
            if SETTING in data:
                value = data[SETTING].value(None)
    if value is False:  # YAML 1.1 reads a bare off as false
        value = "off"
    mode = str(value).strip().lower()
    return mode if mode in MODES else "block"


def at_stake(prefix: str, unlinked: Iterable[str], linked: Iterable[str]) -> list[Stake]:
    """What the solved change would do to the prefix's pip layer."""
    from pathlib import Path

    from packaging.utils import canonicalize_name

    from condapip.doctor.findings import Context
    from condapip.ledger.names import pypi_to_conda
    from condapip.ledger.prefix import read_prefix

    if not (Path(prefix) / "conda-meta").is_dir():
        return []  # a new environment has no pip layer
    ctx = Context(prefix=read_prefix(prefix))
    pip_dists = [d for d in ctx.prefix.dists if ctx.installed_by_pip(d)]
    if not pip_dists:
        return []
    dist_of = {rec.name: d for d in ctx.prefix.dists if (rec := ctx.prefix.owners[d.path][1])}
    # by PyPI name, and by the conda name of that project (torch -> pytorch)
    needs = _requirements(ctx, pip_dists)
    needs.update((pypi_to_conda(k), v) for k, v in list(needs.items()))
    pip_by_key = {d.key: d for d in pip_dists}
    pip_by_key.update({pypi_to_conda(d.key): d for d in pip_dists})
    removed, added = set(unlinked), set(linked)
    stakes = []
    for name in sorted(removed | added):
        dist = dist_of.get(name)
        key = dist.key if dist is not None else canonicalize_name(name)
        how = ("replaced" if name in added else "removed") if name in removed else "added"
        owner = pip_by_key.get(key)
        if owner is not None:
            reason = f"pip's {owner.name} {owner.version} owns its files"
            stakes.append(Stake(name, how, (f"{owner.name} {owner.version}",), reason))
        elif how != "added" and needs.get(key):
            users = tuple(sorted(needs[key]))
            stakes.append(Stake(name, how, users, f"required by pip's {', '.join(users)}"))
    return stakes


def _requirements(ctx: Any, dists: Iterable[Any]) -> dict[str, set[str]]:
    """PEP 503 name -> the pip dists (``name version``) that require it here."""
    from packaging.utils import canonicalize_name

    from condapip.ledger.specs import applicable_requirements

    env = {**ctx.marker_env, "extra": ""}
    out: dict[str, set[str]] = {}
    for dist in dists:
        for req in applicable_requirements(dist.requires, env):
            out.setdefault(canonicalize_name(req.name), set()).add(f"{dist.name} {dist.version}")
    return out


def message(prefix: str, stakes: list[Stake], add: tuple[str, ...], remove: tuple[str, ...]) -> str:
    pip_names = sorted({p for s in stakes for p in s.pip})
    lines = [
        f"this conda change would break the pip layer of {prefix} "
        f"(pip packages at stake: {', '.join(pip_names)}):"
    ]
    lines += [f"  - {s.package} would be {s.how}: {s.reason}" for s in stakes]
    where = shlex.quote(prefix)
    if add:
        command = f"condapip install -p {where} {' '.join(shlex.quote(s) for s in add)}"
        lines.append(f"Re-layer safely (conda first, then the pip layer again): {command}")
    else:
        names = " ".join(shlex.quote(p.split()[0]) for p in pip_names)
        lines.append(
            f"Take the pip packages out first ({shlex.quote(prefix + '/bin/python')} -m pip "
            f"uninstall {names}), or re-layer with condapip rebuild -p {where}"
        )
    lines.append(
        f"To let conda go ahead anyway: conda config --set plugins.{SETTING} warn (or off)"
    )
    if remove:
        lines.append(f"(conda was asked to remove: {', '.join(remove)})")
    return "\n".join(lines)
