"""Benchmark of the feedback report from the register: ten years, ten units, 600 000 stays.

    .venv/bin/python benchmarks/report_bench.py                        # 600 000 stays, SQLite and PostgreSQL
    .venv/bin/python benchmarks/report_bench.py --count 60000 --stores sqlite   # a quicker look

The register is built once and kept under benchmarks/data/: ``kad-spec example --daily --from
2017-01-01 --to 2026-11-30 --units 10 --count <count / 10> --readmissions 0.1 --seed 5`` (one
message a unit a day, with corrections, cancellations, late and repeated deliveries and
readmissions), taken in with ``kad-spec register ingest`` into a SQLite file (36 000 messages:
the longest step, some minutes). PostgreSQL gets a copy of that register's tables, in a
database of its own on the server in KAD_SPEC_TEST_POSTGRES (default the local one), vacuumed
and analysed as autovacuum would, and dropped at the end.

Then, whole process, median of ``--runs``: ``kad-spec report --db URL`` as JSON and as HTML,
for all units (the directorate's page) and for one unit (which reads every unit's stays too,
for the comparison). The target (issue 20) is at most 10 s for 600 000 stays.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_measure import run_once

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
KAD = str(Path(sys.executable).parent / "kad-spec")
sys.path.insert(0, str(ROOT / "tests"))
TARGET_SECONDS = 10.0
KEY = "7e57" * 16  # the benchmark register's pseudonym key: synthetic persons, no secret
UNITS = 10
TABLES = ("registerinfo", "melding", "opphold", "versjon", "funn")


def register(count: int) -> Path:
    """The SQLite register of the sequence, made on first use and kept."""
    folder = DATA / f"report-2017-2026-{count}"
    store = DATA / f"report-2017-2026-{count}.db"
    if not (folder / "sekvens.jsonl").is_file():
        DATA.mkdir(parents=True, exist_ok=True)
        subprocess.run([KAD, "example", "--daily", "--from", "2017-01-01", "--to", "2026-11-30", "--units", str(UNITS),
                        "--count", str(count // UNITS), "--readmissions", "0.1", "--seed", "5", "-o", str(folder),
                        "--force"], check=True, stdout=subprocess.DEVNULL)
    if not store.is_file():
        partial = store.with_suffix(".db.delvis")
        partial.unlink(missing_ok=True)
        subprocess.run([KAD, "register", "ingest", str(folder), "--db", f"sqlite:///{partial}"],
                       check=True, stdout=subprocess.DEVNULL)
        partial.rename(store)
    return store


def copy_to_postgres(store: Path) -> tuple[str, str, str]:
    """(url, server, database): a new PostgreSQL database with the SQLite register's tables."""
    import sqlalchemy
    from register_stores import server_url, with_database

    import psycopg
    from kad_spec.register.store import Register

    server = server_url()
    database = f"kad_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    url = with_database(server, database)
    with Register.open(url):
        pass  # the migrations make the schema
    source = sqlalchemy.create_engine(f"sqlite:///{store}")
    with source.connect() as reading, psycopg.connect(url) as writing:
        for table in TABLES:
            result = reading.execute(sqlalchemy.text(f"SELECT * FROM {table}"))
            columns = list(result.keys())
            writing.execute(f"DELETE FROM {table}")
            with writing.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in result:
                    copy.write_row(_postgres_values(table, columns, row))
        writing.commit()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")  # what autovacuum does to a register that is in use
    return url, server, database


def _postgres_values(table: str, columns: list[str], row) -> tuple:
    """SQLite keeps booleans as 0 and 1."""
    booleans = {"opphold": ("annullert",)}.get(table, ())
    return tuple(bool(value) if name in booleans and value is not None else value for name, value in zip(columns, row))


def drop(server: str, database: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def one_unit(store: Path) -> str:
    import sqlite3

    with sqlite3.connect(store) as connection:
        return connection.execute("SELECT virksomhet FROM opphold GROUP BY virksomhet ORDER BY count(*) DESC").fetchone()[0]


def measure(kind: str, url: str, unit: str, runs: int, work: Path) -> list[tuple[str, float, float]]:
    cases = [("alle enheter, JSON", ["--format", "json"]), ("alle enheter, HTML", []),
             ("én enhet, JSON", ["--unit", unit, "--format", "json"]), ("én enhet, HTML", ["--unit", unit])]
    found = {name: ([], []) for name, _ in cases}
    for _ in range(runs):  # in rounds: a busy moment of the machine falls on every case alike
        for name, args in cases:
            out = work / f"rapport-{kind}-{len(found[name][0])}.out"
            seconds, rss, code = run_once([KAD, "report", "--db", url, *args, "-o", str(out), "--force"])
            if code != 0:
                raise SystemExit(f"{kind}: {name}: exit {code}")
            found[name][0].append(seconds)
            found[name][1].append(rss)
    return [(name, statistics.median(times), max(rss)) for name, (times, rss) in found.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=600_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stores", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    args = parser.parse_args()
    os.environ.setdefault("KAD_SPEC_REGISTER_KEY", KEY)
    store = register(args.count)
    unit = one_unit(store)
    print(f"register: {store.name} ({args.count} opphold, {UNITS} enheter, 2017–2026); {os.cpu_count()} kjerner; "
          f"median av {args.runs} kjøringer, hele prosessen", flush=True)
    print("| lager | rapport | median (s) | høyeste RSS (MB) | mål ≤ 10 s |\n|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="report-bench-") as scratch:
        for kind in args.stores:
            server = database = None
            url = f"sqlite:///{store}"
            if kind == "postgresql":
                url, server, database = copy_to_postgres(store)
            try:
                for name, seconds, rss in measure(kind, url, unit, args.runs, Path(scratch)):
                    verdict = "innenfor" if seconds <= TARGET_SECONDS else "OVER"
                    print(f"| {kind} | {name} | {seconds:.2f} | {rss:.0f} | {verdict} |", flush=True)
            finally:
                if database:
                    drop(server, database)


if __name__ == "__main__":
    main()
