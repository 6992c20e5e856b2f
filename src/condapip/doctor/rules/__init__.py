"""Every doctor rule, in the order its findings are reported.

Each rule is one function from a ``Context`` to a list of findings. Rule ids
(``RULE`` in each module) are a public contract: scripts match on them.
"""

from __future__ import annotations

from collections.abc import Callable

from condapip.doctor.findings import Context, Finding
from condapip.doctor.rules import (
    broken_requirement,
    channel_priority,
    conda_after_pip,
    cuda_mismatch,
    duplicate_dist,
    install_log_warning,
    interrupted_change,
    pip_in_base,
    pip_overwrote_conda,
)

Rule = Callable[[Context], list[Finding]]

RULES: tuple[Rule, ...] = (
    interrupted_change.check,
    pip_overwrote_conda.check,
    duplicate_dist.check,
    broken_requirement.check,
    pip_in_base.check,
    conda_after_pip.check,
    cuda_mismatch.check,
    install_log_warning.check,
    channel_priority.check,
)
