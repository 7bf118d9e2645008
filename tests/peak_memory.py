"""Peak memory of a Python snippet run in a fresh process: for tests that memory stays flat."""

from __future__ import annotations

import subprocess
import sys

_REPORT_PEAK = "\nimport resource\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"


def peak_kib(script: str, *args: str) -> int:
    """The peak RSS in KiB of ``script`` (which reads its arguments from sys.argv) run with ``args``."""
    done = subprocess.run([sys.executable, "-c", script + _REPORT_PEAK, *args],
                          capture_output=True, text=True, check=True)
    return int(done.stdout.strip().splitlines()[-1])
