"""An environment's variables, kept where conda keeps them: ``conda-meta/state``.

``conda env config vars`` and an environment.yml's ``variables:`` both land
in that file's ``env_vars`` map, which ``conda activate`` exports.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from condapip.errors import CondapipError
from condapip.support.atomic import write_atomic

STATE_FILE = Path("conda-meta") / "state"
# conda's marker for a variable that was unset (conda.base.constants)
UNSET = "***unset***"


def read(prefix: Path) -> dict[str, str]:
    """The prefix's variables, as ``conda env config vars list`` shows them."""
    env_vars = _state(prefix).get("env_vars") or {}
    if not isinstance(env_vars, dict):
        return {}
    return {str(k): str(v) for k, v in env_vars.items() if v != UNSET}


def write(prefix: Path, variables: Iterable[tuple[str, str]]) -> None:
    """Add ``variables`` to the prefix's state file, keeping what else it holds."""
    new = dict(variables)
    if not new:
        return
    state = _state(prefix)
    current = state.get("env_vars")
    state["env_vars"] = {**(current if isinstance(current, dict) else {}), **new}
    path = prefix / STATE_FILE
    write_atomic(path, json.dumps(state, ensure_ascii=False))


def _state(prefix: Path) -> dict[str, object]:
    path = prefix / STATE_FILE
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise CondapipError(f"cannot read {path}: {exc}") from None
    return data if isinstance(data, dict) else {}
