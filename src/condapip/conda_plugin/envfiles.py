"""condapip's files through conda's environment hooks.

``conda export --format condapip`` writes condapip's two-layer environment.yml,
``--format condapip-lock`` its lock; ``conda env create -f condapip.lock.yml``
installs a lock: the conda layer from its exact URLs (checked against their
hashes by conda), the pip layer with pip's hash checking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from condapip.conda_plugin.safe import never_raises
from condapip.errors import CondapipError

T = TypeVar("T")
LOCK_FILENAMES = ("condapip.lock.yml", "*.condapip.lock.yml")
ENV_FILENAMES = ("condapip.environment.yml",)
FORMATS = ("condapip", "condapip-environment", "condapip-lock")
# prefix -> the prefix as read before conda's export ran (see pre_commands)
_READ: dict[str, Any] = {}


def pre_commands() -> Iterator[Any]:
    """``conda export`` reads the prefix with pip interop, which deletes the record
    of each conda package pip overwrote, before it calls an exporter: condapip's
    exporters read the prefix first."""
    from conda.plugins.types import CondaPreCommand

    yield CondaPreCommand(
        name="condapip-read-before-export",
        action=never_raises("read before export")(_read_first),
        run_for={"export"},
    )


def _read_first(command: str) -> None:
    from fnmatch import fnmatch

    from conda.base.context import context

    args = context._argparse_args
    fmt, file = getattr(args, "format", None), getattr(args, "file", None)
    name = Path(str(file)).name if isinstance(file, str) else ""
    if fmt in FORMATS or any(fnmatch(name, p) for p in (*ENV_FILENAMES, *LOCK_FILENAMES)):
        from condapip.ledger.prefix import read_prefix

        prefix = read_prefix(context.target_prefix)
        prefix.history  # noqa: B018 (read now: cached on the object)
        _READ[str(Path(context.target_prefix))] = prefix


def exporters() -> Iterator[Any]:
    from conda.plugins.types import CondaEnvironmentExporter, EnvironmentFormat

    yield CondaEnvironmentExporter(
        name="condapip",
        aliases=("condapip-environment",),
        default_filenames=ENV_FILENAMES,
        export=export_environment,
        description="condapip: both layers exactly (conda packages, then the pip: block)",
    )
    yield CondaEnvironmentExporter(
        name="condapip-lock",
        aliases=(),
        default_filenames=LOCK_FILENAMES,
        export=export_lock,
        description="condapip: both layers pinned to artifacts and hashes",
        environment_format=EnvironmentFormat.lockfile,
    )


def specifiers() -> Iterator[Any]:
    from conda.plugins.types import CondaEnvironmentSpecifier, EnvironmentFormat

    yield CondaEnvironmentSpecifier(
        name="condapip-lock",
        environment_spec=lock_spec_class(),
        default_filenames=LOCK_FILENAMES,
        description="condapip lock: both layers pinned to artifacts and hashes",
        environment_format=EnvironmentFormat.lockfile,
    )


def _prefix_of(env: Any) -> Any:
    from conda.exceptions import CondaValueError

    from condapip.ledger.prefix import read_prefix

    if not env.prefix:
        raise CondaValueError("condapip exports an installed environment: pass -n or -p")
    return _READ.get(str(Path(env.prefix))) or read_prefix(env.prefix)


def export_environment(env: Any) -> str:
    from condapip.conda_plugin.safe import log
    from condapip.formats.export import export

    exported = _conda_errors(lambda: export(_prefix_of(env), "environment"))
    for message in exported.warnings:
        log.warning("condapip: %s", message)
    return exported.text


def export_lock(env: Any) -> str:
    from condapip.formats import lock

    return _conda_errors(lambda: lock.dumps(lock.build(_prefix_of(env)).lock))


def _conda_errors(make: Callable[[], T]) -> T:
    """condapip's bad-input errors as conda's, so conda reports them in one line."""
    from conda.exceptions import CondaValueError

    try:
        return make()
    except CondapipError as exc:
        raise CondaValueError(f"condapip: {exc}") from None


def lock_spec_class() -> type:
    from conda.base.context import context
    from conda.models.environment import Environment
    from conda.plugins.types import EnvironmentSpecBase

    class CondapipLockSpec(EnvironmentSpecBase):
        """A condapip lock, for this platform."""

        def __init__(self, filename: str | None = None, **kwargs: Any) -> None:
            self.filename = filename

        def can_handle(self) -> bool:
            self._lock()
            return True

        def _lock(self) -> Any:
            from condapip.formats import lock

            if not self.filename:
                from conda.exceptions import CondaValueError

                raise CondaValueError("No filename provided")
            return _conda_errors(lambda: lock.load(Path(self.filename or "")))

        @property
        def env(self) -> Environment:
            from conda.models.environment import EnvironmentConfig
            from conda.models.match_spec import MatchSpec

            locked = self._lock()
            platform = _conda_errors(lambda: _platform_lock(locked, context.subdir))
            pip = [_pip_line(a) for a in platform.pip]
            # Exact specs, not conda's explicit packages: conda installs those
            # and returns before the pip layer. Each spec names its channel,
            # subdir, build and the lock's hash, so the solve has one answer.
            return Environment(
                platform=context.subdir,
                name=locked.name,
                config=EnvironmentConfig(channels=tuple(locked.channels)),
                requested_packages=[
                    MatchSpec(_exact_spec(c))  # type: ignore[no-untyped-call]
                    for c in platform.conda
                ],
                external_packages={"pip": pip} if pip else {},
            )

    return CondapipLockSpec


def _platform_lock(locked: Any, subdir: str) -> Any:
    found = locked.platforms.get(subdir)
    if found is None:
        raise CondapipError(
            f"the lock has no {subdir} section (it has {', '.join(sorted(locked.platforms))})"
        )
    return found


def _exact_spec(c: Any) -> str:
    channel = c.url.rsplit("/", 1)[0]  # CHANNEL/SUBDIR
    digest = f"md5={c.md5}" if c.md5 else f"sha256={c.sha256}"
    return f"{channel}::{c.name}=={c.version}={c.build}[{digest}]"


def _pip_line(a: Any) -> str:
    from condapip.commands._shared import hashed_line

    return hashed_line(a) if a.sha256 else a.requirement
