"""pip-in-base: pip-installed dists in the base environment.

base runs conda itself; a pip package there can break the ``conda`` command
for every environment on the machine.
"""

from __future__ import annotations

from condapip.doctor.findings import Context, Finding
from condapip.ledger.locate import is_base

RULE = "pip-in-base"


def check(ctx: Context) -> list[Finding]:
    prefix = ctx.prefix
    pip_dists = [d for d in prefix.dists if ctx.installed_by_pip(d)]
    if not pip_dists or not is_base(prefix.path, prefix.records):
        return []
    return [
        Finding(
            rule=RULE,
            severity="error",
            package=dist.key,
            message=f"{dist.name} {dist.version} was installed by pip into the base "
            f"environment {prefix.path}; it belongs in an environment of its own",
            fix=ctx.pip("uninstall", "-y", dist.name),
        )
        for dist in sorted(pip_dists, key=lambda d: d.key)
    ]
