"""Benchmark of the register of stays: a backfill of ten years of daily messages, then daily runs.

    .venv/bin/python benchmarks/register_bench.py                      # 600 000 stays, SQLite and PostgreSQL
    .venv/bin/python benchmarks/register_bench.py --count 60000 --stores sqlite   # a quicker look

The sequence is ``kad-spec example --daily --from 2017-01-01 --to 2026-11-30 --units 1 --count
600000`` (one unit, one message a day, with corrections, cancellations, late and repeated
deliveries), made once under benchmarks/data/ and kept. The files delivered on the last
``--daily-runs`` days are held back; the rest is the backfill:

- backfill: one ``kad-spec register ingest DIR --db URL`` of every other file into a new
  register, whole process: wall time and peak RSS;
- daily: then, for each held-back day, one ``kad-spec register ingest`` of what was delivered
  that day (one message of about 300 stays: the day's admissions and discharges), whole
  process, into the register that holds the backfill and the days before; the median.

For each store: SQLite (a new file) and PostgreSQL (a database of its own on the server in
KAD_SPEC_TEST_POSTGRES, default the local one, dropped at the end). Prints the figures; the
targets (issue 18) are a backfill of 600 000 stays in at most 2 minutes with a peak RSS of at
most 300 MB, and a daily message of 300 stays in at most 1 s.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from bench_measure import GNU_TIME, RSS_METHOD, run_once

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
KAD = str(Path(sys.executable).parent / "kad-spec")
sys.path.insert(0, str(ROOT / "tests"))
BACKFILL_SECONDS, BACKFILL_RSS_MB, DAILY_SECONDS = 120, 300, 1.0  # the targets


def sequence(first: str, last: str, count: int) -> Path:
    """The sequence's folder, made on first use and kept (it takes about half a minute)."""
    folder = DATA / f"register-{first}-{last}-{count}"
    if not (folder / "sekvens.jsonl").is_file():
        DATA.mkdir(parents=True, exist_ok=True)
        subprocess.run([KAD, "example", "--daily", "--from", first, "--to", last, "--units", "1",
                        "--count", str(count), "-o", str(folder), "--force"], check=True, stdout=subprocess.DEVNULL)
    return folder


def delivery_day(path: Path) -> date:
    """``2025-01-04.json``, ``2025-01-07_forsinket_2025-01-04.json``: the day the file was delivered."""
    return date.fromisoformat(path.name[:10])


def versions_in(path: Path) -> int:
    """The versions of stays in a message file (an N and its M are two)."""
    return path.read_bytes().count(b'"opphold_id"')


def split(folder: Path, days: int, work: Path) -> tuple[Path, int, list[tuple[date, list[Path]]]]:
    """A folder of links to the backfill's files, its number of stay versions, and the held-back days' files."""
    files = sorted(folder.rglob("*.json"))
    last = max(delivery_day(p) for p in files)
    held = [last - timedelta(days=n) for n in range(days - 1, -1, -1)]
    backfill = work / "backfill"
    stays = 0
    for path in files:
        if delivery_day(path) in held:
            continue
        target = backfill / path.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)
        stays += versions_in(path)
    return backfill, stays, [(day, [p for p in files if delivery_day(p) == day]) for day in held]


class Store:
    """A new, empty register: a SQLite file, or a PostgreSQL database of its own."""

    def __init__(self, kind: str, work: Path):
        self.kind = kind
        self.database = None
        if kind == "sqlite":
            self.url = f"sqlite:///{work / 'register.db'}"
            return
        from register_stores import server_url, with_database

        import psycopg

        self.server = server_url()
        self.database = f"kad_bench_{secrets.token_hex(4)}"
        with psycopg.connect(self.server, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')
        self.url = with_database(self.server, self.database)

    def size_mb(self) -> float:
        if self.kind == "sqlite":
            return Path(self.url.removeprefix("sqlite:///")).stat().st_size / 1e6
        import psycopg

        with psycopg.connect(self.url, connect_timeout=5) as connection:
            return connection.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 1e6

    def drop(self) -> None:
        if self.database is None:
            return
        import psycopg

        with psycopg.connect(self.server, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def verdict(ok: bool) -> str:
    return "innenfor målet" if ok else "OVER MÅLET"


def bench_store(kind: str, backfill: Path, versions: int, days: list[tuple[date, list[Path]]], work: Path) -> None:
    store = Store(kind, work)
    try:
        seconds, rss, code = run_once([KAD, "register", "ingest", str(backfill), "--db", store.url])
        print(f"{kind}: backfill ({versions} versjoner av opphold): {seconds:.1f} s, høyeste RSS {rss:.0f} MB, exit {code} "
              f"({verdict(seconds <= BACKFILL_SECONDS and rss <= BACKFILL_RSS_MB and code == 0)}; "
              f"registeret {store.size_mb():.0f} MB)", flush=True)
        runs = []
        for day, paths in days:
            day_stays = sum(versions_in(p) for p in paths)
            seconds, rss, code = run_once([KAD, "register", "ingest", *map(str, paths), "--db", store.url])
            runs.append(seconds)
            print(f"{kind}: daglig {day} ({len(paths)} fil(er), {day_stays} opphold): {seconds:.3f} s, "
                  f"høyeste RSS {rss:.0f} MB, exit {code}", flush=True)
        median = statistics.median(runs)
        print(f"{kind}: daglig melding, median av {len(runs)}: {median:.3f} s ({verdict(median <= DAILY_SECONDS)})",
              flush=True)
        for name, argv in (("status", ["register", "status"]), ("findings", ["register", "findings"]),
                           ("export csv", ["register", "export", "--format", "csv", "-o", str(work / f"{kind}.csv")])):
            seconds, rss, code = run_once([KAD, *argv, "--db", store.url])
            print(f"{kind}: {name}: {seconds:.2f} s, høyeste RSS {rss:.0f} MB, exit {code}", flush=True)
    finally:
        store.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="first", default="2017-01-01")
    parser.add_argument("--to", dest="last", default="2026-11-30")
    parser.add_argument("--count", type=int, default=600_000)
    parser.add_argument("--daily-runs", type=int, default=5)
    parser.add_argument("--stores", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    args = parser.parse_args()
    os.environ.setdefault("KAD_SPEC_REGISTER_KEY", secrets.token_hex(32))
    folder = sequence(args.first, args.last, args.count)
    print(f"sekvens: {folder} ({args.count} opphold, {args.first}–{args.last}); RSS målt med {RSS_METHOD}"
          + ("" if GNU_TIME else " (GNU time mangler)") + f"; {os.cpu_count()} kjerner", flush=True)
    with tempfile.TemporaryDirectory(prefix="register-bench-", dir=DATA) as scratch:
        work = Path(scratch)
        backfill, versions, days = split(folder, args.daily_runs, work)
        held = sum(versions_in(p) for _, paths in days for p in paths)
        print(f"backfill: {sum(1 for _ in backfill.rglob('*.json'))} filer, {versions} versjoner av opphold; "
              f"holdt tilbake: {sum(len(p) for _, p in days)} filer ({held} versjoner) fra de siste {len(days)} dagene",
              flush=True)
        for kind in args.stores:
            (work / kind).mkdir()
            bench_store(kind, backfill, versions, days, work / kind)


if __name__ == "__main__":
    main()
