"""Issue 4's benchmark: ``condapip doctor`` against ``pip check`` and pipdeptree, and
``doctor --verify`` against ``sha256sum`` over the same files, on one prefix.

    python -m bench.doctor [--n 500] [--repeat 7]
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench import harness
from bench.run import DOCTOR, DOCTOR_COLD, VERIFY
from bench.synthetic import build_prefix, write_file_list


def main() -> None:
    args = harness.prefix_args(__doc__)
    prefix = build_prefix(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        file_list = write_file_list(prefix, Path(tmp) / "files.bin")
        tools = [
            harness.Tool(DOCTOR, harness.condapip("doctor", "-p", str(prefix), "--json")),
            harness.cold_memo(
                DOCTOR_COLD,
                harness.condapip("doctor", "-p", str(prefix), "--json"),
                Path(tmp) / "cold-cache",
            ),
            harness.Tool(
                VERIFY, harness.condapip("doctor", "-p", str(prefix), "--verify", "--json")
            ),
            harness.pip_check(prefix),
            harness.sha256_floor(prefix, file_list),
        ]
        deptree = harness.pipdeptree(prefix)
        if deptree is not None:
            tools.append(deptree)
        results = harness.measure(tools, args.repeat)
    harness.print_results(f"doctor, N={args.n}", results)
    doctor = results[DOCTOR].median_ms
    cold = results[DOCTOR_COLD].median_ms
    verify = results[VERIFY].median_ms
    check = results["pip check (env's python)"].median_ms
    sha = results["floor: sha256sum every file"].median_ms
    print(f"doctor / pip check: {harness.ratio(doctor, check)} (issue 4 aim: <= 2)")
    if deptree is not None:
        tree = results[deptree.label].median_ms
        print(f"doctor / pipdeptree --warn fail: {harness.ratio(doctor, tree)} (issue 9: <= 1.5)")
        print(f"doctor, cold memo / pipdeptree --warn fail: {harness.ratio(cold, tree)}")
    print(f"doctor --verify / sha256sum: {harness.ratio(verify, sha)} (issue 9: <= 1.3)")
    print(
        f"sha256sum / doctor --verify (throughput): {harness.ratio(sha, verify)} (issue 4: >= 0.7)"
    )


if __name__ == "__main__":
    main()
