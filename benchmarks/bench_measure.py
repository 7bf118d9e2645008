"""Whole-process measurements: wall time, peak RSS and exit code of a command, median of N runs.

The commands of one run are measured in rounds (each command once per round), so that a busy
moment of the machine falls on all of them alike and the ratios stay fair.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# ru_maxrss is in kilobytes on Linux, in bytes on macOS.
RSS_UNIT_MB = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024


def gnu_time() -> str | None:
    """GNU time, if installed: it reports the child's own peak RSS (%M, in kB)."""
    path = shutil.which("time", path="/usr/bin:/bin:/usr/local/bin")
    if path is None:
        return None
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path if "GNU" in done.stdout + done.stderr else None


# A child's ru_maxrss from wait4 is never below the peak RSS of the process that started it (Linux
# carries the old address space's high-water mark across exec), so the harness's own size would
# leak into small figures. GNU time in between is a small C program: its child's figure is exact.
GNU_TIME = gnu_time()
RSS_METHOD = ("GNU time (`%M`)" if GNU_TIME else
              "`ru_maxrss` fra `wait4`; aldri lavere enn målerens egen høyeste RSS")


@dataclass
class Bench:
    """One command to measure and what it stands for."""

    key: str
    label: str
    argv: list[str]
    stays: int
    single_run: bool = False
    seconds: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    exit_codes: set[int] = field(default_factory=set)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_rss(self) -> float:
        return max(self.rss_mb)

    @property
    def ok(self) -> bool:
        return self.exit_codes == {0}

    def record(self, seconds: float, rss_mb: float, code: int) -> None:
        self.seconds.append(seconds)
        self.rss_mb.append(rss_mb)
        self.exit_codes.add(code)


def run_once(argv: list[str]) -> tuple[float, float, int]:
    """Wall time, peak RSS in MB (the largest single process of the command) and exit code."""
    if GNU_TIME is None:
        return run_with_wait4(argv)
    with tempfile.TemporaryDirectory() as folder:
        rss_file = Path(folder) / "rss"
        elapsed, _, code = run_with_wait4([GNU_TIME, "-f", "%M", "-o", str(rss_file), *argv])
        return elapsed, int(rss_file.read_text().split()[-1]) / 1024, code


def run_with_wait4(argv: list[str]) -> tuple[float, float, int]:
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss * RSS_UNIT_MB, os.waitstatus_to_exitcode(status)


def measure_in_rounds(benches: list[Bench], runs: int, warmup: int) -> None:
    """Warm-up rounds (not recorded), then `runs` rounds; a single-run bench runs once, at the end."""
    repeated = [b for b in benches if not b.single_run]
    for _ in range(warmup):
        for bench in repeated:
            run_once(bench.argv)
    for round_number in range(runs):
        print(f"runde {round_number + 1} av {runs}", flush=True)
        for bench in repeated:
            bench.record(*run_once(bench.argv))
    for bench in benches:
        if bench.single_run:
            bench.record(*run_once(bench.argv))
    for bench in benches:
        print_bench(bench)


def print_bench(bench: Bench) -> None:
    warning = "" if bench.ok else "  ADVARSEL: uventet exit-kode"
    print(f"{bench.label}: median {bench.median:.3f} s, høyeste RSS {bench.peak_rss:.0f} MB,"
          f" exit {sorted(bench.exit_codes)}{warning}", flush=True)
