"""The guard: no conda change under a pip layer, except one that keeps it whole.

conda calls ``post_solves`` with the solved transaction before it links
anything. The guard stops a transaction that leaves a pip dist's requirement
unmet, replaces or adds a conda package of a pip dist's name, or writes over
(or deletes) a file a pip RECORD lists; the packages' own file lists are read
from conda's package cache (fetched first, as conda would next; in a dry run
only what is already there). Any other change passes untouched. A prefix the
guard cannot read stops the change too: it fails closed.

The ``condapip_guard`` setting is ``block`` (default), ``warn`` or ``off``. It
is read where conda reads its configuration for the command, except from files
inside the target prefix: conda reads ``PREFIX/.condarc`` (``condarc``,
``condarc.d/``) for the prefix a command targets, and any package, a pip
wheel's data files included, can write those.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from condapip.conda_plugin.advice import SETTING, Request, cannot_judge, message
from condapip.conda_plugin.safe import never_raises
from condapip.conda_plugin.stakes import Change, at_stake

MODES = ("block", "warn", "off")
# what the user asked conda for, kept by the pre-solve hook for the message
_REQUEST: dict[str, tuple[str, ...]] = {"add": ()}


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


def _guard_action() -> Any:
    from conda import CondaError

    class CondapipGuardRefused(CondaError):
        """The guard's refusal: conda prints it and exits 1, nothing linked."""

    def guard(repodata_fn: str, unlink: tuple[Any, ...], link: tuple[Any, ...]) -> None:
        from conda.base.context import context

        try:
            mode = guard_mode(context)
        except Exception:  # a setting it cannot read does not turn the guard off
            mode = "block"
        if mode == "off" or not (unlink or link):
            return
        prefix = str(context.target_prefix)
        try:
            change = solved_change(prefix, unlink, link, fetch=not context.dry_run)
            stakes = at_stake(prefix, change)
            text = message(prefix, stakes, _request(context)) if stakes else ""
        except CondaError:
            raise  # conda's own failure (a fetch offline, a corrupt package): conda's to say
        except Exception as exc:  # fails closed: what it cannot read, it cannot pass
            text = cannot_judge(prefix, str(exc) or type(exc).__name__)
        if not text:
            return
        if mode == "warn":
            print(f"condapip guard (warn): {text}", file=sys.stderr)
            return
        raise CondapipGuardRefused(text)

    return never_raises("guard", (CondaError,))(guard)


def _request(context: Any) -> Request:
    args = context._argparse_args
    return Request(
        specs=_REQUEST["add"],
        verb=str(getattr(args, "cmd", None) or "install"),
        channels=tuple(str(c) for c in getattr(args, "channel", None) or ()),
        override_channels=bool(getattr(args, "override_channels", False)),
    )


def guard_mode(context: Any) -> str:
    """``block``, ``warn`` or ``off``, from conda's sources for this command in
    precedence order, lowest first (files, then env vars, then the command line),
    each source's ``plugins: condapip_guard`` over its top-level ``condapip_guard``.
    Files inside the target prefix are not read. Anything else is ``block``."""
    prefix = os.path.realpath(context.target_prefix)
    value: Any = None
    for source, data in context.raw_data.items():
        if isinstance(source, Path) and _inside(source, prefix):
            continue
        for key in (SETTING, f"plugins_{SETTING}"):  # as env vars name them
            if key in data:
                value = data[key].value(None)
        if "plugins" in data:
            plugin = (data["plugins"].value(None) or {}).get(SETTING)
            if plugin is not None:
                value = plugin.value(None)
    if value is False:  # YAML 1.1 reads a bare off as false
        value = "off"
    mode = str(value).strip().lower()
    return mode if mode in MODES else "block"


def _inside(path: Path, prefix: str) -> bool:
    real = os.path.realpath(path)
    return real == prefix or real.startswith(prefix.rstrip(os.sep) + os.sep)


def solved_change(
    prefix: str, unlink: Iterable[Any], link: Iterable[Any], *, fetch: bool
) -> Change:
    """The transaction as the guard judges it: versions, and the files each side touches."""
    unlink, link = tuple(unlink), tuple(link)
    written = _linked_files(prefix, link, fetch=fetch)
    deleted = {
        path: f"{rec.name} {rec.version}"
        for rec in unlink
        for path in getattr(rec, "files", ()) or ()
        if path not in written
    }
    return Change(
        removed={r.name: str(r.version) for r in unlink},
        added={r.name: str(r.version) for r in link},
        written=written,
        deleted=deleted,
    )


def _linked_files(prefix: str, link: tuple[Any, ...], *, fetch: bool) -> dict[str, str]:
    """Prefix-relative path -> "name version" of each package conda will link there."""
    from conda.common.path import get_python_noarch_target_path
    from conda.core.package_cache_data import PackageCacheData, ProgressiveFetchExtract
    from conda.gateways.disk.read import read_paths_json

    def extracted(prec: Any) -> Any:
        found = PackageCacheData.query_all(prec)  # type: ignore[no-untyped-call]
        return next((r for r in found if r.is_extracted), None)

    missing = [p for p in link if extracted(p) is None]
    if missing and fetch:  # what conda does next anyway; it finds them in its cache then
        ProgressiveFetchExtract(missing).execute()  # type: ignore[no-untyped-call]
    site_packages = _site_packages(prefix, link)
    out: dict[str, str] = {}
    for prec in link:
        entry = extracted(prec)
        if entry is None:
            continue  # a dry run: not downloaded, judged by names and requirements only
        noarch = str(getattr(prec, "noarch", "") or "").endswith("python")
        for entry_path in read_paths_json(entry.extracted_package_dir).paths:  # type: ignore[no-untyped-call]
            path = entry_path.path
            if noarch and site_packages:
                path = get_python_noarch_target_path(path, site_packages)  # type: ignore[no-untyped-call]
            out[path] = f"{prec.name} {prec.version}"
    return out


def _site_packages(prefix: str, link: tuple[Any, ...]) -> str | None:
    """site-packages after the change, relative to the prefix, as conda computes it."""
    from conda.common.path import get_python_site_packages_short_path
    from conda.core.prefix_data import PrefixData

    python = next((p for p in link if p.name == "python"), None)
    if python is None:  # conda's pip interop off: this read deletes nothing
        python = PrefixData(prefix, interoperability=False).get("python", None)
    if python is None:
        return None
    custom = getattr(python, "python_site_packages_path", None)
    version = python.version
    return str(custom or get_python_site_packages_short_path(version))  # type: ignore[no-untyped-call]
