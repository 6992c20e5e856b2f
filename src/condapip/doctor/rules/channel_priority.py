"""channel-priority: conda-forge without strict priority, or not first.

With flexible priority conda may take a package from a lower channel when a
higher one has it too, mixing builds that were never made to work together.
conda's default is flexible, so an unset value counts when it matters: when
the prefix has conda-forge packages or the user keeps a condarc.
"""

from __future__ import annotations

import shlex

from condapip.doctor.findings import Context, Finding
from condapip.ledger.records import channel_name

RULE = "channel-priority"
_SHOWN = 5


def check(ctx: Context) -> list[Finding]:
    from condapip.ledger import condarc

    settings = condarc.effective(ctx.prefix.path)
    from_forge = sorted(name for name, rec in ctx.prefix.records.items() if _is_forge(rec.channel))
    findings = []
    priority = settings.get("channel_priority")
    if priority is not None and str(priority.value).lower() != "strict":
        findings.append(
            _finding(
                f"channel_priority is {priority.value!r} in {priority.source}; conda may mix "
                "builds from different channels",
                f"conda config --file {shlex.quote(str(priority.source))} "
                "--set channel_priority strict",
            )
        )
    elif priority is None and (from_forge or settings):
        target = shlex.quote(str(condarc.user_condarc()))
        findings.append(
            _finding(
                "channel_priority is not set, so conda uses 'flexible' and may mix builds "
                "from different channels",
                f"conda config --file {target} --set channel_priority strict",
            )
        )
    if from_forge:
        chans = settings.get("channels")
        listed = chans.value if chans and isinstance(chans.value, list) else []
        first = str(listed[0]) if listed else "defaults"
        if not _is_forge(first):
            target = shlex.quote(str(chans.source if chans else condarc.user_condarc()))
            findings.append(
                _finding(
                    f"{len(from_forge)} packages come from conda-forge ({_some(from_forge)}), "
                    f"but the first channel is {first}",
                    f"conda config --file {target} --prepend channels conda-forge",
                )
            )
    return findings


def _is_forge(channel: str) -> bool:
    """conda-forge by name, URL, or a mirror of it (``https://mirror.example/conda-forge``)."""
    return channel_name(channel).rstrip("/").rsplit("/", 1)[-1] == "conda-forge"


def _finding(message: str, fix: str) -> Finding:
    return Finding(rule=RULE, severity="warning", package=None, message=message, fix=fix)


def _some(names: list[str]) -> str:
    if len(names) <= _SHOWN:
        return ", ".join(names)
    return f"{', '.join(names[:_SHOWN])} and {len(names) - _SHOWN} more"
