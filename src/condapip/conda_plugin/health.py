"""Every condapip doctor rule as a conda health check (``conda doctor``).

One diagnosis serves all the checks of a run. It is made before conda's own
checks start (a pre-command hook on ``doctor``/``check``) because a check
that reads the prefix through conda's pip-interop loader, as conda-pypi's
``external-packages`` does, deletes the conda-meta record of every package
pip overwrote: read afterwards, the evidence would be gone. The checks'
names start with ``condapip-``, which also sorts them first.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from condapip.conda_plugin.safe import never_raises
from condapip.support.redact import redact

if TYPE_CHECKING:  # conda loads this module on every command: the doctor only when used
    from condapip.doctor.findings import Finding, Report

PREFIX = "condapip-"
# What each rule's fix does, for ``conda doctor --list`` (each finding prints
# its own exact command); ``--fix`` runs condapip's repair for errors only.
FIXES = {
    "interrupted-change": "condapip rollback (or rebuild, to finish an interrupted rebuild)",
    "pip-overwrote-conda": "condapip rebuild: conda's package back, the pip layer on top",
    "duplicate-dist": "condapip rebuild: one metadata folder per name",
    "broken-requirement": "condapip rebuild, or a version that fits (shown per finding)",
    "pip-in-base": "pip uninstall in base; the packages belong in an environment of their own",
    "conda-after-pip": "condapip rebuild: the pip layer laid again after conda's change",
    "cuda-mismatch": "a CUDA that matches: condapip install 'cuda-version=N.*' or a matching wheel",
    "install-log-warning": "condapip rebuild, after conda clean or conda update as the log says",
    "channel-priority": "conda config --set channel_priority strict, conda-forge first",
}
# prefix -> its report, or why it could not be read; one conda command, one reading
_REPORTS: dict[str, Report | str] = {}
_SHOWN_ERRORS: set[str] = set()


def rule_modules() -> list[ModuleType]:
    """The module of each rule in doctor's own order: its ``RULE`` id and docstring."""
    from condapip.doctor.rules import RULES

    return [sys.modules[rule.__module__] for rule in RULES]


def health_checks() -> Iterator[Any]:
    from conda.exceptions import CondaSystemExit, DryRunExit
    from conda.plugins.types import CondaHealthCheck

    for module in rule_modules():
        rule: str = module.RULE
        yield CondaHealthCheck(
            name=PREFIX + rule,
            action=never_raises(f"check {rule}")(_action(rule)),
            fixer=never_raises(f"fix {rule}", (CondaSystemExit, DryRunExit))(_fixer(rule)),
            summary=f"condapip: {summary(module)}",
            fix=FIXES.get(rule, "the command each finding prints"),
        )


def pre_commands() -> Iterator[Any]:
    from conda.plugins.types import CondaPreCommand

    yield CondaPreCommand(
        name="condapip-read-before-checks",
        action=never_raises("read before the checks")(_read_first),
        run_for={"doctor", "check"},
    )


def summary(module: ModuleType) -> str:
    """The first line of a rule's docstring, without its ``rule-id:`` lead."""
    first = (module.__doc__ or module.RULE).strip().splitlines()[0]
    return first.split(": ", 1)[1] if first.startswith(f"{module.RULE}: ") else first


def _read_first(command: str) -> None:
    from conda.base.context import context

    report(str(context.target_prefix))


def report(prefix: str, *, fresh: bool = False) -> Report | str:
    if fresh or prefix not in _REPORTS:
        from condapip.doctor.diagnose import diagnose
        from condapip.errors import CondapipError

        try:
            _REPORTS[prefix] = diagnose(prefix)
        except CondapipError as exc:
            _REPORTS[prefix] = redact(str(exc))
    return _REPORTS[prefix]


def _action(rule: str) -> Callable[[str, bool], None]:
    def check(prefix: str, verbose: bool) -> None:
        from conda.base.constants import OK_MARK, X_MARK

        found = report(prefix)
        if isinstance(found, str):
            if prefix not in _SHOWN_ERRORS:  # once, not once per rule
                _SHOWN_ERRORS.add(prefix)
                print(f"{X_MARK} condapip could not read this environment: {found}\n")
            return
        findings = [f for f in found.findings if f.rule == rule]
        if not findings:
            print(f"{OK_MARK} condapip {rule}: no findings.\n")
            return
        print(f"{X_MARK} condapip {rule}:\n")
        print("\n".join(_lines(findings)) + "\n")

    return check


def _lines(findings: list[Finding]) -> list[str]:
    out = []
    for f in findings:
        head = f"{f.package}: " if f.package else ""
        # printed in conda's process, past condapip's redacting streams
        out += [redact(f"  {head}{f.message} ({f.severity})"), redact(f"    fix: {f.fix}")]
    return out


def _fixer(rule: str) -> Callable[[str, Any, Callable[[str], Any]], int]:
    def fix(prefix: str, args: Any, confirm: Callable[[str], Any]) -> int:
        from condapip.conda_plugin.evidence import put_back

        # condapip's repair needs to know what conda had installed
        put_back(prefix)
        found = report(prefix, fresh=True)  # an earlier fixer may have repaired it
        if isinstance(found, str):
            print(f"condapip cannot read {prefix}: {found}")
            return 1
        findings = [f for f in found.findings if f.rule == rule]
        if not findings:
            print(f"condapip {rule}: nothing to fix.")
            return 0
        print("\n".join(_lines(findings)))
        verb = _repair(Path(prefix), findings)
        if verb is None:  # a warning's fix is a setting or a choice, not a rebuild
            print(f"condapip {rule}: warnings only; the fix above is yours to choose.")
            return 0
        command = f"condapip {verb} -p {shlex.quote(prefix)} --yes"
        print(f"condapip {rule}: the fix runs: {command}")
        confirm(f"Run {command}?")
        code = _condapip(verb, prefix)
        _REPORTS.pop(prefix, None)
        return code

    return fix


def _repair(prefix: Path, findings: list[Finding]) -> str | None:
    """condapip's repair: what an interrupted change's journal (or snapshot) asks
    for, else ``rebuild`` for errors, else none."""
    from condapip.change.transaction import interrupted
    from condapip.ledger.journal import pending

    log = pending(prefix)
    if log is not None:
        return "rebuild" if log.verb == "rebuild" else "rollback"  # as interrupted-change says
    if interrupted(prefix) is not None:
        return "rollback"
    return "rebuild" if any(f.severity == "error" for f in findings) else None


def _condapip(verb: str, prefix: str) -> int:
    """condapip's own repair, in its own process: it swaps the prefix conda is looking at."""
    cmd = [sys.executable, "-m", "condapip", verb, "-p", prefix, "--yes"]
    return subprocess.run(cmd, check=False).returncode
