"""Start-up cost, whole process, median of N runs: --help, one small file, 500 files of 10 stays.

    python benchmarks/startup.py            # 7 runs each
    python benchmarks/startup.py --runs 11

Targets: one small file (examples/kad-melding.json, 4 stays) at most 0.25 s; 500 files of 10
stays in one call at most 0.6 s. The 500 files are made with `kad-spec example` (fixed seed) in
a temporary folder. "warm" runs read the compiled code lists and model from a cache folder
filled by a first run; "cold" runs start each time from an empty one (the first run after an
install or a change of the lists).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KAD = str(Path(sys.executable).parent / "kad-spec")


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of the command."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {os.waitstatus_to_exitcode(status)}")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def measure(cmd: list[str], runs: int, cache: Path, cold: bool) -> tuple[float, float]:
    walls, cpus = [], []
    for number in range(runs):
        folder = cache / f"cold-{number}" if cold else cache / "warm"
        wall, cpu = run_once(cmd, {**os.environ, "KAD_SPEC_CACHE_DIR": str(folder)})
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def make_files(folder: Path) -> Path:
    target = folder / "500-filer"
    subprocess.run([KAD, "example", "--count", "5000", "--stays-per-message", "10", "--seed", "20250101",
                    "--year", "2025", "--out", str(target)], check=True, capture_output=True,
                   env={**os.environ, "KAD_SPEC_CACHE_DIR": str(folder / "cache" / "examples")})
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="kad-startup-") as tmp:
        work = Path(tmp)
        many = make_files(work)
        cases = [
            ("--help", [KAD, "--help"], None),
            ("1 fil, 4 opphold", [KAD, "validate", str(ROOT / "examples" / "kad-melding.json")], 0.25),
            ("500 filer à 10 opphold", [KAD, "validate", str(many)], 0.6),
        ]
        run_once(cases[1][1], {**os.environ, "KAD_SPEC_CACHE_DIR": str(work / "cache" / "warm")})  # fill it
        print(f"median av {runs} kjøringer, hele prosessen (vegg / CPU), {os.cpu_count()} kjerner")
        for name, cmd, target in cases:
            warm = measure(cmd, runs, work / "cache", cold=False)
            cold = measure(cmd, runs, work / "cache", cold=True)
            goal = f"  mål ≤ {target:.2f} s: {'nådd' if warm[0] <= target else 'ikke nådd'}" if target else ""
            print(f"{name:24s} varm {warm[0]:.3f} s / {warm[1]:.3f} s   kald {cold[0]:.3f} s / {cold[1]:.3f} s{goal}")


if __name__ == "__main__":
    main()
