"""Benchmark for the activity report: build a report over 100 000 synthetic stays.

Writes one deterministic message file with ``kad-spec example`` (Tenor synthetic persons,
test organisation numbers, ``miljo: test``) to a temporary folder, then builds the report
(validation included, HTML and JSON rendered) five times and prints the median wall time.
Run from the repository root:

    .venv/bin/python benchmarks/activity_bench.py [--count 100000] [--runs 5] [--no-validation]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kad_spec.activity import build_report, render_html, render_json  # noqa: E402
from kad_spec.tools.example import ExampleOptions, write_examples  # noqa: E402

YEAR = 2025
SEED = 20250101


def write_message(path: Path, count: int) -> Path:
    """One message with ``count`` stays in 2025, the same bytes for the same count."""
    write_examples(ExampleOptions(count=count, seed=SEED, year=YEAR), path)
    return path


def time_report(path: Path, validate: bool) -> float:
    began = time.perf_counter()
    report = build_report([path], today=date(YEAR + 1, 1, 1), validate=validate)
    render_html(report)
    render_json(report)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-validation", action="store_true", help="count no findings (figures only)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = write_message(Path(folder) / "kad-100k.json", args.count)
        times = [time_report(path, not args.no_validation) for _ in range(args.runs)]
    what = "uten validering" if args.no_validation else "med validering"
    print(f"{args.count} opphold, {what}: median {statistics.median(times):.2f} s over {args.runs} kjøringer "
          f"(min {min(times):.2f}, maks {max(times):.2f})")


if __name__ == "__main__":
    main()
