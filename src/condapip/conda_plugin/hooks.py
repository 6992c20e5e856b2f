"""condapip's conda hooks: the module the ``conda`` entry point group names.

conda loads this module on every command, so it holds only the hook
functions; each one imports its real module when conda calls it. A failure
in here must never break conda: every hook body and every action runs
through ``safe``, which turns an unexpected exception into a logged warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conda.plugins import hookimpl

from condapip.conda_plugin.safe import hook_results


@hookimpl
def conda_health_checks() -> Iterator[Any]:
    yield from hook_results("health checks", "condapip.conda_plugin.health", "health_checks")


@hookimpl
def conda_pre_commands() -> Iterator[Any]:
    yield from hook_results("prefix lock", "condapip.conda_plugin.prefix_lock", "pre_commands")
    yield from hook_results("record keeping", "condapip.conda_plugin.evidence", "pre_commands")
    yield from hook_results("doctor pre-read", "condapip.conda_plugin.health", "pre_commands")
    yield from hook_results("export pre-read", "condapip.conda_plugin.envfiles", "pre_commands")


@hookimpl
def conda_post_commands() -> Iterator[Any]:
    yield from hook_results("record keeping", "condapip.conda_plugin.evidence", "post_commands")


@hookimpl
def conda_exception_observers() -> Iterator[Any]:
    yield from hook_results(
        "record keeping", "condapip.conda_plugin.evidence", "exception_observers"
    )


@hookimpl
def conda_pre_transaction_actions() -> Iterator[Any]:
    yield from hook_results(
        "record keeping", "condapip.conda_plugin.evidence", "pre_transaction_actions"
    )


@hookimpl
def conda_settings() -> Iterator[Any]:
    yield from hook_results("settings", "condapip.conda_plugin.guard", "settings")


@hookimpl
def conda_pre_solves() -> Iterator[Any]:
    yield from hook_results("guard", "condapip.conda_plugin.guard", "pre_solves")


@hookimpl
def conda_post_solves() -> Iterator[Any]:
    yield from hook_results("guard", "condapip.conda_plugin.guard", "post_solves")


@hookimpl
def conda_subcommands() -> Iterator[Any]:
    yield from hook_results("subcommand", "condapip.conda_plugin.subcommand", "subcommands")


@hookimpl
def conda_environment_exporters() -> Iterator[Any]:
    yield from hook_results("exporters", "condapip.conda_plugin.envfiles", "exporters")


@hookimpl
def conda_environment_specifiers() -> Iterator[Any]:
    yield from hook_results("lock files", "condapip.conda_plugin.envfiles", "specifiers")
