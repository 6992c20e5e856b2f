"""The seed's breakage, found, refused and repaired, offline.

Every step runs the real thing in a subprocess: condapip's own CLI, the
environment's own ``python -m pip`` and ``python -c "import scipy.linalg"``.
The demo checks what each step did, so it doubles as an end-to-end self-test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from condapip.errors import CondapipError


@dataclass
class Step:
    """One titled section of the story and whether it behaved as told."""

    title: str
    ok: bool = True
    commands: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "ok": self.ok,
            "commands": self.commands,
            "notes": self.notes,
            "seconds": round(self.seconds, 2),
        }


Printer = Callable[[str, str], None]  # (kind, text): kind is title|cmd|out|note|fail


class Demo:
    def __init__(self, workdir: Path, show: Printer) -> None:
        self.work = workdir
        self.show = show
        self.channel = workdir / "channel"
        self.wheels = workdir / "wheels"
        self.prefix = workdir / "envs" / "sci"
        self.steps: list[Step] = []
        self._step: Step | None = None
        self.env = dict(os.environ)
        # Everything after set-up is offline: pip finds wheels only in the
        # demo's own folder, whatever the user's pip configuration says.
        self.env.update(
            {
                "PIP_NO_INDEX": "1",
                "PIP_FIND_LINKS": str(self.wheels),
                "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "PIP_CONFIG_FILE": os.devnull,
            }
        )
        for var in ("CONDA_PREFIX", "PYTHONPATH"):
            self.env.pop(var, None)

    @contextmanager
    def step(self, title: str) -> Iterator[Step]:
        step = Step(title)
        self.steps.append(step)
        self._step = step
        self.show("title", f"{len(self.steps)}. {title}")
        start = time.perf_counter()
        try:
            yield step
        except CondapipError as exc:
            self.fail(str(exc))
        finally:
            step.seconds = time.perf_counter() - start

    def note(self, text: str) -> None:
        assert self._step is not None
        self._step.notes.append(text)
        self.show("note", text)

    def fail(self, text: str) -> None:
        assert self._step is not None
        self._step.ok = False
        self._step.notes.append(f"UNEXPECTED: {text}")
        self.show("fail", text)

    def run(self, args: list[str], *, show_output: bool = True) -> subprocess.CompletedProcess[str]:
        shown = [_short_path(a, self.work) for a in args]
        self.show("cmd", "$ " + " ".join(_quote(a) for a in shown))
        proc = subprocess.run(
            args, capture_output=True, text=True, env=self.env, cwd=self.work, check=False
        )
        assert self._step is not None
        self._step.commands.append(
            {"argv": shown, "exit_code": proc.returncode, "stdout": proc.stdout[-4000:]}
        )
        if show_output:
            text = (proc.stdout + proc.stderr).rstrip()
            if text:
                self.show("out", text.replace(str(self.work), "$DEMO"))
        return proc

    def condapip(self, *args: str, show_output: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run([sys.executable, "-m", "condapip", *args], show_output=show_output)

    @property
    def python(self) -> str:
        return str(self.prefix / "bin" / "python")

    def import_scipy(self) -> subprocess.CompletedProcess[str]:
        return self.run(
            [self.python, "-c", "import scipy.linalg; print('import scipy.linalg: ok')"]
        )

    def doctor(self) -> tuple[int, set[tuple[str, str]]]:
        import json

        proc = self.condapip("doctor", "-p", str(self.prefix), "--json", show_output=False)
        try:
            findings = json.loads(proc.stdout).get("findings", [])
        except ValueError:
            self.fail(f"doctor gave no JSON: {proc.stderr.strip()[:300]}")
            return proc.returncode, set()
        self.condapip("doctor", "-p", str(self.prefix))
        return proc.returncode, {(f["rule"], f["package"]) for f in findings}


def run_demo(keep: Path | None, show: Printer) -> list[Step]:
    """Run the whole story; return its steps (each with ``ok``)."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        if any(keep.iterdir()):
            raise CondapipError(f"--keep folder is not empty: {keep}")
        return _story(keep.absolute(), show)
    with tempfile.TemporaryDirectory(prefix="condapip-demo-") as tmp:
        return _story(Path(tmp), show)


def _story(work: Path, show: Printer) -> list[Step]:
    from condapip.wheelcache import real_wheels

    demo = Demo(work, show)

    with demo.step("Set-up: real wheels and a local conda channel"):
        wheels = real_wheels()
        demo.wheels.mkdir()
        for whl in (wheels.numpy1, wheels.scipy, wheels.numpy2):
            shutil.copy2(whl, demo.wheels / whl.name)
        demo.note(f"wheels cached once in {wheels.numpy1.parent}")
        built = demo.condapip(
            "channel", "build", str(demo.wheels / wheels.numpy1.name),
            str(demo.wheels / wheels.scipy.name), "-o", str(demo.channel), "--host-python",
        )  # fmt: skip
        if built.returncode != 0:
            demo.fail("channel build failed")
            return demo.steps
        demo.note("from here on, everything is offline")

    with demo.step("Conda first: numpy and scipy from the channel"):
        yml = work / "environment.yml"
        yml.write_text(
            "name: sci\n"
            f"channels:\n  - {demo.channel.as_uri()}\n"
            "dependencies:\n  - python\n  - pip\n  - numpy\n  - scipy\n"
        )
        created = demo.condapip("create", "-f", str(yml), "-p", str(demo.prefix), "--yes")
        if created.returncode != 0:
            demo.fail("create failed")
            return demo.steps
        demo.condapip("list", "-p", str(demo.prefix))
        code, findings = demo.doctor()
        if code != 0 or findings:
            demo.fail(f"doctor should be healthy, found {sorted(findings)}")
        if demo.import_scipy().returncode != 0:
            demo.fail("scipy.linalg should import")

    with demo.step("What users do: pip install 'numpy>=2' into the conda env"):
        proc = demo.run([demo.python, "-m", "pip", "install", "numpy>=2"])
        if proc.returncode != 0:
            demo.fail("pip should succeed (with only a warning)")
        broken = demo.import_scipy()
        if broken.returncode == 0:
            demo.fail("scipy.linalg should now fail to import")
        else:
            demo.note("pip said yes; scipy is broken: " + _error_line(broken.stderr))

    with demo.step("condapip sees it"):
        code, findings = demo.doctor()
        expected = {("pip-overwrote-conda", "numpy"), ("broken-requirement", "scipy")}
        if code != 1 or not expected <= findings:
            demo.fail(
                f"doctor should exit 1 with {sorted(expected)}, got {code} {sorted(findings)}"
            )

    with demo.step("Repair: rebuild, don't patch"):
        if demo.condapip("rebuild", "-p", str(demo.prefix), "--yes").returncode != 0:
            demo.fail("rebuild failed")
        code, findings = demo.doctor()
        if code != 0 or findings:
            demo.fail(f"doctor should be healthy after rebuild, found {sorted(findings)}")
        if demo.import_scipy().returncode != 0:
            demo.fail("scipy.linalg should import after rebuild")

    with demo.step("Prevention: condapip install 'numpy>=2' refuses"):
        from condapip.treehash import tree_hash

        before = tree_hash(demo.prefix)
        proc = demo.condapip("install", "-p", str(demo.prefix), "--yes", "numpy>=2")
        if proc.returncode != 1:
            demo.fail(f"install should refuse with exit 1, got {proc.returncode}")
        if tree_hash(demo.prefix) != before:
            demo.fail("the refused install changed the environment")
        else:
            demo.note("the environment is byte-for-byte unchanged")

    with demo.step("Reproducibility: export both layers"):
        proc = demo.condapip("export", "-p", str(demo.prefix))
        if proc.returncode != 0 or "scipy=1.11.4" not in proc.stdout:
            demo.fail("export should print the environment.yml with scipy=1.11.4")
    return demo.steps


def _error_line(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    # numpy 2 reports the ABI break first (_ARRAY_API not found); the final
    # ImportError only says that the import failed.
    errors = [ln for ln in lines if "Error" in ln.split(":", 1)[0]]
    return (errors or lines[-1:] or ["(no output)"])[0]


def _short_path(arg: str, work: Path) -> str:
    if arg == sys.executable:
        return "python"
    return arg.replace(str(work), "$DEMO")


def _quote(arg: str) -> str:
    import shlex

    return arg if arg.startswith("$DEMO") and " " not in arg else shlex.quote(arg)


def printer(json_mode: bool) -> Printer:
    """Rich sections on a terminal, plain text in pipes, nothing under --json."""
    if json_mode:
        return lambda kind, text: None
    if not sys.stdout.isatty():

        def plain(kind: str, text: str) -> None:
            prefix = {"title": "\n== ", "fail": "!! ", "note": "-> "}.get(kind, "")
            body = text if kind != "out" else "\n".join("   " + ln for ln in text.splitlines())
            print(prefix + body, flush=True)

        return plain
    from rich.console import Console
    from rich.markup import escape

    console = Console()
    styles = {"cmd": "bold cyan", "out": "dim", "note": "green", "fail": "bold red"}

    def fancy(kind: str, text: str) -> None:
        if kind == "title":
            console.rule(f"[bold]{escape(text)}")
        else:
            console.print(escape(text), style=styles.get(kind, ""), highlight=False)

    return fancy
