"""``condapip channels``: the effective channels and priority, and a fix for them."""

from __future__ import annotations

import difflib
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from condapip.ledger import condarc
from condapip.ledger.channels import Chosen, chosen
from condapip.ledger.condarc import Setting
from condapip.support.atomic import write_atomic
from condapip.support.output import Block, Confirm, Table

FIX_HINT = "run `condapip channels --fix` to put conda-forge first with strict priority"


@dataclass(frozen=True)
class Channels:
    """What conda would use, where each value came from, and what breaks the rules."""

    channels: tuple[Chosen, ...]
    priority: Setting | None
    problems: tuple[str, ...]
    warnings: Sequence[str] = ()
    offline: str | None = None  # where offline: true comes from

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0

    def blocks(self) -> Iterator[Block]:
        header = ["Rank", "Channel", "URL", "From"]
        yield Table("channels (highest priority first)", header, rows(self))
        yield priority_line(self)
        if self.offline:
            yield f"offline: true ({self.offline}): only local channels are read"
        for problem in self.problems:
            yield f"problem: {problem}"
        if self.problems:
            yield f"hint: {FIX_HINT}"

    def as_json(self) -> dict[str, Any]:
        return as_json(self)


@dataclass(frozen=True)
class Fix:
    """An edit of the user's condarc: its text before and after."""

    path: Path
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def backup(self) -> Path:
        return self.path.with_name(self.path.name + ".bak")

    warnings: Sequence[str] = ()
    exit_code: int = 0

    def blocks(self) -> Iterator[Block]:
        yield self.diff()

    def as_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "changed": self.changed, "diff": self.diff()}

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=str(self.path),
                tofile=str(self.path),
            )
        )


@dataclass(frozen=True)
class Fixed:
    """The condarc edit made (or, in a dry run, shown), and the channels after it."""

    fix: Fix
    dry_run: bool
    after: Channels

    @property
    def warnings(self) -> Sequence[str]:
        if self.dry_run:
            return ()
        return [
            f"still: {p} (a condarc with higher precedence overrides it)" for p in self.problems
        ]

    @property
    def problems(self) -> tuple[str, ...]:
        return () if self.dry_run else self.after.problems

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0

    def blocks(self) -> Iterator[Block]:
        fix = self.fix
        if not fix.changed:
            yield f"{fix.path} already puts conda-forge first with strict priority"
            return
        yield fix.diff()
        if self.dry_run:
            yield f"dry run: {fix.path} not changed"
        else:
            backup = f" (old copy: {fix.backup})" if fix.before else ""
            yield f"wrote {fix.path}{backup}"

    def as_json(self) -> dict[str, Any]:
        return fix_json(self.fix, dry_run=self.dry_run, after=self.after)


def run(
    *, fix: bool, name: str | None, prefix: str | None, dry_run: bool, confirm: Confirm
) -> Channels | Fixed:
    from condapip.ledger.locate import resolve

    env = resolve(name, prefix) if name or prefix else None
    if not fix:
        return show(env)
    change = plan_fix()
    if change.changed and not dry_run:
        confirm(change, f"Write {change.path} (old copy in {change.backup.name})?")
        apply_fix(change)
    return Fixed(change, dry_run, show(env))


def show(prefix: Path | None) -> Channels:
    """The channels every change verb uses (the one choice, ``ledger.channels.chosen``)."""
    channels = tuple(chosen(prefix=prefix))
    priority = condarc.effective(prefix).get("channel_priority")
    problems = []
    first = channels[0].written
    if not condarc.is_conda_forge(first):
        problems.append(f"the first channel is {first}, not conda-forge")
    value = "flexible" if priority is None else str(priority.value).lower()
    if value != "strict":
        where = "conda's default" if priority is None else str(priority.source)
        problems.append(f"channel_priority is {value} ({where}), not strict")
    return Channels(channels, priority, tuple(problems), offline=condarc.offline(prefix))


def plan_fix() -> Fix:
    path = condarc.user_condarc()
    try:
        before = path.read_text()
    except FileNotFoundError:
        before = ""
    except (OSError, UnicodeDecodeError) as exc:
        from condapip.errors import CondapipError

        raise CondapipError(f"cannot read {path}: {exc}") from None
    return Fix(path, before, condarc.with_strict_conda_forge(before, str(path)))


def apply_fix(fix: Fix) -> None:
    """Back the old file up, then replace it in one rename."""
    fix.path.parent.mkdir(parents=True, exist_ok=True)
    if fix.path.exists():
        shutil.copy2(fix.path, fix.backup)
    write_atomic(fix.path, fix.after)


def rows(report: Channels) -> list[list[str]]:
    return [
        [str(i), c.written, ", ".join(urls(c.written)), c.source]
        for i, c in enumerate(report.channels, 1)
    ]


def urls(written: str) -> list[str]:
    """What a change fetches for one channel (redacted), as the plan of ``install`` shows
    it; a channel the resolver refuses shows why."""
    from condapip.errors import CondapipError
    from condapip.ledger.channels import resolve

    try:
        return [c.shown for c in resolve([written])]
    except CondapipError as exc:
        return [f"({exc})"]


def priority_line(report: Channels) -> str:
    if report.priority is None:
        return "channel_priority: flexible (conda's default)"
    return f"channel_priority: {report.priority.value} ({report.priority.source})"


def as_json(report: Channels) -> dict[str, Any]:
    return {
        "channels": [
            {"channel": c.written, "urls": urls(c.written), "source": c.source}
            for c in report.channels
        ],
        "channel_priority": {
            "value": "flexible" if report.priority is None else report.priority.value,
            "source": None if report.priority is None else str(report.priority.source),
        },
        "problems": list(report.problems),
        "offline": report.offline,
    }


def fix_json(fix: Fix, *, dry_run: bool, after: Channels) -> dict[str, Any]:
    return {
        "path": str(fix.path),
        "changed": fix.changed,
        "dry_run": dry_run,
        "backup": str(fix.backup) if fix.changed and fix.before and not dry_run else None,
        "diff": fix.diff(),
        **as_json(after),
    }
