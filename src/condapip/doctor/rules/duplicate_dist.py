"""duplicate-dist: two or more dist-info/egg-info folders for one name.

importlib.metadata answers with whichever it finds first, so pip, conda and
the running code can each believe a different version is installed.
"""

from __future__ import annotations

from condapip.doctor.findings import Context, Finding

RULE = "duplicate-dist"


def check(ctx: Context) -> list[Finding]:
    findings = []
    for key, dists in sorted(ctx.prefix.dists_by_key.items()):
        if len(dists) < 2:
            continue
        folders = ", ".join(
            f"{d.path.name} ({ctx.world[d.path]})" for d in sorted(dists, key=lambda d: d.path)
        )
        findings.append(
            Finding(
                rule=RULE,
                severity="error",
                package=key,
                message=f"{len(dists)} metadata folders for {key} in {ctx.prefix.site_packages}: "
                f"{folders}",
                fix=ctx.rebuild,
            )
        )
    return findings
