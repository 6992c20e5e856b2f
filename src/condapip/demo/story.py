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
from condapip.support.progress import working


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


Printer = Callable[[str, str], None]  # (kind, text): kind is intro|title|cmd|out|note|fail


class Demo:
    def __init__(self, workdir: Path, show: Printer, progress: bool = False) -> None:
        self.work = workdir
        self.show = show
        self.progress = progress  # a spinner on a terminal while a silent step works
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
                # stdout and stderr share one pipe: keep their lines in order
                "PYTHONUNBUFFERED": "1",
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

    def run(
        self,
        args: list[str],
        *,
        trim: Callable[[str], str] | None = None,
        wait: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``args`` as a user would: show the command, then its output line by line
        as it comes.

        stderr joins stdout, unbuffered, so progress lines and errors appear
        where they happened; ``trim`` shortens what is shown (all at the end,
        then), not what the account keeps (the output's last 4000 characters).
        ``wait`` names what a command silent in a pipe does, for a spinner on a
        terminal; its output is shown when it is done.
        """
        shown = [_short_path(a, self.work) for a in args]
        if args[:3] == [sys.executable, "-m", "condapip"]:
            shown = ["condapip", *shown[3:]]  # as the user types it
        self.show("cmd", "$ " + " ".join(_quote(a) for a in shown))
        live = trim is None and wait is None
        with working(wait or "", show=wait is not None and self.progress):
            child, lines = self._output(args, live)
        output = "".join(lines)
        if wait is not None and trim is None:
            trim = str  # shown whole, now that the spinner is gone
        assert self._step is not None
        self._step.commands.append(
            {"argv": shown, "exit_code": child.returncode, "output": output[-4000:]}
        )
        text = trim(output).rstrip() if trim else ""
        if text:
            self.show("out", text.replace(str(self.work), "$DEMO"))
        return subprocess.CompletedProcess(args, child.returncode, output, None)

    def _output(self, args: list[str], live: bool) -> tuple[subprocess.Popen[str], list[str]]:
        lines: list[str] = []
        with subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env,
            cwd=self.work,
        ) as child:
            assert child.stdout is not None
            for line in child.stdout:
                lines.append(line)
                if live and line.strip():
                    self.show("out", line.rstrip().replace(str(self.work), "$DEMO"))
        return child, lines

    def condapip(self, *args: str, wait: str | None = None) -> subprocess.CompletedProcess[str]:
        return self.run([sys.executable, "-m", "condapip", *args], wait=wait)

    @property
    def python(self) -> str:
        return str(self.prefix / "bin" / "python")

    def import_scipy(self) -> subprocess.CompletedProcess[str]:
        return self.run(
            [self.python, "-c", 'import scipy.linalg; print("import scipy.linalg: ok")'],
            trim=_trim_traceback,
        )

    def doctor(self) -> tuple[int, set[tuple[str, str]]]:
        """Show ``condapip doctor`` as a user sees it; check its findings through --json."""
        import json

        shown = self.condapip("doctor", "-p", str(self.prefix))
        proc = subprocess.run(
            [sys.executable, "-m", "condapip", "doctor", "-p", str(self.prefix), "--json"],
            capture_output=True,
            text=True,
            env=self.env,
            check=False,
        )
        try:
            findings = json.loads(proc.stdout).get("findings", [])
        except ValueError:
            self.fail(f"doctor gave no JSON: {proc.stderr.strip()[:300]}")
            return proc.returncode, set()
        if proc.returncode != shown.returncode:
            self.fail(f"doctor --json exited {proc.returncode}, doctor {shown.returncode}")
        return proc.returncode, {(f["rule"], f["package"]) for f in findings}


SETUP = "Set-up: real wheels and a local conda channel"


def run_demo(keep: Path | None, show: Printer, *, progress: bool = False) -> list[Step]:
    """Run the whole story; return its steps (each with ``ok``)."""
    if keep is not None:
        try:
            keep.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CondapipError(f"--keep {keep}: {exc.strerror or exc}") from None
        if any(keep.iterdir()):
            raise CondapipError(f"--keep folder is not empty: {keep}")
        return _story(Demo(keep.absolute(), show, progress))
    from condapip.ledger.registry import unregister

    with tempfile.TemporaryDirectory(prefix="condapip-demo-") as tmp:
        try:
            return _story(Demo(Path(tmp), show, progress))
        finally:
            # the envs go with the folder: conda's list of envs must not keep them
            unregister(Path(tmp))


def _story(demo: Demo) -> list[Step]:
    work, show = demo.work, demo.show
    show(
        "intro",
        "The numpy/scipy breakage that mixing conda and pip causes: found, refused and "
        f"repaired. Every command below really runs; $DEMO is {work}",
    )

    # Set-up or the first environment failing leaves nothing to show the story on.
    if _setup(demo) and _conda_first(demo):
        for step in (_pip_breaks_it, _condapip_sees_it, _repair, _prevention, _export):
            step(demo)
    return demo.steps


def _setup(demo: Demo) -> bool:
    from condapip.demo.wheels import real_wheels

    with demo.step(SETUP):
        wheels = real_wheels()
        demo.wheels.mkdir()
        for whl in (wheels.numpy1, wheels.scipy, wheels.numpy2):
            shutil.copy2(whl, demo.wheels / whl.name)
        demo.note(f"real wheels, downloaded once into {wheels.numpy1.parent}")
        built = demo.condapip(
            "channel", "build", str(demo.wheels / wheels.numpy1.name),
            str(demo.wheels / wheels.scipy.name), "-o", str(demo.channel), "--host-python",
            wait="building the local conda channel from the real wheels",
        )  # fmt: skip
        if built.returncode != 0:
            demo.fail("channel build failed")
        else:
            demo.note("a local conda channel: from here on, everything is offline")
    return demo.steps[-1].ok


def _conda_first(demo: Demo) -> bool:
    with demo.step("Conda first: numpy and scipy from the channel"):
        yml = demo.work / "environment.yml"
        yml.write_text(
            "name: sci\n"
            f"channels:\n  - {demo.channel.as_uri()}\n"
            "dependencies:\n  - python\n  - pip\n  - numpy\n  - scipy\n"
        )
        created = demo.condapip("create", "-f", str(yml), "-p", str(demo.prefix), "--yes")
        if created.returncode != 0:
            demo.fail("create failed")
            return False
        demo.condapip("list", "-p", str(demo.prefix))
        code, findings = demo.doctor()
        if code != 0 or findings:
            demo.fail(f"doctor should be healthy, found {sorted(findings)}")
        if demo.import_scipy().returncode != 0:
            demo.fail("scipy.linalg should import")
    return True


def _pip_breaks_it(demo: Demo) -> None:
    with demo.step("What users do: pip install 'numpy>=2' into the conda env"):
        proc = demo.run([demo.python, "-m", "pip", "install", "numpy>=2"])
        if proc.returncode != 0:
            demo.fail("pip should succeed (with only a warning)")
        broken = demo.import_scipy()
        if broken.returncode == 0:
            demo.fail("scipy.linalg should now fail to import")
        else:
            demo.note("pip said yes; scipy is broken: " + _error_line(broken.stdout))


def _condapip_sees_it(demo: Demo) -> None:
    with demo.step("condapip sees it"):
        code, findings = demo.doctor()
        expected = {("pip-overwrote-conda", "numpy"), ("broken-requirement", "scipy")}
        if code != 1 or not expected <= findings:
            demo.fail(
                f"doctor should exit 1 with {sorted(expected)}, got {code} {sorted(findings)}"
            )


def _repair(demo: Demo) -> None:
    with demo.step("Repair: rebuild, don't patch"):
        if demo.condapip("rebuild", "-p", str(demo.prefix), "--yes").returncode != 0:
            demo.fail("rebuild failed")
        code, findings = demo.doctor()
        if code != 0 or findings:
            demo.fail(f"doctor should be healthy after rebuild, found {sorted(findings)}")
        if demo.import_scipy().returncode != 0:
            demo.fail("scipy.linalg should import after rebuild")


def _prevention(demo: Demo) -> None:
    with demo.step("Prevention: condapip install 'numpy>=2' refuses"):
        from condapip.support.treehash import tree_hash

        before = tree_hash(demo.prefix)
        proc = demo.condapip("install", "-p", str(demo.prefix), "--yes", "numpy>=2")
        if proc.returncode != 1:
            demo.fail(f"install should refuse with exit 1, got {proc.returncode}")
        else:
            demo.note("conda first: no numpy>=2 in the channel fits, so condapip stops there")
        proc = demo.condapip(
            "install", "-p", str(demo.prefix), "--yes", "--pip-only", "numpy", "numpy>=2"
        )
        if proc.returncode != 1:
            demo.fail(f"install --pip-only should refuse with exit 1, got {proc.returncode}")
        else:
            demo.note("and pushed onto pip, it will not let pip replace conda's numpy")
        if tree_hash(demo.prefix) != before:
            demo.fail("a refused install changed the environment")
        else:
            demo.note("the environment is byte-for-byte unchanged")


def _export(demo: Demo) -> None:
    with demo.step("Reproducibility: export both layers"):
        proc = demo.condapip("export", "-p", str(demo.prefix))
        if proc.returncode != 0 or "scipy=1.11.4" not in proc.stdout:
            demo.fail("export should print the environment.yml with scipy=1.11.4")
        else:
            demo.note("exact pins: `condapip create -f` rebuilds this anywhere")


def _error_lines(output: str) -> list[str]:
    return [ln.strip() for ln in output.splitlines() if "Error" in ln.split(":", 1)[0]]


def _error_line(output: str) -> str:
    # numpy 2 reports the ABI break first (_ARRAY_API not found); the final
    # ImportError only says that the import failed.
    lines = _error_lines(output) or [ln.strip() for ln in output.splitlines() if ln.strip()][-1:]
    return (lines or ["(no output)"])[0]


def _trim_traceback(output: str) -> str:
    """A failed import's error lines, without the tracebacks around them."""
    errors = _error_lines(output)
    if not errors:
        return output
    hidden = len(output.splitlines()) - len(errors)
    return "\n".join([*errors, f"({hidden} lines of warnings and traceback not shown)"])


def _short_path(arg: str, work: Path) -> str:
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
    from rich.padding import Padding
    from rich.text import Text

    console = Console()

    def fancy(kind: str, text: str) -> None:
        if kind == "title":
            console.print()
            console.rule(f"[bold]{escape(text)}", align="left")
        elif kind == "cmd":
            console.print(Text(text, style="bold cyan"))
        elif kind == "out":
            # a wrapped line keeps its own indent, so tables and blocks stay readable
            for line in text.splitlines():
                body = line.lstrip()
                indent = 2 + len(line) - len(body)
                console.print(Padding(Text(body, style="dim"), (0, 0, 0, indent), expand=False))
        elif kind == "note":
            console.print(Text("→ " + text, style="green"))
        elif kind == "fail":
            console.print(Text("✗ " + text, style="bold red"))
        else:
            console.print(Text(text))

    return fancy
