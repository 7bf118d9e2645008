"""``kad-spec register findings``: the units' open list, on SQLite and PostgreSQL, through the real CLI.

A finding stays on the list until a later version of its stay no longer has it; ``--all`` shows
what was resolved, when, and by which message. The list is the same on both stores, in text,
JSON and CSV, in bokmål and English, and never shows a full personal id.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import base_message, invoke
from kad_spec.register.keys import KEY_ENV

KEY = "7a3c" * 16
UNIT = "310000019"
PERSON_IDS = ("12834041276", "52854721089", "05893823338", "27815510130")  # the base example's (Tenor)


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)


def melding_id(n: int) -> str:
    return f"5d1e2b0f-6c1e-4a8e-9a59-3f1f5d1e2b{n:02d}"


def message(folder: Path, n: int, opprettet: str, stays: list[dict]) -> Path:
    doc = base_message()
    doc["meldingsinfo"].update(melding_id=melding_id(n), opprettet=opprettet)
    doc["opphold"] = stays
    path = folder / f"{n}.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def stay(index: int, **values) -> dict:
    found = base_message()["opphold"][index]
    found.update(values)
    return found


DOTTED = [{"kodeverk": "ICD-10", "kode": "J18.9"}]  # KAD-DIA-006, a warning: the stay is taken in


@pytest.fixture
def history(register_url, tmp_path) -> str:
    """Three messages: a warning on stay 000123 that the next version resolves; stay 000125 left
    open for more than 30 days (KAD-REG-005), then discharged."""
    first = message(tmp_path, 1, "2025-03-05T06:00:00+01:00",
                    [stay(0, utskrivningsdiagnoser=DOTTED), stay(2)])
    second = message(tmp_path, 2, "2025-04-10T06:00:00+02:00", [stay(0, status="M")])
    assert invoke("register", "ingest", first, second, "--db", register_url).exit_code == 0
    return register_url


def findings(url: str, *extra) -> tuple[int, str]:
    result = invoke("register", "findings", "--db", url, *extra)
    return result.exit_code, result.stdout


def findings_json(url: str, *extra) -> dict:
    code, out = findings(url, "--format", "json", *extra)
    assert code == 0
    return json.loads(out)


def test_the_open_list_has_what_is_open(history):
    (unit,) = findings_json(history)["units"]
    assert unit["virksomhet"] == UNIT and unit["last_created"] == "2025-04-10T06:00:00+02:00"
    assert unit["open"]["by_rule"] == {"KAD-REG-005": 1} and unit["open"]["total"] == 1
    (found,) = unit["open"]["findings"]
    assert (found["rule_id"], found["severity"], found["opphold_id"]) == ("KAD-REG-005", "warning", "KAD-2025-000125")
    assert found["opened_utc"] == "2025-04-10T04:00:00Z" and found["closed_utc"] is None
    assert "KAD-2025-000125" in found["message"] and "36 dager" in found["message"]
    assert unit["resolved"] is None  # not asked for


def test_all_shows_what_was_resolved_and_when(history):
    (unit,) = findings_json(history, "--all")["units"]
    (resolved,) = unit["resolved"]["findings"]
    assert (resolved["rule_id"], resolved["opphold_id"], resolved["pointer"]) == (
        "KAD-DIA-006", "KAD-2025-000123", "/utskrivningsdiagnoser/0/kode")
    assert resolved["found_in"] == melding_id(1) and resolved["opened_utc"] == "2025-03-05T05:00:00Z"
    assert resolved["closed_by"] == melding_id(2) and resolved["closed_utc"] == "2025-04-10T04:00:00Z"
    assert unit["open"]["total"] == 1


def test_a_discharge_resolves_the_stay_open_too_long(history, tmp_path):
    third = message(tmp_path, 3, "2025-04-12T06:00:00+02:00",
                    [stay(2, status="M", utskrivningstidspunkt="2025-04-11T10:00:00",
                          utskrivningsdiagnoser=[{"kodeverk": "ICPC-2", "kode": "K77"}],
                          utskrevet_til={"kategori": "1"})])
    assert invoke("register", "ingest", third, "--db", history).exit_code == 0
    (unit,) = findings_json(history, "--all")["units"]
    # Resolved; the stay's length is now the engine's to see: a stay of more than 30 days.
    assert unit["open"]["by_rule"] == {"KAD-TID-006": 1}
    assert [(f["rule_id"], f["closed_by"]) for f in unit["resolved"]["findings"]] == [
        ("KAD-DIA-006", melding_id(2)), ("KAD-REG-005", melding_id(3))]


def test_text_lists_each_unit_with_its_findings(history):
    code, out = findings(history)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == (f"Virksomhet {UNIT}: 1 åpne funn (KAD-REG-005: 1); "
                        "siste melding opprettet 2025-04-10T06:00:00+02:00")
    assert lines[1].startswith("  advarsel KAD-REG-005 [KAD-2025-000125] åpent siden 2025-04-10T04:00:00Z: Opphold")
    assert len(lines) == 2
    code, out = findings(history, "--all", "--lang", "en")
    assert "  Resolved (1):" in out.splitlines()
    assert (f"  warning KAD-DIA-006 [KAD-2025-000123] resolved 2025-04-10T04:00:00Z by message {melding_id(2)} "
            "(opened 2025-03-05T05:00:00Z): ") in out


def test_csv_has_one_row_per_finding(history):
    code, out = findings(history, "--format", "csv", "--all")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["state"], r["rule_id"], r["opphold_id"], r["closed_by"]) for r in rows] == [
        ("open", "KAD-REG-005", "KAD-2025-000125", ""), ("resolved", "KAD-DIA-006", "KAD-2025-000123", melding_id(2))]
    assert rows[0]["virksomhet"] == UNIT and rows[0]["opened_utc"] == "2025-04-10T04:00:00Z"


def test_unit_option_and_an_unknown_unit(history):
    assert findings_json(history, "--unit", "999999999")["units"] == []
    code, out = findings(history, "--unit", "999999999")
    assert code == 0 and out == "Registeret har ingen meldinger fra virksomheten 999999999.\n"
    assert [u["virksomhet"] for u in findings_json(history, "--unit", UNIT)["units"]] == [UNIT]


def test_an_empty_register(register_url):
    code, out = findings(register_url)
    assert (code, out) == (0, "Registeret har ingen meldinger ennå.\n")


def test_no_output_shows_a_person_id(history):
    for fmt in ("text", "json", "csv"):
        for lang in ("nb", "en"):
            code, out = findings(history, "--format", fmt, "--lang", lang, "--all")
            assert code == 0
            assert not [number for number in PERSON_IDS if number in out]


def test_not_a_register_is_exit_2(tmp_path):
    other = tmp_path / "other.db"
    other.write_bytes(b"this is not a database" * 100)
    result = invoke("register", "findings", "--db", f"sqlite:///{other}")
    assert result.exit_code == 2 and "ikke et kad-spec-register" in result.stderr
