"""The environment.yml a prefix exports: conda's format, with the pip layer under ``pip:``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from condapip.formats.layers import Layers
from condapip.formats.requirements import history_pip, pip_pins
from condapip.ledger.prefix import Prefix
from condapip.ledger.specs import spec_name
from condapip.support.redact import redact_url

if TYPE_CHECKING:
    from condapip.formats.envfile import EnvSpec


def environment_text(
    prefix: Prefix, layers: Layers, *, from_history: bool = False, no_builds: bool = False
) -> str:
    from condapip.formats.envfile import dumps

    return dumps(environment(prefix, layers, from_history=from_history, no_builds=no_builds))


def environment(
    prefix: Prefix, layers: Layers, *, from_history: bool = False, no_builds: bool = False
) -> EnvSpec:
    """The environment.yml document as an ``envfile.EnvSpec``."""
    from condapip.formats.envfile import EnvSpec
    from condapip.ledger import env_vars

    if from_history:
        conda = history_conda(prefix)
        pip = history_pip(prefix, layers)
    else:
        conda = [
            f"{r.name}={r.version}" if no_builds else f"{r.name}={r.version}={r.build}"
            for r in layers.records
        ]
        pip = pip_pins(layers)
    return EnvSpec(
        name=layers.name,
        channels=layers.channels,
        conda=tuple(conda),
        pip=tuple(pip),
        variables=tuple(sorted(env_vars.read(prefix.path).items())),
    )


def history_conda(prefix: Prefix) -> list[str]:
    """The conda specs as asked (conda-meta/history); else the records nothing depends on."""
    from condapip.ledger.history import requested_specs

    specs = requested_specs(prefix.history)
    if specs:
        return [_redact_spec(specs[name]) for name in sorted(specs)]
    needed = {spec_name(d) for r in prefix.records.values() for d in r.depends}
    return sorted(name for name in prefix.records if name not in needed)


def _redact_spec(spec: str) -> str:
    channel, sep, rest = spec.rpartition("::")
    return f"{redact_url(channel)[0]}{sep}{rest}" if sep else spec
