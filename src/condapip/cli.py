"""Command line: parse, call a command module, print. No logic lives here."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from condapip.errors import CondapipError

app = typer.Typer(
    name="condapip",
    help="Let conda and pip share one environment without breaking it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
channel_app = typer.Typer(help="Build local conda channels from wheels.", no_args_is_help=True)
app.add_typer(channel_app, name="channel")

NameOpt = Annotated[str | None, typer.Option("-n", "--name", help="Environment name.")]
PrefixOpt = Annotated[
    str | None, typer.Option("-p", "--prefix", help="Environment prefix (default $CONDA_PREFIX).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show what would change; change nothing.")
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def _prefix(name: str | None, prefix: str | None) -> Path:
    from condapip.ledger.locate import resolve

    return resolve(name, prefix)


@app.command("list")
def list_(name: NameOpt = None, prefix: PrefixOpt = None, json: JsonOpt = False) -> None:
    """List conda and pip packages with the owner of each."""
    from condapip.commands import list_packages

    raise typer.Exit(list_packages.main(name=name, prefix=prefix, json=json))


@app.command("doctor")
def doctor(
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    json: JsonOpt = False,
    verify: Annotated[
        bool, typer.Option("--verify", help="Compare file hashes (sha256), not only sizes.")
    ] = False,
    log: Annotated[
        list[Path] | None,
        typer.Option("--log", help="Also scan saved conda/mamba/pip output (repeatable)."),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings count as failures.")] = False,
    all_envs: Annotated[
        bool, typer.Option("--all", help="Audit every environment conda knows of.")
    ] = False,
) -> None:
    """Find every way conda and pip broke the environment, and how to fix each."""
    from condapip.commands import doctor as cmd

    raise typer.Exit(
        cmd.main(
            name=name,
            prefix=prefix,
            json=json,
            verify=verify,
            log=log,
            strict=strict,
            all_envs=all_envs,
        )
    )


@channel_app.command("build")
def channel_build(
    inputs: Annotated[list[Path], typer.Argument(help="Wheels, or folders of wheels.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Channel folder.")],
    host_python: Annotated[
        bool, typer.Option("--host-python", help="Also package the running interpreter and pip.")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Turn wheels into conda packages (.conda) and index them as a channel."""
    from condapip.commands import channel_build as cmd

    built = cmd.run(inputs, output, host_python=host_python)
    if json:
        from condapip.support.output import emit_json

        emit_json([cmd.as_json(b) for b in built])
        return
    for b in built:
        print(f"{b.subdir}/{b.path.name}")
    print(f"indexed {len(built)} package(s) into {output}")


@app.command("demo")
def demo(
    keep: Annotated[
        Path | None, typer.Option("--keep", help="Keep the demo's files in this folder.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Show the numpy/scipy breakage found, refused and repaired, offline."""
    from condapip.demo.story import printer, run_demo

    steps = run_demo(keep, printer(json))
    failed = [s.title for s in steps if not s.ok]
    if json:
        from condapip.support.output import emit_json

        emit_json({"ok": not failed, "steps": [s.as_json() for s in steps]})
    if failed and len(steps) == 1:
        # the printer showed why, unless under --json
        reason = steps[0].notes[-1].removeprefix("UNEXPECTED: ") if json else "see above"
        print(f"condapip demo: set-up failed, nothing else ran ({reason})", file=sys.stderr)
    elif failed:
        print(
            f"condapip demo: {len(failed)} step(s) did not behave as described: "
            + "; ".join(failed),
            file=sys.stderr,
        )
    elif not json:
        print(f"\ncondapip demo: all {len(steps)} steps behaved as described.")
    if failed:
        raise typer.Exit(1)


@app.command("export")
def export(
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write here, not to stdout.")
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="environment (yml), explicit (conda's @EXPLICIT), requirements, or pylock.",
        ),
    ] = "environment",
    from_history: Annotated[
        bool, typer.Option("--from-history", help="Only what was asked for, both layers.")
    ] = False,
    no_builds: Annotated[bool, typer.Option("--no-builds", help="name=version only.")] = False,
    as_is: Annotated[
        bool, typer.Option("--as-is", help="Export pip's copies over conda packages as they are.")
    ] = False,
    pip_engine: Annotated[
        str | None, typer.Option("--pip-engine", help="pip or uv (for --format pylock).")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Write both layers with exact pins: conda builds, pip versions, git commits, paths."""
    from condapip.commands import export as cmd

    raise typer.Exit(
        cmd.main(
            name=name,
            prefix=prefix,
            output=output,
            fmt=fmt,
            from_history=from_history,
            no_builds=no_builds,
            as_is=as_is,
            pip_engine=pip_engine,
            json=json,
        )
    )


@app.command("lock")
def lock(
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="The lock file to write.")] = Path(
        "condapip.lock.yml"
    ),
    pip_engine: Annotated[
        str | None, typer.Option("--pip-engine", help="pip or uv: resolves index artifacts.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Pin both layers to artifacts and hashes; `create --lock` installs exactly that."""
    from condapip.commands import lock as cmd
    from condapip.support.output import warn

    locked = cmd.run(_prefix(name, prefix), output, pip_engine=pip_engine)
    for message in locked.warnings:
        warn(message)
    if json:
        from condapip.support.output import emit_json

        emit_json(cmd.as_json(locked, output))
    else:
        print(cmd.summary(locked, output))


@app.command("clean")
def clean(
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    json: JsonOpt = False,
) -> None:
    """Free conda, rattler, pip and uv caches; never touch an environment."""
    from condapip.change.caches import human
    from condapip.commands import clean as cmd
    from condapip.errors import Refused
    from condapip.support.output import emit_json, table, warn

    caches = cmd.plan(name, prefix)
    count, size = cmd.freeable(caches)
    if not dry_run and not yes and count:
        if json or not sys.stdin.isatty():
            raise Refused(
                f"would remove {count} item(s), freeing {human(size)}: "
                "pass --yes to remove them, or --dry-run to only report"
            )
        table("Caches", cmd.HEADER, cmd.rows(cmd.execute(caches, dry_run=True)))
        typer.confirm(f"Remove {count} item(s), freeing {human(size)}?", abort=True, err=True)
    outcomes = cmd.execute(caches, dry_run=dry_run)
    for outcome in outcomes:
        for error in outcome.errors:
            warn(error)
    if json:
        emit_json(cmd.as_json(outcomes, dry_run=dry_run))
        return
    if not outcomes:
        print("no conda, rattler, pip or uv cache found: nothing to free")
        return
    title = "Caches (dry run: nothing removed)" if dry_run else "Caches"
    table(title, cmd.HEADER, cmd.rows(outcomes))
    freed = sum(o.cache.size - o.size_after for o in outcomes)
    print(f"{'would free' if dry_run else 'freed'} {human(freed)}")


@app.command("channels")
def channels(
    fix: Annotated[
        bool, typer.Option("--fix", help="Put conda-forge first, strict priority (user .condarc).")
    ] = False,
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    json: JsonOpt = False,
) -> None:
    """Show the effective channels and channel_priority, and the file each came from."""
    from condapip.commands import channels as cmd
    from condapip.errors import Refused
    from condapip.support.output import emit_json, table, warn

    env = _prefix(name, prefix) if name or prefix else None
    if fix:
        change = cmd.plan_fix()
        if change.changed and not dry_run and not yes:
            if json or not sys.stdin.isatty():
                raise Refused(f"would edit {change.path}: pass --yes, or --dry-run to see the diff")
            print(change.diff(), end="")
            typer.confirm(f"Write {change.path} (old copy in {change.backup.name})?", abort=True)
        if change.changed and not dry_run:
            cmd.apply_fix(change)
        report = cmd.show(env)
        if json:
            emit_json(cmd.fix_json(change, dry_run=dry_run, after=report))
        elif not change.changed:
            print(f"{change.path} already puts conda-forge first with strict priority")
        else:
            print(change.diff(), end="")
            if dry_run:
                print(f"dry run: {change.path} not changed")
            else:
                backup = f" (old copy: {change.backup})" if change.before else ""
                print(f"wrote {change.path}{backup}")
        if not dry_run and report.problems:
            for problem in report.problems:
                warn(f"still: {problem} (a condarc with higher precedence overrides it)")
            raise typer.Exit(1)
        return
    report = cmd.show(env)
    if json:
        emit_json(cmd.as_json(report))
    else:
        table("channels (highest priority first)", ["Rank", "Channel", "From"], cmd.rows(report))
        print(cmd.priority_line(report))
        for problem in report.problems:
            print(f"problem: {problem}")
        if report.problems:
            print(f"hint: {cmd.FIX_HINT}")
    if report.problems:
        raise typer.Exit(1)


@app.command("dockerfile")
def dockerfile(
    file: Annotated[
        Path,
        typer.Option("-f", "--file", help="environment.yml (or condapip.lock.yml) to build from."),
    ] = Path("environment.yml"),
    output: Annotated[Path, typer.Option("-o", "--output", help="Dockerfile to write.")] = Path(
        "Dockerfile"
    ),
    base: Annotated[
        str | None,
        typer.Option("--base", help="Base image: mambaorg/micromamba (default) or a conda one."),
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="The non-root user.")] = None,
    lint: Annotated[
        Path | None, typer.Option("--lint", help="Lint this Dockerfile instead of writing one.")
    ] = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    json: JsonOpt = False,
) -> None:
    """Write a layered Dockerfile (conda, then pip, never conda again), or --lint one."""
    from condapip.commands import dockerfile as cmd
    from condapip.errors import Refused
    from condapip.support.output import emit_json

    if lint is not None:
        findings = cmd.lint(lint)
        if json:
            emit_json(cmd.findings_json(lint, findings))
        else:
            for f in findings:
                print(f"{lint}:{f.line}: {f.rule}: {f.message}")
            if not findings:
                print(f"{lint}: no findings")
        if findings:
            raise typer.Exit(1)
        return
    plan = cmd.write_plan(file, output, base, user)
    if dry_run:
        if json:
            emit_json({"dry_run": True, "files": {str(p): t for p, t in plan.items()}})
            return
        for path, text in plan.items():
            print(f"# ---- {path} ----\n{text}", end="")
        return
    replaced = cmd.conflicts(plan)
    if replaced and not yes:
        names = ", ".join(str(p) for p in replaced)
        if json or not sys.stdin.isatty():
            raise Refused(f"would replace {names}: pass --yes, or --dry-run to see the files")
        typer.confirm(f"Replace {names}?", abort=True)
    cmd.save(plan)
    if json:
        emit_json({"dry_run": False, "files": [str(p) for p in plan]})
        return
    print("wrote " + ", ".join(str(p) for p in plan))
    print(f"build: docker build -f {output} {output.parent}")


EngineOpt = Annotated[
    str, typer.Option("--engine", help="conda engine: rattler, conda, mamba or micromamba.")
]
PipEngineOpt = Annotated[
    str | None, typer.Option("--pip-engine", help="pip engine: pip (default) or uv.")
]


def _decide(title: str, *, dry_run: bool, yes: bool) -> Callable[[list[Any]], bool]:
    """Show a plan (package, layer, why), then stop for --dry-run or ask unless --yes."""

    def decide(rows: list[Any]) -> bool:
        from condapip.support.output import table

        table(title, ["package", "layer", "why"], [[r.package, r.layer, r.why] for r in rows])
        if dry_run:
            print("dry run: nothing was changed")
            return False
        if yes:
            return True
        if not sys.stdin.isatty():
            raise CondapipError("no terminal to confirm on: pass --yes to go ahead")
        return typer.confirm("Proceed?", default=True, err=True)

    return decide


@app.command("install")
def install(
    specs: Annotated[list[str], typer.Argument(help="Packages: conda specs or pip requirements.")],
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    channel: Annotated[
        list[str] | None, typer.Option("-c", "--channel", help="Channel (repeatable).")
    ] = None,
    pip_only: Annotated[
        list[str] | None, typer.Option("--pip-only", help="Install NAME with pip (repeatable).")
    ] = None,
    engine: EngineOpt = "rattler",
    pip_engine: PipEngineOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
) -> None:
    """Install packages: conda for what a channel has, pip for the rest, pip last."""
    from condapip.change.plan import parse
    from condapip.commands import install as cmd

    parse(specs)  # a hostile spec is bad input before anything else runs
    path = _prefix(name, prefix)
    cmd.run(
        path,
        specs,
        channels=channel or [],
        pip_only=pip_only or [],
        engine=engine,
        pip_engine_name=pip_engine,
        decide=_decide(f"Plan for {path}", dry_run=dry_run, yes=yes),
    )
    if not dry_run:
        print(f"done: {path}")


@app.command("create")
def create(
    file: Annotated[
        Path | None, typer.Option("-f", "--file", help="environment.yml or an @EXPLICIT file.")
    ] = None,
    lock_file: Annotated[
        Path | None, typer.Option("--lock", help="Create exactly from a condapip lock file.")
    ] = None,
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    channel: Annotated[
        list[str] | None,
        typer.Option("-c", "--channel", help="Channel (repeatable); replaces the file's channels."),
    ] = None,
    engine: EngineOpt = "rattler",
    pip_engine: PipEngineOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
) -> None:
    """Create an environment from a file: the conda layer, then the pip layer."""
    from condapip.commands import create as cmd

    if (file is None) == (lock_file is None):
        raise CondapipError("give exactly one of -f FILE or --lock FILE")
    if lock_file is not None:
        if channel:
            raise CondapipError("-c does not apply to --lock: a lock names every package's URL")
        path = cmd.target(name, prefix, None)
        locked = cmd.run_lock(
            path, lock_file, engine=engine, pip_engine=pip_engine, dry_run=dry_run, yes=yes
        )
        print("\n".join(locked.lines()))
        print("dry run: nothing was changed" if dry_run else f"done: {path}")
        return
    assert file is not None
    path = cmd.run(
        file,
        name=name,
        prefix=prefix,
        channels=channel or [],
        engine=engine,
        pip_engine_name=pip_engine,
        decide=_decide("Create", dry_run=dry_run, yes=yes),
    )
    if not dry_run:
        print(f"done: {path}")


@app.command("rebuild")
def rebuild(
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    engine: EngineOpt = "rattler",
    pip_engine: PipEngineOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
) -> None:
    """Rebuild the environment as it should be in a fresh prefix, then swap it in."""
    from condapip.commands import rebuild as cmd

    path = _prefix(name, prefix)
    cmd.run(
        path,
        engine=engine,
        pip_engine_name=pip_engine,
        decide=_decide(f"Rebuild {path} as", dry_run=dry_run, yes=yes),
    )
    if not dry_run:
        print(f"rebuilt: {path}")


@app.command("rollback")
def rollback(
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    engine: EngineOpt = "rattler",
    pip_engine: PipEngineOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
) -> None:
    """Return the environment to the snapshot taken before the last condapip change."""
    from condapip.commands import rollback as cmd

    path = _prefix(name, prefix)
    snap = cmd.run(
        path,
        engine=engine,
        pip_engine_name=pip_engine,
        decide=_decide(f"Roll {path} back", dry_run=dry_run, yes=yes),
    )
    if not dry_run:
        print(f"rolled back to the snapshot of {snap.taken} ({snap.command})")


def run(argv: list[str]) -> int:
    """Run the app; turn CondapipError into one line on stderr and its exit code."""
    try:
        # standalone mode: click prints usage errors itself and exits 2
        app(argv, prog_name="condapip", standalone_mode=True)
    except CondapipError as exc:
        from condapip.support.redact import redact

        print(f"condapip: error: {redact(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        print("condapip: interrupted", file=sys.stderr)
        return 130
    return 0
