"""The longer fuzz run: the property-based and privacy tests with many more examples.

    python benchmarks/fuzz.py --examples 5000

runs tests/test_properties.py and tests/test_privacy_fuzz.py with that many examples per
test and fresh random draws (the normal test run uses 20 fixed ones). Exit code as pytest's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ["tests/test_properties.py", "tests/test_privacy_fuzz.py"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000, help="examples per property (default 5000)")
    parser.add_argument("--fixed", action="store_true", help="the same draws every time (default: fresh draws)")
    parser.add_argument("-k", default=None, help="only tests matching this pytest expression")
    args = parser.parse_args()
    env = {**os.environ, "KAD_SPEC_FUZZ_EXAMPLES": str(args.examples)}
    if not args.fixed:
        env["KAD_SPEC_FUZZ_RANDOM"] = "1"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS]
    if args.k:
        command += ["-k", args.k]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
