"""The one confirmation every changing verb goes through."""

from __future__ import annotations

import sys

from condapip.errors import CondapipError, Refused
from condapip.support.output import Confirm, Result, render

NO_TERMINAL = "no terminal to confirm on: pass --yes to go ahead, or --dry-run to only see the plan"


def confirmer(*, yes: bool, json: bool = False) -> Confirm:
    """Show the plan (not under --json), then go ahead on --yes or a "yes" typed at a terminal.

    With no terminal, and under --json (whose stdout is for machines), only
    --yes goes ahead: the same one line (exit 2) for every verb.
    """

    def confirm(plan: Result, question: str) -> None:
        if not json:
            render(plan)
        if yes:
            return
        if json or not sys.stdin.isatty():
            raise CondapipError(NO_TERMINAL)
        import typer

        if not typer.confirm(question, default=True, err=True):
            raise Refused("aborted: nothing was changed")

    return confirm
