"""Benchmark for the activity report: build a report over 100 000 synthetic stays.

Writes one deterministic message file (Tenor synthetic persons, test organisation numbers,
``miljo: test``) to a temporary folder, then builds the report five times and prints the
median wall time. Run from the repository root:

    .venv/bin/python benchmarks/activity_bench.py [--count 100000] [--runs 5] [--no-validation]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson  # noqa: E402

from kad_spec.ids import orgnr, personnr  # noqa: E402

UNIT_ORGNR = "310000019"
ADMISSION_CODES = [("ICPC-2", "R81"), ("ICPC-2", "K77"), ("ICPC-2", "U71"), ("ICPC-2", "A04"),
                   ("ICD-10", "J189"), ("ICD-10", "I509"), ("ICD-10", "N390"), ("ICD-10", "R53")]
DISCHARGE_CODES = [("ICD-10", "J189"), ("ICD-10", "I509"), ("ICD-10", "N390"), ("ICPC-2", "R81"),
                   ("ICPC-2", "U71"), ("ICPC-2", "K77"), ("ICD-10", "J441"), ("ICPC-2", "A04")]
REFERRERS = ["28", "28", "28", "41", "88", "1", "9", "44"]
DESTINATIONS = ["1", "1", "1", "31", "35", "2", "39", "21"]


def _person(rng: random.Random, admitted: date) -> tuple[str, str, int]:
    """A Tenor person and their age in whole years on the admission day."""
    sex = rng.choice("12")
    days_old = rng.randint(0, 104 * 365) if rng.random() < 0.05 else int(rng.gauss(74, 14) * 365.25)
    born = admitted - timedelta(days=min(max(days_old, 1), 104 * 365))
    age = admitted.year - born.year - ((admitted.month, admitted.day) < (born.month, born.day))
    return personnr.synthetic(born, sex, rng), sex, age


def _minute(rng: random.Random, start: datetime, span_minutes: int) -> datetime:
    """A time in the span, away from 02:00–03:00 (missing or doubled on summer-time nights)."""
    moment = start + timedelta(minutes=rng.randint(0, span_minutes))
    return moment + timedelta(hours=1) if moment.hour == 2 else moment


def _stay(rng: random.Random, number: int, start: datetime, span_days: int, end: datetime) -> dict:
    admitted = _minute(rng, start, span_days * 24 * 60)
    person, sex, age = _person(rng, admitted.date())
    stay = {
        "opphold_id": f"KAD-B-{number:07d}",
        "status": "N",
        "pasient": {"id_type": "FNR", "id": person, "kjonn": sex, "alder": age, "bostedskommune": "3107"},
        "innleggelsestidspunkt": admitted.strftime("%Y-%m-%dT%H:%M:%S"),
        "innskrivningsdiagnoser": [dict(zip(("kodeverk", "kode"), rng.choice(ADMISSION_CODES)))],
        "henvist_fra": {"kategori": rng.choice(REFERRERS)},
    }
    if rng.random() < 0.4:
        stay["henvist_fra"]["her_id"] = str(rng.randint(10000, 999999))
    discharged = _minute(rng, admitted + timedelta(hours=6), 6 * 24 * 60)
    if discharged < end:
        stay["utskrivningstidspunkt"] = discharged.strftime("%Y-%m-%dT%H:%M:%S")
        stay["utskrivningsdiagnoser"] = [dict(zip(("kodeverk", "kode"), rng.choice(DISCHARGE_CODES)))]
        stay["utskrevet_til"] = {"kategori": rng.choice(DESTINATIONS)}
        if rng.random() < 0.3:
            stay["utskrevet_til"]["organisasjonsnummer"] = orgnr.synthetic(rng)
    return stay


def generate_message(count: int, seed: int = 20250101) -> dict:
    """One message with ``count`` stays admitted during 2025 (deterministic for a seed)."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1)
    end = datetime(2025, 12, 31, 23, 59)
    span = (end - start).days
    return {
        "meldingsinfo": {"melding_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                         "spesifikasjonsversjon": "1.0.0", "opprettet": "2026-01-01T06:00:00+01:00",
                         "miljo": "test"},
        "virksomhet": {"navn": "Syntetisk KAD", "organisasjonsnummer": UNIT_ORGNR,
                       "adresse": {"adresselinje": "Storgata 1", "postnummer": "1607", "poststed": "FREDRIKSTAD"},
                       "tjenestekommuner": ["3107"]},
        "opphold": [_stay(rng, n, start, span, end) for n in range(1, count + 1)],
    }


def write_message(path: Path, count: int, seed: int = 20250101) -> Path:
    path.write_bytes(orjson.dumps(generate_message(count, seed)))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from kad_spec.activity import build_report, render_html, render_json

    with tempfile.TemporaryDirectory() as folder:
        path = write_message(Path(folder) / "kad-100k.json", args.count)
        times = []
        for _ in range(args.runs):
            began = time.perf_counter()
            report = build_report([path], today=date(2026, 1, 1))
            render_html(report)
            render_json(report)
            times.append(time.perf_counter() - began)
    print(f"{args.count} opphold: median {statistics.median(times):.2f} s over {args.runs} runs "
          f"(min {min(times):.2f}, max {max(times):.2f})")


if __name__ == "__main__":
    main()
