"""Time and peak memory of ``kad-spec validate`` on a file whose findings multiply.

A message of N empty stays (``{}``; 200 000 by default, about 600 KB) gives every required
field's finding in every stay: 1.2 million findings. Each report format is run
``--repeat`` times in a new process with ``--jobs 1``; the median wall time and the median
peak resident memory (the process's ``ru_maxrss``) are printed.

    python benchmarks/findings_bench.py [--stays 200000] [--repeat 3] [--max-findings N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("text", "json", "junit", "sarif")


def empty_stays(path: Path, n: int) -> Path:
    message = json.loads((ROOT / "examples" / "kad-melding.json").read_text(encoding="utf-8"))
    message["opphold"] = [{}] * n
    path.write_text(json.dumps(message, separators=(",", ":")), encoding="utf-8")
    return path


def measure(args: list[str]) -> tuple[float, float, int, int]:
    """(seconds, peak MB, exit code, report bytes) of one run in a new process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([sys.executable, "-m", "kad_spec", *args], stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        size = out.seek(0, os.SEEK_END)
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stays", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-findings", type=int, default=None)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = empty_stays(Path(directory) / "tomme.json", options.stays)
        print(f"{options.stays} empty stays, {path.stat().st_size / 1000:.0f} KB, --jobs 1, "
              f"median of {options.repeat}")
        for fmt in FORMATS:
            args = ["validate", "--jobs", "1", "--format", fmt, str(path)]
            if options.max_findings:
                args += ["--max-findings", str(options.max_findings)]
            runs = [measure(args) for _ in range(options.repeat)]
            seconds = statistics.median(r[0] for r in runs)
            memory = statistics.median(r[1] for r in runs)
            print(f"{fmt:6} {seconds:6.1f} s {memory:7.0f} MB  exit {runs[0][2]}  report {runs[0][3] / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
