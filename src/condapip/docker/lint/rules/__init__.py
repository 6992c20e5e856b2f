"""Every Dockerfile lint rule, in the order its findings are listed for one line.

Each rule is a module with ``RULE``, ``SEVERITY`` and ``check(Context)``, like a
doctor rule. Rule ids are a public contract: scripts match on them.
"""

from __future__ import annotations

from collections.abc import Callable

from condapip.docker.lint.findings import Context, Finding
from condapip.docker.lint.rules import (
    bare_pip,
    conda_after_pip,
    no_cache_clean,
    pip_in_base,
    root_user,
    unpinned_pip,
)

Rule = Callable[[Context], list[Finding]]

RULES: dict[str, Rule] = {
    conda_after_pip.RULE: conda_after_pip.check,
    pip_in_base.RULE: pip_in_base.check,
    bare_pip.RULE: bare_pip.check,
    root_user.RULE: root_user.check,
    no_cache_clean.RULE: no_cache_clean.check,
    unpinned_pip.RULE: unpinned_pip.check,
}
