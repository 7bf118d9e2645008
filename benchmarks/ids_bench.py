"""Micro benchmark for kad_spec.ids on the validation hot path.

Prints calls per second (median of 5 runs) for person number classification
and the other validators, over synthetic numbers only. Run from the repository
root: ``python benchmarks/ids_bench.py``.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kad_spec.ids import duf, herid, orgnr, personnr  # noqa: E402

RUNS = 5
POOL = 10_000
ROUNDS = 20  # calls per run = POOL * ROUNDS


def person_pool(rng: random.Random) -> list[str]:
    """Tenor FNR/DNR (both schemes) and FH-numbers, all synthetic."""
    pool = []
    for i in range(POOL):
        if i % 20 == 0:
            pool.append(personnr.synthetic_fh(rng))
            continue
        born = date.fromordinal(rng.randint(date(1920, 1, 1).toordinal(), date(2025, 12, 31).toordinal()))
        pool.append(
            personnr.synthetic(
                born,
                rng.choice("12"),
                rng,
                d_number=i % 7 == 0,
                scheme="2032" if i % 10 == 0 else "classic",
            )
        )
    return pool


def calls_per_second(func, values: list) -> float:
    rates = []
    for _ in range(RUNS):
        start = time.perf_counter()
        for _ in range(ROUNDS):
            for value in values:
                func(value)
        rates.append(ROUNDS * len(values) / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    rng = random.Random(2026)
    persons = person_pool(rng)
    invalid = [p[:10] + str((int(p[10]) + 1) % 10) for p in persons]
    orgs = [orgnr.synthetic(rng) for _ in range(POOL)]
    dufs = [duf.synthetic(rng) for _ in range(POOL)]
    herids = [str(rng.randint(1, 99_999_999)) for _ in range(POOL)]
    cases = [
        ("personnr.classify (valid)", personnr.classify, persons),
        ("personnr.is_valid (valid)", personnr.is_valid, persons),
        ("personnr.is_valid (wrong K2)", personnr.is_valid, invalid),
        ("personnr.mask", personnr.mask, persons),
        ("orgnr.is_valid", orgnr.is_valid, orgs),
        ("duf.is_valid", duf.is_valid, dufs),
        ("herid.is_valid", herid.is_valid, herids),
    ]
    print(f"median of {RUNS} runs, {POOL * ROUNDS:,} calls each")
    for name, func, values in cases:
        print(f"{name:32s} {calls_per_second(func, values):>12,.0f} calls/s")


if __name__ == "__main__":
    main()
