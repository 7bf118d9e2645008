"""Peak memory of `kad-spec validate` on indented and one-line files, with and without findings.

    python benchmarks/memory_bench.py                 # 100k and 1M stays (the 1M files take a while)
    python benchmarks/memory_bench.py --counts 100000

For each count: the file `kad-spec example` writes (indented), the same message as `json.dump`
writes it (one line), and both again with findings in 500 stays spread over the file, so that
the line pass for findings has work. Prints peak RSS (whole process) and CPU time per file;
the files are made under benchmarks/data/ and deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
KAD = str(Path(sys.executable).parent / "kad-spec")
DEFECTS = 500


def make_variants(count: int) -> list[Path]:
    indented = DATA / f"minne-{count}.json"
    subprocess.run([KAD, "example", "--count", str(count), "--seed", "20250101", "--year", "2025",
                    "--out", str(indented), "--force"], check=True, stdout=subprocess.DEVNULL)
    message = json.loads(indented.read_text(encoding="utf-8"))
    one_line = DATA / f"minne-{count}.en-linje.json"
    with one_line.open("w", encoding="utf-8") as out:
        json.dump(message, out)
    stays = message["opphold"]
    for i in range(0, len(stays), max(1, len(stays) // DEFECTS)):
        stays[i]["pasient"]["kjonn"] = "7"  # not in the code list: one finding in this stay
    with_findings = DATA / f"minne-{count}.funn.json"
    with_findings.write_text(json.dumps(message, indent=2, ensure_ascii=False), encoding="utf-8")
    one_line_findings = DATA / f"minne-{count}.funn.en-linje.json"
    with one_line_findings.open("w", encoding="utf-8") as out:
        json.dump(message, out)
    return [indented, one_line, with_findings, one_line_findings]


def measure(path: Path) -> tuple[float, float, int]:
    """Peak RSS (MB), CPU seconds and exit code of one validation, measured on the child alone."""
    child = subprocess.Popen([KAD, "validate", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    return usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    print(f"{'fil':<32} {'MB':>6} {'høyeste RSS':>12} {'CPU':>8}  exit")
    for count in args.counts:
        paths = make_variants(count)
        try:
            for path in paths:
                rss, cpu, code = measure(path)
                print(f"{path.name:<32} {path.stat().st_size / 1e6:6.0f} {rss:9.0f} MB {cpu:6.1f} s  {code}")
        finally:
            for path in paths:
                path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
