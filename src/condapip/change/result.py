"""What a change verb shows before it acts (a plan) and returns after (what it did)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from condapip.change.plan import Layer, Row
from condapip.support.output import Block, Table

if TYPE_CHECKING:
    from condapip.change.state import EnvState
    from condapip.ledger.prefix import Prefix


@dataclass(frozen=True)
class Version:
    """One package's version before and after the change (None: not there)."""

    package: str
    layer: Layer
    before: str | None
    after: str | None

    @property
    def text(self) -> str:
        """As conda and pip users read it: ``numpy 1.26.4 -> 2.2.6``, ``+ x 1.0``, ``- x 1.0``."""
        if self.before is None:
            return f"+ {self.package} {self.after}"
        if self.after is None:
            return f"- {self.package} {self.before}"
        return f"{self.package} {self.before} -> {self.after}"


class _Package(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def build(self) -> str: ...


def conda_versions(before: Iterable[_Package], after: Iterable[_Package]) -> list[Version]:
    """What a conda change does to each package; a new build of one version shows its build."""
    old = {p.name: p for p in before}
    new = {p.name: p for p in after}
    out = []
    for name in sorted({*old, *new}):
        was, will = old.get(name), new.get(name)
        if was is not None and will is not None:
            if (was.version, was.build) == (will.version, will.build):
                continue
            if was.version == will.version:
                was_text, will_text = f"{was.version}={was.build}", f"{will.version}={will.build}"
                out.append(Version(name, "conda", was_text, will_text))
                continue
        out.append(
            Version(
                name,
                "conda",
                was.version if was is not None else None,
                will.version if will is not None else None,
            )
        )
    return out


def pip_versions(before: Mapping[str, str], after: Mapping[str, str]) -> list[Version]:
    """What a pip change does, by normalized name -> version."""
    return [
        Version(name, "pip", before.get(name), after.get(name))
        for name in sorted({*before, *after})
        if before.get(name) != after.get(name)
    ]


def versions_to(found: Prefix, target: EnvState) -> list[Version]:
    """What making ``found`` hold ``target`` (a rebuild, a rollback) does to each version;
    pip's copy over a conda package is pip's, and goes."""
    return conda_versions(found.records.values(), target.conda) + pip_versions(
        {d.key: d.version for d in found.pip_dists}, {p.name: p.version for p in target.pip}
    )


@dataclass(frozen=True)
class Plan:
    """Rows of (package, layer, why) under a title that names the target prefix, the
    channels it uses and, once solved, every version it changes."""

    title: str
    rows: Sequence[Row]
    warnings: Sequence[str] = ()
    exit_code: int = 0
    versions: Sequence[Version] = ()
    channels: Sequence[str] = ()

    def blocks(self) -> Iterator[Block]:
        rows = [[r.package, r.layer, r.why] for r in self.rows]
        yield Table(self.title, ["package", "layer", "why"], rows)
        if self.channels:
            yield "channels: " + ", ".join(_shown(c) for c in self.channels)
        if self.versions:
            lines = [[v.text, v.layer] for v in self.versions]
            plain = "versions:\n" + "\n".join(f"  {v.text}  ({v.layer})" for v in self.versions)
            yield Table("versions", ["change", "layer"], lines, plain=plain)

    def as_json(self) -> dict[str, Any]:
        rows = [{"package": r.package, "layer": r.layer, "why": r.why} for r in self.rows]
        versions = [
            {"package": v.package, "layer": v.layer, "before": v.before, "after": v.after}
            for v in self.versions
        ]
        channels = [_shown(c) for c in self.channels]
        return {"title": self.title, "rows": rows, "versions": versions, "channels": channels}


def _shown(url: str) -> str:
    from condapip.support.redact import redact_url

    return redact_url(url)[0]


@dataclass(frozen=True)
class Changed:
    """A change verb's result: ``done`` says what changed; ``None`` means a dry run."""

    plan: Plan
    done: str | None
    warnings: Sequence[str] = field(default=())
    exit_code: int = 0

    def blocks(self) -> Iterator[Block]:
        if self.done is None:
            yield from self.plan.blocks()
            yield "dry run: nothing was changed"
        else:
            yield self.done

    def as_json(self) -> dict[str, Any]:
        return {**self.plan.as_json(), "dry_run": self.done is None, "done": self.done}
