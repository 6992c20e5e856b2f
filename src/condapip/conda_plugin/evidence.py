"""Keep the evidence: conda-meta records that conda's pip-interop read deletes, put back.

conda's pip-interop loader (``conda list``, ``conda export``, conda-pypi's
checks) deletes the record of each conda package whose dist-info pip replaced.
That record is the only proof conda had installed it: without it, ``condapip
doctor`` cannot name pip-overwrote-conda, and ``rebuild`` would keep pip's copy.
Before a command that reads with pip interop (``INTEROP``, or any command
under ``pip_interop_enabled``), the plugin keeps the bytes of exactly the
records conda's rule would delete (their anchor file, a dist-info's ``RECORD``
or an egg-info's, is gone from disk). After it, or when it fails, each one
that vanished is put back, unless conda's own transaction unlinked it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from condapip.conda_plugin.safe import never_raises

# the commands that always read a prefix through conda's pip interop; with
# ``pip_interop_enabled: true`` every command that reads a prefix does
INTEROP = frozenset({"list", "export", "env_export", "compare", "doctor", "check"})
COMMANDS = INTEROP | frozenset(
    {"install", "update", "upgrade", "remove", "uninstall", "run", "rename", "package",
     "env_update", "env_remove", "env_list", "env_config", "info", "clean", "search"}
)  # fmt: skip
# prefix -> {record file: its bytes} of the records at risk, kept before the command
_KEPT: dict[str, dict[Path, bytes]] = {}
# record files conda's own transaction unlinked in this process
_UNLINKED: set[Path] = set()


def pre_commands() -> Iterator[Any]:
    from conda.plugins.types import CondaPreCommand

    yield CondaPreCommand(
        name="condapip-keep-records",
        action=never_raises("keeping conda-meta records")(_keep_target),
        run_for=set(COMMANDS),
    )


def post_commands() -> Iterator[Any]:
    from conda.plugins.types import CondaPostCommand

    yield CondaPostCommand(
        name="condapip-put-back-records",
        action=never_raises("putting back conda-meta records")(lambda command: put_back()),
        run_for=set(COMMANDS),
    )


def exception_observers() -> Iterator[Any]:
    """A failed command gets its records back too."""
    from conda.plugins.types import CondaExceptionObserver

    yield CondaExceptionObserver(
        name="condapip-put-back-records",
        hook=never_raises("putting back conda-meta records")(lambda event: put_back()),
        watch_for={"BaseException"},
    )


def pre_transaction_actions() -> Iterator[Any]:
    from conda.plugins.types import CondaPreTransactionAction

    yield CondaPreTransactionAction(name="condapip-note-unlinked", action=_unlink_noter())


def _keep_target(command: str) -> None:
    from conda.base.context import context

    if command in INTEROP or context.prefix_data_interoperability:
        keep(str(context.target_prefix))


def keep(prefix: str) -> None:
    """Keep the records conda's pip-interop read would delete, by conda's own rule."""
    from conda.core.prefix_data import PrefixData, get_conda_anchor_files_and_records

    meta = Path(prefix, "conda-meta")
    if not meta.is_dir() or prefix in _KEPT:
        return
    records = PrefixData(prefix, interoperability=False)  # this read deletes nothing
    python = records.get("python", None)
    if python is None:
        return
    from conda.common.path import get_python_site_packages_short_path

    site_packages = python.python_site_packages_path or (
        get_python_site_packages_short_path(python.version)  # type: ignore[no-untyped-call]
    )
    anchors = get_conda_anchor_files_and_records(site_packages, records.iter_records())
    kept: dict[Path, bytes] = {}
    for anchor, rec in anchors.items():
        path = meta / f"{rec.name}-{rec.version}-{rec.build}.json"
        if not Path(prefix, anchor).exists() and path.is_file():
            kept[path] = path.read_bytes()
    _KEPT[prefix] = kept


def put_back(prefix: str | None = None) -> list[Path]:
    """Each kept record that is gone and that no conda transaction unlinked, back."""
    from condapip.support.atomic import write_atomic

    restored = []
    for where in [prefix] if prefix is not None else list(_KEPT):
        for path, data in _KEPT.pop(where or "", {}).items():
            if path in _UNLINKED or path.exists() or not path.parent.is_dir():
                continue
            write_atomic(path, data)
            restored.append(path)
            print(
                f"condapip: put back conda-meta/{path.name}, which conda's pip-interop "
                "read deleted",
                file=sys.stderr,
            )
    return restored


def _unlink_noter() -> type:
    from conda.core.path_actions import Action

    class NoteUnlinked(Action):
        """Notes the records this transaction unlinks: those are conda's to remove."""

        def verify(self) -> None:
            self._verified = True

        def execute(self) -> None:
            meta = Path(str(self.target_prefix), "conda-meta")
            for rec in self.unlink_precs or ():
                _UNLINKED.add(meta / f"{rec.name}-{rec.version}-{rec.build}.json")

        def reverse(self) -> None:
            return None

        def cleanup(self) -> None:
            return None

    return NoteUnlinked
