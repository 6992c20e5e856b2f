"""``condapip sync``: an environment brought in step with its file or lock (one
transaction, its plan confirmed first); a missing one is made as ``create`` makes it."""

from __future__ import annotations

from typing import Annotated

from condapip.cli.app import finish, verb
from condapip.cli.confirm import confirmer
from condapip.cli.options import (
    DryRunOpt,
    EngineOpt,
    EnvFileOpt,
    JsonOpt,
    LockOpt,
    NameOpt,
    PipEngineOpt,
    PrefixOpt,
    YesOpt,
    flag,
)


@verb("sync")
def sync(
    file: EnvFileOpt = None,
    lock_file: LockOpt = None,
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    prune: Annotated[
        bool, flag("--prune", help="Remove what nothing the file asks for needs, both layers.")
    ] = False,
    engine: EngineOpt = "rattler",
    pip_engine: PipEngineOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    json: JsonOpt = False,
) -> None:
    """Bring the environment in step with its file or lock: conda first, then pip."""
    from condapip.commands import create
    from condapip.commands import sync as cmd

    cmd.check_usage(file, lock_file)
    confirm = confirmer(yes=yes, json=json)
    target = cmd.existing(name, prefix)
    if target is None:
        result = create.run(
            file=file, lock_file=lock_file, name=name, prefix=prefix, engine=engine,
            pip_engine_name=pip_engine, dry_run=dry_run, confirm=confirm,
        )  # fmt: skip
    else:
        result = cmd.run(
            file=file, lock_file=lock_file, target=target, prune=prune, engine=engine,
            pip_engine_name=pip_engine, dry_run=dry_run, confirm=confirm,
        )  # fmt: skip
    finish(result, json=json)
