"""no-cache-clean: an install leaves its package cache in the image's layer.

Judged only on what the Dockerfile shows: a conda download with no clean later
in the same RUN, a pip install with its wheel cache on. A script the RUN calls
may clean; the message says so instead of asserting. Stages whose layers do
not reach the image (builders only copied from) are not judged.
"""

from __future__ import annotations

import posixpath
import re

from condapip.docker.lint.calls import CondaCall, PipCall, expand
from condapip.docker.lint.findings import Context, Finding, Severity
from condapip.docker.lint.parse import SHELLS
from condapip.docker.lint.stages import Run, Step

RULE = "no-cache-clean"
SEVERITY: Severity = "warning"
_DOWNLOADS = frozenset({"install", "create", "update", "upgrade", "env create", "env update"})
_CLEAN_FLAGS = frozenset({"--all", "--tarballs", "--packages", "--force-pkgs-dirs"})


def check(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for stage in ctx.stages:
        if not ctx.in_image(stage):
            continue
        for run in stage.runs:
            out += _run(run)
    return out


def _run(run: Run) -> list[Finding]:
    out = []
    for i, step in enumerate(run.steps):
        later = run.steps[i + 1 :]
        call = step.call
        if isinstance(call, CondaCall) and _fills_cache(call):
            if not _mounted(run, ("pkgs", "conda", "mamba")) and not any(
                _cleans_conda(s) for s in later
            ):
                out.append(_conda_finding(call, step.cmd.line, _script(later)))
        elif isinstance(call, PipCall) and call.program != "uv" and call.sub == "install":
            if _mounted(run, (".cache", "pip")) or _pip_cache_off(call, step):
                continue
            if not any(_cleans_pip(s) for s in later):
                out.append(_pip_finding(step.cmd.line, _script(later)))
    return out


def _fills_cache(call: CondaCall) -> bool:
    """A conda download whose packages stay; ``--download-only`` keeps them on purpose."""
    return call.sub in _DOWNLOADS and not call.dry


def _mounted(run: Run, words: tuple[str, ...]) -> bool:
    """A cache mount (``--mount=type=cache``) where this tool keeps its cache."""
    return any(w in target for target in run.cache_mounts for w in words)


def _conda_finding(call: CondaCall, line: int, script: str | None) -> Finding:
    maybe = f" ({script}, which this RUN runs, may clean it: this lint reads only the Dockerfile)"
    return Finding(
        RULE,
        SEVERITY,
        line,
        f"`{call.tool} {call.sub}` fills the package cache, and no `{call.tool} clean` "
        f"follows it in this RUN{maybe if script else ''}",
        f"end the same RUN with `{call.tool} clean --all --yes`",
    )


def _pip_finding(line: int, script: str | None) -> Finding:
    maybe = f" ({script}, which this RUN runs, may clear it: this lint reads only the Dockerfile)"
    return Finding(
        RULE,
        SEVERITY,
        line,
        "`pip install` keeps its wheel cache in this layer: no --no-cache-dir, no "
        f"PIP_NO_CACHE_DIR and no cache removal in this RUN{maybe if script else ''}",
        "add --no-cache-dir to the pip install",
    )


def _cleans_conda(step: Step) -> bool:
    call = step.call
    if isinstance(call, CondaCall):
        return call.sub == "clean" and any(
            w in _CLEAN_FLAGS or re.fullmatch(r"-[a-z]+", w) and set(w[1:]) & set("atpf")
            for w in call.args
        )
    return _removes(step, lambda arg: "/pkgs" in arg or arg.startswith("pkgs"))


def _pip_cache_off(call: PipCall, step: Step) -> bool:
    if any(a in ("--no-cache-dir", "--no-cache") for a in call.args):
        return True
    # pip reads any value of PIP_NO_CACHE_DIR, even "0" or "false", as "no cache"
    return bool(step.values.get("PIP_NO_CACHE_DIR", "").strip())


def _cleans_pip(step: Step) -> bool:
    call = step.call
    if isinstance(call, PipCall):
        return _positional_pair(call.args) in (("cache", "purge"), ("cache", "remove"))
    return _removes(step, lambda arg: ".cache" in arg)


def _positional_pair(args: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(a for a in args if not a.startswith("-"))[:2]


def _removes(step: Step, matches: object) -> bool:
    argv = step.cmd.argv
    if not argv or posixpath.basename(argv[0]) != "rm":
        return False
    return any(matches(expand(a, step.values)) for a in argv[1:])  # type: ignore[operator]


def _script(steps: tuple[Step, ...]) -> str | None:
    """The first script a RUN runs after an install, which may clean what this lint cannot see."""
    for step in steps:
        argv = step.cmd.argv
        if not argv:
            continue
        name = posixpath.basename(argv[0])
        if name.endswith(".sh") or argv[0].startswith("./"):
            return argv[0]
        if name in SHELLS and len(argv) > 1 and argv[1].endswith(".sh"):
            return argv[1]
    return None
