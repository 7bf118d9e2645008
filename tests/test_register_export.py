"""``kad-spec register export``: the current stays, not cancelled, for analysis; on SQLite and PostgreSQL.

One row or line per stay in the order (virksomhet, opphold_id); the person is the pseudonym,
never the id; birth year, sex and id type come from the id at ingest. The output file is never
the register itself, and an existing one is replaced only with --force.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import base_message, invoke
from kad_spec.register.export import COLUMNS
from kad_spec.register.keys import KEY_ENV, pseudonym

KEY = "9b2e" * 16
UNIT = "310000019"
PERSON_IDS = ("12834041276", "52854721089", "05893823338", "27815510130")  # the base example's (Tenor)


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)


def message(folder: Path, n: int, opprettet: str, stays: list[dict]) -> Path:
    doc = base_message()
    doc["meldingsinfo"].update(melding_id=f"6e2f3a1b-6c1e-4a8e-9a59-3f1f5d1e2b{n:02d}", opprettet=opprettet)
    doc["opphold"] = stays
    path = folder / f"{n}.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def stay(index: int, **values) -> dict:
    found = base_message()["opphold"][index]
    found.update(values)
    return found


@pytest.fixture
def register(register_url, tmp_path) -> str:
    """Four stays, the third discharged by a later message, the second cancelled."""
    first = message(tmp_path, 1, "2025-03-05T06:00:00+01:00", [stay(3), stay(1), stay(2), stay(0)])
    second = message(tmp_path, 2, "2025-03-06T06:00:00+01:00", [
        stay(2, status="M", utskrivningstidspunkt="2025-03-05T12:00:00+01:00",
             utskrivningsdiagnoser=[{"kodeverk": "ICPC-2", "kode": "K77"}], utskrevet_til={"kategori": "1"}),
        stay(1, status="C")])
    assert invoke("register", "ingest", first, second, "--db", register_url).exit_code == 0
    return register_url


def export(url: str, *extra) -> str:
    result = invoke("register", "export", "--db", url, *extra)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def lines(url: str, *extra) -> list[dict]:
    return [json.loads(line) for line in export(url, "--format", "jsonl", *extra).splitlines()]


def test_one_line_per_current_stay_in_order(register):
    found = lines(register)
    assert [(s["virksomhet"], s["opphold_id"], s["status"]) for s in found] == [
        (UNIT, "KAD-2025-000123", "N"), (UNIT, "KAD-2025-000125", "M"), (UNIT, "KAD-2025-000126", "M")]
    assert all(list(s) == list(COLUMNS) for s in found)


def test_a_line_has_the_times_the_codes_and_what_the_id_told(register):
    first, discharged, _ = lines(register)
    assert first["innlagt"] == "2025-03-01T14:35:00" and first["innlagt_utc"] == "2025-03-01T13:35:00Z"
    assert first["utskrevet_utc"] == "2025-03-04T09:00:00Z" and first["versjon_utc"] == "2025-03-05T05:00:00Z"
    assert (first["id_type"], first["fodselsar"], first["kjonn"], first["alder"]) == ("FNR", 1940, "2", 84)
    assert first["innskrivningsdiagnoser"] == [{"kodeverk": "ICPC-2", "kode": "R81"}]
    assert (first["henvist_fra_kategori"], first["henvist_fra_organisasjonsnummer"], first["henvist_fra_her_id"]) == (
        "28", "310000027", "90123")
    assert first["person"] == pseudonym(KEY.encode(), "FNR", PERSON_IDS[0])
    assert discharged["utskrevet"] == "2025-03-05T12:00:00+01:00" and discharged["versjon_utc"] == "2025-03-06T05:00:00Z"
    assert discharged["utskrivningsdiagnoser"] == [{"kodeverk": "ICPC-2", "kode": "K77"}]


def test_csv_has_the_same_stays(register):
    rows = list(csv.DictReader(io.StringIO(export(register, "--format", "csv"))))
    assert [r["opphold_id"] for r in rows] == [s["opphold_id"] for s in lines(register)]
    first = rows[0]
    assert (first["fodselsar"], first["utskrevet_til_organisasjonsnummer"]) == ("1940", "")
    assert first["innskrivningsdiagnoser"] == "ICPC-2:R81" and first["utskrivningsdiagnoser"] == "ICD-10:J189"
    assert list(first) == list(COLUMNS)


def test_no_export_holds_a_person_id(register):
    for fmt in ("csv", "jsonl"):
        out = export(register, "--format", fmt)
        assert not [number for number in PERSON_IDS if number in out]


def test_a_person_number_written_into_a_free_field_is_masked(register_url, tmp_path):
    path = message(tmp_path, 1, "2025-03-05T06:00:00+01:00", [stay(0, opphold_id=f"KAD-{PERSON_IDS[3]}")])
    invoke("register", "ingest", path, "--db", register_url)
    (found,) = lines(register_url)
    assert found["opphold_id"] == "KAD-*********30"


def test_unit_option(register):
    assert lines(register, "--unit", "999999999") == []
    assert len(lines(register, "--unit", UNIT)) == 3
    assert export(register, "--format", "csv", "--unit", "999999999") == ",".join(COLUMNS) + "\n"


def test_to_a_file_never_over_the_register_or_an_existing_file(register, tmp_path):
    target = tmp_path / "opphold.jsonl"
    result = invoke("register", "export", "--db", register, "--format", "jsonl", "-o", target)
    assert result.exit_code == 0 and "skrev 3 opphold til" in result.stderr
    assert target.read_text(encoding="utf-8") == export(register, "--format", "jsonl")
    again = invoke("register", "export", "--db", register, "--format", "jsonl", "-o", target)
    assert again.exit_code == 2 and "--force" in again.stderr
    assert invoke("register", "export", "--db", register, "--format", "csv", "-o", target, "--force").exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("virksomhet,opphold_id,")
    if register.startswith("sqlite:///"):
        store = Path(register.removeprefix("sqlite:///"))
        before = store.read_bytes()
        refused = invoke("register", "export", "--db", register, "--format", "csv", "-o", store, "--force")
        assert refused.exit_code == 2 and "inndatafilene" in refused.stderr
        assert store.read_bytes() == before


def test_format_is_required_and_known(register):
    assert invoke("register", "export", "--db", register).exit_code == 2
    assert invoke("register", "export", "--db", register, "--format", "xml").exit_code == 2
