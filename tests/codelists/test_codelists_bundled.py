"""The bundled code lists: completeness, dates and successors, verified against independent data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from kad_spec.codelists import ICD10, ICPC2, load_codelists, looks_like, normalise_icd10

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
EXPECTED_COUNTS = {2017: 426, 2018: 422, 2019: 422, 2020: 356, 2021: 356, 2022: 356, 2023: 356, 2024: 357}


@pytest.fixture(scope="module")
def lists():
    return load_codelists()


def municipalities_on(lists, day: date) -> set[str]:
    kommuner = lists["kommunenummer"]
    return {c for c in kommuner.codes_on(day) if kommuner.lookup(c, day).kind != "special"}


def test_all_named_lists_exist(lists):
    expected = {"kjonn", "id_type", "status", "tjenester_og_vesen", "ut_til", "kodeverk", "miljo",
                "kommunenummer", "icpc2", "icd10"}
    assert expected <= set(lists.names())


@pytest.mark.parametrize("year,count", sorted(EXPECTED_COUNTS.items()))
def test_municipality_count_per_year(lists, year, count):
    assert len(municipalities_on(lists, date(year, 7, 1))) == count
    assert len(municipalities_on(lists, date(year, 1, 1))) == count
    assert len(municipalities_on(lists, date(year, 12, 31))) == count


@pytest.mark.skipif(not (REFERENCE / "kommunenummer-by-year.json").is_file(), reason="../shared/reference absent")
@pytest.mark.parametrize("year", range(2017, 2025))
def test_municipalities_match_independent_reference(lists, year):
    reference = json.loads((REFERENCE / "kommunenummer-by-year.json").read_text(encoding="utf-8"))
    assert municipalities_on(lists, date(year, 7, 1)) == set(reference[str(year)])


@pytest.mark.parametrize("code,day,status", [
    ("1201", "2019-06-01", "valid"), ("1201", "2021-06-01", "not_valid_on_date"),
    ("3001", "2023-06-01", "valid"), ("3001", "2024-03-01", "not_valid_on_date"),
    ("1580", "2024-06-01", "valid"), ("1580", "2022-06-01", "not_valid_on_date"),
    ("1507", "2023-12-31", "valid"), ("1507", "2024-01-01", "not_valid_on_date"),
    ("1508", "2024-01-01", "valid"), ("1534", "2019-12-31", "valid"),
    ("1567", "2018-12-31", "valid"), ("1567", "2019-01-01", "not_valid_on_date"),
    ("0000", "2022-06-01", "unknown"), ("9999", "2022-06-01", "valid"),
])
def test_municipality_validity_by_date(lists, code, day, status):
    assert lists["kommunenummer"].check(code, date.fromisoformat(day)).status == status


def test_successors_and_periods(lists):
    kommuner = lists["kommunenummer"]
    (bergen,) = kommuner.entries("1201")
    assert (bergen.valid_to, bergen.successor) == (date(2019, 12, 31), ("4601",))
    (halden,) = kommuner.entries("3001")
    assert (halden.valid_from, halden.valid_to, halden.successor) == (date(2020, 1, 1), date(2023, 12, 31), ("3101",))
    assert kommuner.entries("1507")[0].successor == ("1508", "1580")
    assert kommuner.entries("1534")[0].successor == ("1507",)
    result = kommuner.check("3001", date(2024, 3, 1))
    assert "2020-01-01–2023-12-31" in result.describe() and "3101" in result.describe()


def test_every_successor_is_a_code_valid_the_day_after(lists):
    kommuner = lists["kommunenummer"]
    for entry in kommuner.all_entries():
        for successor in entry.successor:
            assert kommuner.lookup(successor, entry.valid_to.fromordinal(entry.valid_to.toordinal() + 1)), entry


def test_special_values_are_marked(lists):
    kommuner = lists["kommunenummer"]
    for code in ("2111", "2211", "9999"):
        assert kommuner.lookup(code, date(2025, 1, 1)).kind == "special"


def test_icd10_and_icpc2_sizes(lists):
    icd10, icpc2 = lists["icd10"], lists["icpc2"]
    assert 19_500 <= len(icd10) <= 19_800
    kinds = [icpc2.entries(c)[0].kind for c in icpc2.codes()]
    assert kinds.count("process") == 40 and kinds.count("") == 708
    assert {f"-{n}" for n in range(30, 70)} == {c for c in icpc2.codes() if c.startswith("-")}
    assert all("." not in c for c in icd10.codes())


def test_every_bundled_diagnosis_code_is_valid_inside_each_of_its_periods(lists):
    for name in ("icd10", "icpc2"):
        lst = lists[name]
        for entry in lst.all_entries():
            for day in (entry.valid_from, entry.valid_to):
                check = lst.check(entry.code, day)
                assert check.ok and not check.outside_coverage, (name, entry.code, day)


@pytest.mark.parametrize("code", ["A0", "A00", "B00-B09", "I", "E70.2", "XYZ", "J1899", "K999", "-70", "-29", "1201", ""])
def test_non_codes_are_rejected(lists, code):
    # A00 is a block heading in ICD-10 (not reportable); E70.2 must be sent undotted.
    in_icd = lists["icd10"].check(code, date(2026, 5, 1)).ok
    in_icpc = lists["icpc2"].check(code, date(2026, 5, 1)).ok
    assert not in_icd and not in_icpc


def test_date_outside_every_edition_uses_nearest(lists):
    icd10 = lists["icd10"]
    known = icd10.check("J189", date(2019, 3, 1))  # ICD-10 editions start with 2020
    assert known.ok and known.outside_coverage and known.edition == "2020"
    assert icd10.check("J999", date(2019, 3, 1)).status == "not_in_nearest_edition"
    assert icd10.check("J999", date(2021, 3, 1)).status == "unknown"  # 2021 has its own edition


def test_diagnosis_system_helpers(lists):
    assert normalise_icd10(" E70.2 ") == "E702"
    assert normalise_icd10("I21.0a") == "I210a"  # the official lower case is kept
    assert looks_like("J18.9", lists) == ICD10
    assert looks_like("J189", lists) == ICD10
    assert looks_like("R991", lists) == ICPC2
    assert looks_like("-45", lists) == ICPC2
    assert looks_like("R81", lists) == ICPC2  # in both lists: the 3-character form is ICPC-2
    assert looks_like("C50", lists) == ICD10  # C is not an ICPC-2 chapter
    assert looks_like("hello", lists) is None


def test_small_lists_have_oid_and_english(lists):
    for name, oid in [("kjonn", "3101"), ("id_type", "8116"), ("status", "7316"),
                      ("tjenester_og_vesen", "8404"), ("ut_til", "7300")]:
        lst = lists[name]
        assert lst.oid == f"2.16.578.1.12.4.1.1.{oid}"
        assert all(e.text and e.text_en for e in lst.all_entries())
    assert lists["kjonn"].codes() == ["0", "1", "2", "9"]
    assert set(lists["kodeverk"].codes()) == {"2.16.578.1.12.4.1.1.7170", "2.16.578.1.12.4.1.1.7110"}


def test_editions_used_are_recorded():
    lists = load_codelists()
    lists.reset_usage()
    lists["kommunenummer"].check("3001", date(2021, 1, 1))
    assert lists.editions_used() == {"kommunenummer": "Kommuneinndeling 2020"}
    assert lists["kommunenummer"].edition_label(date(2024, 2, 1)) == "Kommuneinndeling 2024"


def test_unknown_list_is_key_error(lists):
    with pytest.raises(KeyError):
        lists["nope"]


def test_loader_does_not_import_linkml():
    import subprocess
    import sys

    code = ("import sys; from kad_spec.codelists import load_codelists; l = load_codelists(); "
            "[l[n] for n in l.names()]; print('linkml' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
