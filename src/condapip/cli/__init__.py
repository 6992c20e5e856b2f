"""Command line: parse, confirm, call a command module, render its result.

No logic lives here. Every verb returns a result that ``support.output.render``
prints (the fast path in ``__main__`` renders read verbs the same way), and
every failure is a ``CondapipError`` (or a usage error) printed as one line.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

from condapip.cli import change_verbs, hook_verbs, read_verbs, sync_verbs, write_verbs
from condapip.cli.app import app
from condapip.errors import CondapipError
from condapip.support.output import error

__all__ = ["app", "run", "change_verbs", "hook_verbs", "read_verbs", "sync_verbs", "write_verbs"]


@functools.cache
def _command() -> Any:
    """The click command typer builds from the app: built once per process (building
    it is most of typer's cost; tests run the CLI in-process thousands of times)."""
    import typer.main

    return typer.main.get_command(app)


def run(argv: list[str]) -> int:
    """Run the app; every failure is one line on stderr and an exit code."""
    import typer
    from typer._click import exceptions as click  # typer >= 0.29 vendors click

    try:
        code = _command().main(argv, prog_name="condapip", standalone_mode=False)
    except CondapipError as exc:
        return error(exc)
    except click.NoArgsIsHelpError as exc:
        print(exc.format_message(), file=sys.stderr)
        return 2
    except click.UsageError as exc:
        message = " ".join(exc.format_message().split())
        where = exc.ctx.command_path if exc.ctx is not None else "condapip"
        print(f"condapip: error: {message} (see {where} --help)", file=sys.stderr)
        return 2
    except click.ClickException as exc:
        print(f"condapip: error: {exc.format_message()}", file=sys.stderr)
        return exc.exit_code
    except typer.Abort:
        print("condapip: error: aborted: nothing was changed", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("condapip: interrupted", file=sys.stderr)
        return 130
    return code if isinstance(code, int) else 0
