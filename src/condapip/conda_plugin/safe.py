"""Failures inside the plugin become warnings; conda's command goes on."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from importlib import import_module
from typing import Any, TypeVar

log = logging.getLogger("condapip.conda_plugin")

T = TypeVar("T")


def hook_results(what: str, module: str, function: str) -> Iterator[Any]:
    """The plugin objects ``module.function()`` makes, or none if it fails."""
    try:
        items = list(getattr(import_module(module), function)())
    except Exception as exc:  # a broken condapip install must not break conda
        log.warning("condapip: %s are off: %s", what, _one_line(exc))
        return
    yield from items


def never_raises(what: str, passes: tuple[type[BaseException], ...] = ()) -> Callable[..., Any]:
    """Wrap a plugin action: exceptions other than ``passes`` are logged, not raised.

    ``passes`` are the exceptions the action raises on purpose (the guard's
    refusal, conda's own confirm and dry-run exits).
    """

    def wrap(action: Callable[..., T]) -> Callable[..., T | None]:
        @functools.wraps(action)
        def run(*args: Any, **kwargs: Any) -> T | None:
            try:
                return action(*args, **kwargs)
            except passes:
                raise
            except Exception as exc:
                log.warning("condapip: %s failed: %s", what, _one_line(exc))
                return None

        return run

    return wrap


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
