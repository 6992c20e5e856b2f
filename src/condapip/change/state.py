"""An environment as it should be: conda packages by exact URL, pip dists by exact pin.

Snapshots, rollback and rebuild all speak this one shape. ``capture`` reads it
off a prefix; ``apply`` makes a prefix hold it, conda first and pip last.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from condapip.change import at_rest
from condapip.change.engines.base import CondaEngine, PipEngine, SolvedPackage
from condapip.errors import CondapipError, Refused
from condapip.ledger.prefix import Prefix, read_prefix


@dataclass(frozen=True)
class PipPin:
    name: str  # normalized
    version: str
    requirement: str  # "-e URL" for an editable install


@dataclass(frozen=True)
class EnvState:
    conda: tuple[SolvedPackage, ...]
    conda_specs: tuple[str, ...]  # what the user asked conda for (history)
    pip: tuple[PipPin, ...]
    pip_requests: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "conda": [asdict(p) for p in self.conda],
            "conda_specs": list(self.conda_specs),
            "pip": [asdict(p) for p in self.pip],
            "pip_requests": dict(self.pip_requests),
        }

    @classmethod
    def from_json(cls, data: Any, source: str) -> EnvState:
        try:
            return cls(
                conda=tuple(SolvedPackage(**p) for p in data["conda"]),
                conda_specs=tuple(str(s) for s in data["conda_specs"]),
                pip=tuple(PipPin(**p) for p in data["pip"]),
                pip_requests={str(k): str(v) for k, v in data["pip_requests"].items()},
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise CondapipError(f"corrupt snapshot {source}: {exc}") from None

    @property
    def urls(self) -> frozenset[str]:
        return frozenset(p.url for p in self.conda)

    def pip_requirements(self) -> list[str]:
        return [p.requirement for p in self.pip]


def capture(prefix: Prefix) -> EnvState:
    """The prefix as it should be: every conda record, and pip's own dists.

    A conda package that pip overwrote comes back as the conda version (its
    record is still there); the pip copy is dropped. A dist pip was replacing
    when it was cut short comes back as the version its ``~`` stash holds: the
    half-written new one is not installed.
    """
    from condapip.change.pip_layer import read_requests
    from condapip.ledger.history import requested_specs

    return EnvState(
        conda=tuple(solved(r) for r in sorted(prefix.records.values(), key=lambda r: r.name)),
        conda_specs=tuple(requested_specs(prefix.history).values()),
        pip=tuple(sorted(pip_pins(prefix, only_pip=True) + _stashed(prefix), key=_by_name)),
        pip_requests=read_requests(prefix.path),
    )


def solved(rec: Any) -> SolvedPackage:
    return SolvedPackage(
        name=rec.name,
        version=rec.version,
        build=rec.build,
        channel=rec.channel,
        subdir=rec.subdir,
        url=rec.url,
        sha256=rec.sha256,
        md5=rec.md5,
    )


def _by_name(p: PipPin) -> str:
    return p.name


def _stashed(prefix: Prefix) -> list[PipPin]:
    from condapip.ledger.pins import pin

    live = {d.key for d in prefix.dists if not d.half_written}
    out = {}
    for dist in prefix.stashed:
        if dist.installer == "pip" and dist.key not in live and not dist.direct_url:
            out[dist.key] = PipPin(dist.key, dist.version, pin(dist).requirement)
    return list(out.values())


def pip_pins(prefix: Prefix, *, only_pip: bool) -> list[PipPin]:
    """Exact pins of the pip layer; ``only_pip`` leaves out pip copies over conda packages."""
    from condapip.ledger.pins import pin

    owners = ("pip",) if only_pip else ("pip", "pip-over-conda")
    out = []
    for dist in sorted(prefix.pip_dists, key=lambda d: d.key):
        if prefix.owners[dist.path][0] not in owners:
            continue
        p = pin(dist)
        if p.redacted:
            raise Refused(f"{dist.name}: its source URL holds a credential condapip cannot keep")
        req = p.requirement
        if p.editable:
            req = "-e " + req.split(" @ ", 1)[1]
        out.append(PipPin(dist.key, dist.version, req))
    return out


def apply(
    prefix_path: Path,
    target: EnvState,
    conda: CondaEngine,
    pip: PipEngine,
    *,
    exact: bool,
    argv: list[str] | None = None,
) -> None:
    """Make ``prefix_path`` hold ``target``: a fresh prefix, or an existing one in place.

    ``exact`` installs the pip layer as recorded (``--no-deps``): for putting
    back a state that once was. Without it pip resolves, and a pip layer that
    no longer fits the conda layer is refused.
    """
    from condapip.change import pip_layer
    from condapip.ledger.history import append_history
    from condapip.support.progress import step

    current = read_prefix(prefix_path) if (prefix_path / "conda-meta").is_dir() else None
    if current is not None:
        _check_clobbered(current)
    if current is None or {r.url for r in current.records.values()} != target.urls:
        if current is not None:
            # Re-layer: pip's files go before conda's change, never under it.
            aside = [d.name for d in current.pip_dists]
            with step(f"re-layering: setting aside {len(aside)} pip package(s)"):
                pip_layer.uninstall(prefix_path, aside, pip)
        change = at_rest.install(conda, prefix_path, target.conda, fetch_installed=True)
        if current is None:
            append_history(
                prefix_path,
                added=change.added,
                removed=change.removed,
                update_specs=target.conda_specs,
                argv=argv,
            )
        todo = target.pip_requirements()
    else:
        have = {p.name: p for p in pip_pins(current, only_pip=False)}
        wanted = {p.name: p for p in target.pip}
        stale = [n for n, p in have.items() if wanted.get(n) != p]
        pip_layer.uninstall(prefix_path, stale, pip)
        todo = [p.requirement for n, p in wanted.items() if have.get(n) != p]
    if todo:
        with step(f"installing the pip layer ({len(todo)} requirement(s))"):
            pip_layer.install(prefix_path, todo, pip, no_deps=exact)
    if pip_layer.read_requests(prefix_path) != target.pip_requests:
        pip_layer.write_requests(prefix_path, target.pip_requests)


def check_repairable(prefix: Prefix) -> None:
    """Refuse to change a prefix pip broke, or one an interrupted pip left half-written."""
    _check_clobbered(prefix)
    if prefix.half_written:
        shown = ", ".join(str(x.path.name) for x in prefix.half_written[:3])
        more = f" and {len(prefix.half_written) - 3} more" if len(prefix.half_written) > 3 else ""
        raise Refused(
            f"{prefix.path} holds what an interrupted pip left ({shown}{more}): "
            f"run condapip rebuild -p {prefix.path} first"
        )


def _check_clobbered(prefix: Prefix) -> None:
    # Removing pip's copy of a conda package deletes conda's files too, and
    # relinking the unchanged record does not bring them back.
    clobbered = [d.name for d in prefix.pip_dists if prefix.owners[d.path][0] != "pip"]
    if clobbered:
        raise Refused(
            f"pip replaced conda's {', '.join(sorted(clobbered))} in {prefix.path}; "
            f"this cannot be changed in place: run condapip rebuild -p {prefix.path}"
        )
