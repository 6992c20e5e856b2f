"""Both layers of a prefix as a file that rebuilds it, in one of four formats:
environment.yml, conda's ``@EXPLICIT`` list, a requirements file or a PEP 751
``pylock.toml`` (one module each; this one picks).

Everything comes from the ledgers ``read_prefix`` gives: conda records for the
conda layer, PEP 610 records (through ``pins.pin``) for the pip layer. Output
is sorted so that two exports of one prefix are byte-identical, and every URL
is redacted before it is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from condapip.errors import CondapipError
from condapip.formats.layers import select
from condapip.ledger.prefix import Prefix

Format = Literal["environment", "explicit", "requirements", "pylock"]
FORMATS: tuple[Format, ...] = ("environment", "explicit", "requirements", "pylock")


@dataclass(frozen=True)
class Exported:
    text: str
    warnings: tuple[str, ...]


def export(
    prefix: Prefix,
    fmt: str = "environment",
    *,
    from_history: bool = False,
    no_builds: bool = False,
    as_is: bool = False,
    pip_engine: str | None = None,
) -> Exported:
    if fmt not in FORMATS:
        raise CondapipError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
    if from_history and fmt not in ("environment", "requirements"):
        raise CondapipError("--from-history works with --format environment or requirements")
    layers = select(prefix, as_is=as_is)
    warnings = list(layers.warnings)
    if fmt == "environment":
        from condapip.formats.environment import environment_text

        text = environment_text(prefix, layers, from_history=from_history, no_builds=no_builds)
    elif fmt == "requirements":
        from condapip.formats.requirements import history_pip, pip_pins, requirements_text

        reqs = history_pip(prefix, layers) if from_history else pip_pins(layers)
        text = requirements_text(reqs)
    elif fmt == "explicit":
        from condapip.formats.explicit import explicit_text

        text = explicit_text(layers, warnings)
    else:
        from condapip.formats.artifacts import pip_artifacts
        from condapip.formats.pylock import pylock_text

        artifacts = pip_artifacts(prefix, layers.pip, pip_engine, warnings)
        text = pylock_text(prefix, artifacts)
    return Exported(text=text, warnings=tuple(warnings))
