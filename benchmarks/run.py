"""Validation speed and memory, whole process, median of N runs; writes docs/performance.md.

    python benchmarks/run.py            # 10k, 100k and 1M stays (the 1M files take a while)
    python benchmarks/run.py --quick    # 10k and 100k only, 3 runs

Synthetic files are made with `kad-spec example` (deterministic seed) under benchmarks/data/.
The full validation (structure, code lists and every rule) is compared with `linkml-validate`
and Python `jsonschema` on the same 10k file.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
BIN = Path(sys.executable).parent
KAD = str(BIN / "kad-spec")
SEED = "20250101"
YEAR = "2025"


@dataclass
class Measure:
    name: str
    stays: int
    seconds: list[float]
    rss_mb: list[float]
    exit_codes: set[int]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_rss(self) -> float:
        return max(self.rss_mb)

    @property
    def rate(self) -> float:
        return self.stays / self.median if self.stays else 0.0


def run_once(cmd: list[str]) -> tuple[float, float, int]:
    """Wall time, peak RSS (MB) and exit code of one command, measured on the child alone."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, child.returncode


def measure(name: str, cmd: list[str], stays: int, runs: int) -> Measure:
    result = Measure(name, stays, [], [], set())
    for _ in range(runs):
        seconds, rss, code = run_once(cmd)
        result.seconds.append(seconds)
        result.rss_mb.append(rss)
        result.exit_codes.add(code)
    print(f"{name}: median {result.median:.2f} s, {result.rate:,.0f} stays/s, peak RSS {result.peak_rss:.0f} MB,"
          f" exit {sorted(result.exit_codes)}", flush=True)
    return result


def make(stays: int, fmt: str) -> Path:
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"kad-{stays}.{fmt}"
    if not path.exists():
        print(f"making {path.name} ...", flush=True)
        subprocess.run([KAD, "example", "--count", str(stays), "--seed", SEED, "--year", YEAR,
                        "--format", fmt, "--out", str(path)], check=True, stdout=subprocess.DEVNULL)
    return path


JSONSCHEMA_SCRIPT = """
import json, sys, jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
message = json.load(open(sys.argv[2], encoding="utf-8"))
errors = sum(1 for _ in jsonschema.Draft201909Validator(schema).iter_errors(message))
sys.exit(1 if errors else 0)
"""


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{cpu}, {os.cpu_count()} kjerner{memory}; Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="bare 10k og 100k, 3 kjøringer")
    parser.add_argument("--runs", type=int, default=None, help="kjøringer per måling (standard 5, --quick 3)")
    parser.add_argument("--no-write", action="store_true", help="ikke skriv docs/performance.md")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 5)
    schema = str(ROOT / "generated" / "jsonschema" / "kad.schema.json")
    model = str(ROOT / "model" / "kad.yaml")

    results: dict[str, Measure] = {}
    results["help"] = measure("kad-spec --help", [KAD, "--help"], 0, runs)
    results["small"] = measure("kad-spec validate examples/kad-melding.json", [KAD, "validate", str(ROOT / "examples" / "kad-melding.json")], 4, runs)
    sizes = (10_000, 100_000) if args.quick else (10_000, 100_000, 1_000_000)
    for stays in sizes:
        for fmt in ("json", "xml"):
            path = make(stays, fmt)
            results[f"{fmt}-{stays}"] = measure(f"kad-spec validate {path.name}", [KAD, "validate", str(path)],
                                                stays, 1 if stays >= 1_000_000 and args.runs is None else runs)
    ten_k = str(make(10_000, "json"))
    linkml = str(BIN / "linkml-validate")
    if Path(linkml).exists():
        results["linkml"] = measure("linkml-validate 10k", [linkml, "-s", model, "-C", "KadMelding", ten_k],
                                    10_000, min(runs, 3))
    results["jsonschema"] = measure("python jsonschema 10k", [sys.executable, "-c", JSONSCHEMA_SCRIPT, schema, ten_k],
                                    10_000, min(runs, 3))
    if not args.no_write:
        write_report(results, runs)


TARGETS = [
    ("json-100000", "100k opphold JSON, full validering", "≤ 2,0 s", lambda m: m.median <= 2.0),
    ("xml-100000", "100k opphold XML, full validering", "≤ 3,0 s", lambda m: m.median <= 3.0),
    ("json-1000000", "1M opphold JSON, høyeste RSS", "≤ 200 MB", lambda m: m.peak_rss <= 200),
    ("help", "`kad-spec --help`", "≤ 0,5 s", lambda m: m.median <= 0.5),
    ("small", "validere én liten fil", "≤ 0,5 s", lambda m: m.median <= 0.5),
]


def nb(value: float, digits: int = 2) -> str:
    """A number as written in Norwegian: decimal comma."""
    return f"{value:.{digits}f}".replace(".", ",")


def write_report(results: dict[str, Measure], runs: int) -> None:
    lines = [
        "# Ytelse",
        "",
        f"Målt {date.today().isoformat()} på {machine()}. Hele prosessen (oppstart, lesing, struktur,",
        f"kodeverk og alle regler), median av {runs} kjøringer (1M-filene: én kjøring). Laget med",
        "`python benchmarks/run.py`; filene lages med `kad-spec example --seed 20250101 --year 2025`.",
        "",
        "## Mål",
        "",
        "| Mål | Krav | Målt | Oppfylt |",
        "|---|---|---|---|",
    ]
    for key, text, limit, ok in TARGETS:
        if key in results:
            m = results[key]
            figure = f"{m.peak_rss:.0f} MB" if "RSS" in text else f"{nb(m.median)} s"
            lines.append(f"| {text} | {limit} | {figure} | {'ja' if ok(m) else 'nei'} |")
    if "linkml" in results and "json-10000" in results:
        ratio = results["linkml"].median / results["json-10000"].median
        lines.append(f"| Mot `linkml-validate`, samme 10k-fil | ≥ 30× | {nb(ratio, 1)}× | {'ja' if ratio >= 30 else 'nei'} |")
    lines += ["", "## Alle målinger", "", "| Måling | Opphold | Median | Opphold/s | Høyeste RSS |", "|---|---|---|---|---|"]
    for m in results.values():
        rate = f"{m.rate:,.0f}".replace(",", " ") if m.stays else ""
        lines.append(f"| {m.name} | {m.stays or ''} | {nb(m.median)} s | {rate} | {m.peak_rss:.0f} MB |")
    if "linkml" in results:
        base = results["json-10000"].median
        lines += ["", "Forhold på samme 10k-fil (hele prosessen):", ""]
        for key, label in (("linkml", "linkml-validate (struktur og oppramsinger)"), ("jsonschema", "Python jsonschema (bare struktur)")):
            if key in results:
                lines.append(f"- {label}: {nb(results[key].median)} s, {nb(results[key].median / base, 1)}× tregere enn kad-spec")
    path = ROOT / "docs" / "performance.md"
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    notes = existing.split("\n## Merknader\n", 1)[1] if "\n## Merknader\n" in existing else ""
    text = "\n".join(lines) + "\n"
    if notes:
        text += "\n## Merknader\n" + notes
    path.write_text(text, encoding="utf-8")
    print(f"skrev {path}")


if __name__ == "__main__":
    main()
