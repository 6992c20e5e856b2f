"""Entry point: run the CLI, then leave without interpreter teardown.

py-rattler 0.28 sometimes crashes with SIGSEGV while the interpreter shuts
down, after all work is done; ``os._exit`` after flushing skips that teardown.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    from condapip.cli import run

    code = run(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
