"""What the guard says when it stops conda: each pip dist and its requirement at
stake, then only commands that can work. When no command can make the change
and keep the pip layer whole, it says so and names the choices: versions that
fit, or the pip dist dropped by ``condapip rebuild --drop``.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass

from condapip.conda_plugin.stakes import Stake
from condapip.errors import CondapipError
from condapip.support.redact import redact

SETTING = "condapip_guard"
GO_ON = f"conda config --set plugins.{SETTING} warn"


@dataclass(frozen=True)
class Request:
    """What the user asked conda: the specs, the command, and the ``-c`` channels."""

    specs: tuple[str, ...] = ()
    verb: str = "install"
    channels: tuple[str, ...] = ()
    override_channels: bool = False

    def channel_args(self) -> list[str]:
        args = [f"-c {shlex.quote(c)}" for c in self.channels]
        return [*args, *(["--override-channels"] if self.override_channels else [])]


def message(prefix: str, stakes: list[Stake], request: Request) -> str:
    """The refusal, with commands that work as printed (the user's channels kept)."""
    where = shlex.quote(prefix)
    pip = sorted({s.pip for s in stakes})
    lines = [f"this conda change would break pip packages in {prefix} ({', '.join(pip)}):"]
    lines += [f"  - pip's {s.pip} needs {s.requirement}: {s.what}" for s in stakes]
    lines.append("No command can make this change and keep these pip packages working. Choose one:")
    fitting = _fitting(stakes, request.specs)
    if fitting is not None:
        args = " ".join([where, *request.channel_args(), *(shlex.quote(s) for s in fitting)])
        lines.append(f"  - keep them, with versions that fit: conda install -p {args}")
    drop = " ".join(f"--drop {shlex.quote(p.split()[0])}" for p in pip)
    lines.append(
        f"  - drop them from the pip layer: condapip rebuild -p {where} {drop} --yes, "
        f"then run conda {request.verb} again"
    )
    lines.append(f"To let conda go ahead anyway (the pip layer breaks): {GO_ON} (or off)")
    return redact("\n".join(lines))


def _fitting(stakes: list[Stake], asked: Iterable[str]) -> list[str] | None:
    """The user's specs, each at-stake package's replaced by one that fits every
    pip requirement on it; None where a stake has no such version (a removal,
    or files pip owns)."""
    from condapip.ledger.specs import spec_name

    if any(s.fits is None for s in stakes):
        return None
    fits: dict[str, set[str]] = {}
    for s in stakes:
        fits.setdefault(s.package, set()).add(s.fits or "")
    # several requirements on one package: conda's "," is AND, as PEP 440's
    out = [name + ",".join(sorted(specs)) for name, specs in sorted(fits.items())]
    for spec in asked:
        try:
            name = spec_name(spec)
        except CondapipError:  # kept as the user gave it
            name = spec
        if name not in fits:
            out.append(spec)
    return out


def cannot_judge(prefix: str, reason: str) -> str:
    """One line: the guard could not read the prefix, so it stopped conda."""
    reason = " ".join(reason.split())
    return redact(
        f"condapip's guard cannot judge this change against the pip layer of {prefix} "
        f"({reason}), so it stopped it; nothing was changed. To go on without it: {GO_ON}"
    )
