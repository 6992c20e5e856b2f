"""Issue 6's benchmark: ``condapip export`` against ``pip freeze`` (and ``conda env
export`` plus ``pip freeze`` whenever the real conda can run), on one prefix.

    python -m bench.export [--n 500] [--repeat 7]
"""

from __future__ import annotations

from bench import harness
from bench.run import EXPORT
from bench.synthetic import build_prefix


def main() -> None:
    args = harness.prefix_args(__doc__)
    prefix = build_prefix(args.n)
    conda = [t for t in harness.conda_tools(prefix) if t.label == "conda env export"]
    tools = [
        harness.Tool(EXPORT, harness.condapip("export", "-p", str(prefix))),
        harness.pip_freeze(prefix),
        *conda,
    ]
    results = harness.measure(tools, args.repeat)
    harness.print_results(f"export, N={args.n}", results)
    mine = results[EXPORT].median_ms
    freeze = results["pip freeze (env's python)"].median_ms
    print(f"export / pip freeze: {harness.ratio(mine, freeze)} (issue 6 aim: <= 1)")
    if conda:
        both = (results["conda env export"].median_ms or 0) + (freeze or 0)
        print(f"export / (conda env export + pip freeze): {harness.ratio(mine, both)}")
        conda_ms = results["conda env export"].median_ms
        print(f"export / conda env export: {harness.ratio(mine, conda_ms)} (issue 9 aim: <= 0.25)")
    else:
        print(harness.NO_CONDA)


if __name__ == "__main__":
    main()
