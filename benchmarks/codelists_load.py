"""Median time (5 cold processes) to load every bundled code list; prints seconds.

    python benchmarks/codelists_load.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys

PROBE = (
    "import time; t = time.perf_counter(); "
    "from kad_spec.codelists import load_codelists; lists = load_codelists(); "
    "[lists[name] for name in lists.names()]; "
    "print(time.perf_counter() - t)"
)


def main() -> None:
    runs = [float(subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout)
            for _ in range(5)]
    print(f"alle kodeverk lastet: median {statistics.median(runs):.3f} s (runs: {', '.join(f'{r:.3f}' for r in runs)})")


if __name__ == "__main__":
    main()
