"""Issue 3's benchmark: ``condapip list --json`` against ``pip list`` on one prefix.

python -m bench.list [--n 500] [--repeat 7]
"""

from __future__ import annotations

from bench import harness
from bench.synthetic import build_prefix


def main() -> None:
    args = harness.prefix_args(__doc__)
    prefix = build_prefix(args.n)
    tools = [
        harness.Tool("condapip list --json", harness.condapip("list", "-p", str(prefix), "--json")),
        harness.Tool("condapip list", harness.condapip("list", "-p", str(prefix))),
        harness.pip_list(prefix),
    ]
    results = harness.measure(tools, args.repeat)
    harness.print_results(f"list, N={args.n}", results)
    pip = results["pip list --path SP"].median_ms
    for label in ("condapip list --json", "condapip list"):
        mine = results[label].median_ms
        print(f"{label} / pip list: {harness.ratio(mine, pip)} (aim: <= 1)")


if __name__ == "__main__":
    main()
