"""``kad-spec report --db URL``: the activity report of the register's stays, on SQLite and PostgreSQL.

The register's current stays, not cancelled, give the same figures as the files they came from
(``kad-spec report FILE...``): a sequence from ``kad-spec example --daily`` with corrections,
cancellations, a late message and forgotten discharges. Its findings per rule are the units'
open list. Delivered twice, a message is read twice from files but taken in once by the register.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import invoke
from kad_spec.register.keys import KEY_ENV

KEY = "d1ce" * 16
PERIOD = ("--from", "2025-01-01", "--to", "2025-02-28", "--units", "2", "--seed", "1")


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)


@pytest.fixture(scope="module")
def sequence(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sekvens") / "meldinger"
    assert invoke("example", "--daily", *PERIOD, "-o", out).exit_code == 0
    return out


@pytest.fixture(scope="module")
def delivered_once(sequence, tmp_path_factory) -> Path:
    """The sequence without its repeated deliveries: each message in one file."""
    out = tmp_path_factory.mktemp("en_gang") / "meldinger"
    shutil.copytree(sequence, out, ignore=lambda _folder, names: [n for n in names if "_gjentatt_" in n])
    (out / "sekvens.jsonl").unlink()
    return out


def report(*args) -> dict:
    result = invoke("report", *args, "--format", "json", "--min-cell", "1")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def without(document: dict, *paths: str) -> dict:
    """The report with the figures at these paths (``a.b``) taken out."""
    found = json.loads(json.dumps(document))
    for path in paths:
        *parents, last = path.split(".")
        place = found
        for name in parents:
            place = place[name]
        del place[last]
    return found


REGISTER_SECTIONS = ("register", "over_time", "comparison", "quality_over_time")
REGISTER_TABLES = ("over-tid", "sammenligning", "datakvalitet-over-tid")  # their sections on the page


def file_part(document: dict, *tables: str) -> dict:
    """The report without what only the register gives, and without these tables (by id)."""
    found = {key: value for key, value in document.items() if key not in REGISTER_SECTIONS}
    found["tables"] = [t for t in document["tables"] if t["section"] not in REGISTER_TABLES and t["id"] not in tables]
    return found


def test_the_register_gives_the_files_figures(register_url, delivered_once):
    from_files = report(delivered_once)
    assert invoke("register", "ingest", delivered_once, "--db", register_url).exit_code == 0
    from_register = report("--db", register_url)
    assert from_files["stays"]["n"] > 2000 and from_files["records"]["cancelled"]["n"] > 0
    assert from_files["data_quality"]["rules"] == []  # every file is valid on its own
    assert from_register["units"] == from_files["units"] and all(unit["navn"] for unit in from_register["units"])
    assert set(REGISTER_SECTIONS) <= set(from_register) and not set(REGISTER_SECTIONS) & set(from_files)
    assert (without(file_part(from_register, "funn-per-regel"), "data_quality.rules")
            == without(file_part(from_files, "funn-per-regel"), "data_quality.rules"))
    # The register's own finding: stays open more than 30 days, on the open list.
    assert [(r["rule_id"], r["stays"]["n"]) for r in from_register["data_quality"]["rules"]] == [("KAD-REG-005", 3)]


def test_one_unit_of_the_register_gives_its_folders_figures(register_url, delivered_once):
    assert invoke("register", "ingest", delivered_once, "--db", register_url).exit_code == 0
    for folder in sorted(p for p in delivered_once.iterdir() if p.is_dir()):
        from_register = report("--db", register_url, "--unit", folder.name, "--no-validation")
        assert [unit["organisasjonsnummer"] for unit in from_register["units"]] == [folder.name]
        assert file_part(from_register) == report(folder, "--no-validation")


def test_a_message_delivered_twice_is_counted_once(register_url, sequence):
    from_files = report(sequence)
    assert invoke("register", "ingest", sequence, "--db", register_url).exit_code == 0
    from_register = report("--db", register_url)
    assert from_register["files"]["read"] == from_files["files"]["read"] - 2  # two repeats
    assert from_register["records"]["read"]["n"] < from_files["records"]["read"]["n"]
    figures = ("files", "records.read", "records.replaced", "data_quality.rules")
    assert (without(file_part(from_register, "funn-per-regel"), *figures)
            == without(file_part(from_files, "funn-per-regel"), *figures))


def test_html_from_the_register(register_url, delivered_once, tmp_path):
    invoke("register", "ingest", delivered_once, "--db", register_url)
    target = tmp_path / "rapport.html"
    result = invoke("report", "--db", register_url, "-o", target)
    assert result.exit_code == 0 and target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_files_or_a_register_not_both(register_url, delivered_once):
    for args in ((), (delivered_once, "--db", register_url), (delivered_once, "--unit", "310000019")):
        result = invoke("report", *args)
        assert result.exit_code == 2, args


def test_the_register_file_is_never_written_over(tmp_path):
    store = tmp_path / "register.db"
    assert invoke("register", "status", "--db", f"sqlite:///{store}").exit_code == 0
    before = store.read_bytes()
    result = invoke("report", "--db", f"sqlite:///{store}", "-o", store, "--force")
    assert result.exit_code == 2 and "inndatafilene" in result.stderr and store.read_bytes() == before
