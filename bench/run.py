"""Issue 9's benchmark: list, doctor, export and check against peers and floors, N = 100, 500, 2000.

    python -m bench.run [--n 100 500 2000] [--repeat 5] [--out bench/out] [--readme]

Prints a markdown table of median wall times and the goals' ratios, writes
``results.json``, ``results.md`` and ``chart.png`` (time against N, one line
per tool) to ``--out``, and with ``--readme`` puts the tables into README.md's
Performance section.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from bench import harness
from bench.check import CHECK_FILE, CHECK_LOCK, CHECK_LOCK_COLD
from bench.check import tools as check_tools
from bench.harness import Timing, Tool
from bench.synthetic import build_prefix, write_file_list

ROOT = Path(__file__).resolve().parents[1]
LIST = "condapip list --json"
DOCTOR = "condapip doctor --json"
DOCTOR_COLD = "condapip doctor --json, cold memo"
DEPTREE = "pipdeptree --warn fail"
VERIFY = "condapip doctor --verify --json"
EXPORT = "condapip export"
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"


def tools_for(prefix: Path, file_list: Path, cache: Path, files: Path) -> list[Tool]:
    """Every command timed on ``prefix``; ``files``: where check's lock and file go."""
    p = str(prefix)
    tools = [
        Tool(LIST, harness.condapip("list", "-p", p, "--json")),
        Tool(DOCTOR, harness.condapip("doctor", "-p", p, "--json")),
        harness.cold_memo(DOCTOR_COLD, harness.condapip("doctor", "-p", p, "--json"), cache),
        *check_tools(prefix, files, cache),
        Tool(VERIFY, harness.condapip("doctor", "-p", p, "--verify", "--json")),
        Tool(EXPORT, harness.condapip("export", "-p", p)),
        harness.pip_list(prefix),
        harness.pip_check(prefix),
        harness.pip_freeze(prefix),
    ]
    deptree = harness.pipdeptree(prefix)
    if deptree is not None:
        tools.append(deptree)
    tools += harness.conda_tools(prefix)
    tools += [
        harness.json_floor(prefix),
        harness.metadata_floor(prefix),
        harness.sha256_floor(prefix, file_list),
    ]
    return tools


def main() -> None:
    args = _args()
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[int, dict[str, Timing]] = {}
    for n in args.n:
        prefix = build_prefix(n)
        file_list = write_file_list(prefix, args.out / f"files-{n}.bin")
        print(f"N={n}: {prefix}", flush=True)
        cache = args.out / "cold-cache"
        tools = tools_for(prefix, file_list, cache, args.out / f"check-{n}")
        results[n] = harness.measure(tools, args.repeat)
    text = report(results, args.repeat)
    print(text)
    (args.out / "results.md").write_text(text)
    (args.out / "results.json").write_text(json.dumps(as_json(results), indent=2))
    chart = chart_png(results, args.out / "chart.png")
    if chart:
        print(f"chart: {chart}")
    if args.readme:
        update_readme(text)
        print("README.md: Performance section updated")


def report(results: dict[int, dict[str, Timing]], repeat: int) -> str:
    sizes = sorted(results)
    labels = list(dict.fromkeys(label for r in results.values() for label in r))
    lines = [
        f"Machine: {harness.machine()}; median of {repeat} runs, each a fresh process; "
        "wall ms (CPU ms of the process in brackets).",
        "",
        "| command | " + " | ".join(f"N={n}" for n in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for label in labels:
        cells = []
        for n in sizes:
            t = results[n].get(label)
            if t is None or t.error:
                cells.append("failed" if t is not None else "—")
            else:
                cells.append(f"{harness.fmt_ms(t.median_ms)} ({harness.fmt_ms(t.cpu_ms)})")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    failures = [
        f"- {label} at N={n}: {t.error}"
        for n in sizes
        for label, t in results[n].items()
        if t.error
    ]
    if failures:
        lines += ["", "Failures:", *failures]
    if not any("conda list" in r for r in results.values()):
        lines += ["", harness.NO_CONDA + "."]
    lines += ["", *goals(results)]
    return "\n".join(lines) + "\n"


def goals(results: dict[int, dict[str, Timing]]) -> list[str]:
    rows = ["| goal | N | ratio | target | met |", "|---|---:|---:|---:|---|"]

    def ms(n: int, label: str) -> float | None:
        t = results.get(n, {}).get(label)
        return t.median_ms if t is not None else None

    def add(goal: str, n: int | str, a: float | None, b: float | None, target: float) -> None:
        if a is None or b is None:
            return
        value = a / b
        rows.append(f"| {goal} | {n} | {value:.2f} | <= {target:g} | {_yes(value <= target)} |")

    # doctor twice: warm (the memo holds this env's answers: a repeat run on an
    # unchanged env) and cold (an empty memo: a new or changed env).
    doctors = (("doctor", DOCTOR), ("doctor, cold memo", DOCTOR_COLD))
    for n in sorted(results):
        for name, label in doctors:
            if n in (500, 2000):
                add(
                    f"{name} / conda list",
                    n,
                    ms(n, label),
                    ms(n, "conda list"),
                    0.2 if n == 500 else 0.1,
                )
            add(f"{name} / pipdeptree --warn fail", n, ms(n, label), ms(n, DEPTREE), 1.5)
        add(
            "doctor --verify / sha256sum",
            n,
            ms(n, VERIFY),
            ms(n, "floor: sha256sum every file"),
            1.3,
        )
        # check runs in CI on every push beside doctor: it aims to cost no more
        for label in (CHECK_LOCK, CHECK_LOCK_COLD, CHECK_FILE):
            add(f"{label.removeprefix('condapip ')} / doctor", n, ms(n, label), ms(n, DOCTOR), 1.0)
        add("list / pip list --path", n, ms(n, LIST), ms(n, "pip list --path SP"), 1.0)
        add("export / conda env export", n, ms(n, EXPORT), ms(n, "conda env export"), 0.25)
        add("export / pip freeze", n, ms(n, EXPORT), ms(n, "pip freeze (env's python)"), 1.0)
    if 500 in results and 2000 in results:
        for label in (LIST, DOCTOR, DOCTOR_COLD, VERIFY, EXPORT, CHECK_LOCK, CHECK_FILE):
            add(f"linear: {label} N=2000 / N=500", "—", ms(2000, label), ms(500, label), 4.5)
    return rows


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def as_json(results: dict[int, dict[str, Timing]]) -> dict[str, object]:
    return {
        "machine": harness.machine(),
        "results": {
            str(n): {
                label: {"wall_ms": t.median_ms, "cpu_ms": t.cpu_ms, "error": t.error}
                for label, t in r.items()
            }
            for n, r in results.items()
        },
    }


def chart_png(results: dict[int, dict[str, Timing]], path: Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is missing: pip install '.[bench]' for the chart")
        return None
    sizes = sorted(results)
    labels = list(dict.fromkeys(label for r in results.values() for label in r))
    fig, ax = plt.subplots(figsize=(9, 6))
    for label in labels:
        points = [
            (n, results[n][label].median_ms)
            for n in sizes
            if label in results[n] and results[n][label].median_ms is not None
        ]
        if not points:
            continue
        style = "-" if label.startswith("condapip") else ":" if label.startswith("floor") else "--"
        ax.plot(
            *zip(*points, strict=True),
            style,
            marker="o",
            label=label,
            linewidth=2.2 if style == "-" else 1.2,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sizes, [str(n) for n in sizes])
    ax.set_xlabel("conda records in the prefix (N); N/5 pip dists beside them")
    ax.set_ylabel("median wall time, ms")
    ax.set_title("condapip against its peers and the floors of reading the files")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def update_readme(text: str) -> None:
    readme = ROOT / "README.md"
    body = readme.read_text()
    start, end = body.index(README_START), body.index(README_END)
    body = body[: start + len(README_START)] + "\n" + text + body[end:]
    readme.write_text(body)


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 500, 2000])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each command")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--readme", action="store_true", help="update README.md's table")
    return parser.parse_args()


if __name__ == "__main__":
    if shutil.which("xargs") is None or shutil.which("sha256sum") is None:
        raise SystemExit("bench needs xargs and sha256sum (coreutils) for the sha256 floor")
    main()
