"""The activity report against a fixture computed by hand (tests/fixtures/activity/).

The fixture: three files. a-mars.json (unit 310000019, created 2025-04-01) has 13 records
KAD-1 … KAD-13; b-april.json (same unit, created 2025-04-02) replaces KAD-11 (M, now
discharged across the summer-time change), cancels KAD-12 (C) and adds KAD-14;
c-annen-enhet.json (unit 310000043) has its own KAD-1. KAD-13's admission time does not exist
(month 13), so it cannot be used. That leaves 13 stays:

    stay  age sex adm → dis (local)              LOS d   dx in → dx out        8404 → 7300
    a1    84  K   02-27 10:00 → 03-01 10:00      2.0     ICPC R81 → ICD J189   28 → 1
    a2    45  M   03-01 08:00 → 03-01 20:00      0.5     ICPC R81 → ICPC R78   28 → 1
    a3    70  K   03-02 12:00 → 03-05 12:00      3.0     ICD I509 → ICD I509   41 → 31
    a4    90  K   03-03 00:00 → 03-04 12:00      1.5     ICD R53 → ICD J189    28 → 31
    a5    12  M   03-05 09:00 → 03-06 09:00      1.0     ICPC A04 → ICPC K77   1 → 1
    a6    67  M   03-10 10:00 → 03-17 10:00      7.0     ICPC U71 → ICPC U71   28 → 35
    a7    55  K   03-15 10:00 → (pågår)                  ICPC K77              88
    a8    82  M   01-20 10:00 → (pågår)                  ICPC P76              88
    a9    79  K   03-20 06:00 → 03-22 18:00      2.5     ICD J189 → ICD J189   28 → 1
    a10   30  K   03-25 10:00 → 03-26 10:00      1.0     ICPC R81 → ICPC R81   28 → 1
    b11   88  M   03-28 10:00 → 03-30 10:00      47/24   ICPC R81 → ICD J189   28 → 2
    b14    8  K   04-01 08:00 → 04-01 16:00      8/24    ICD J189 → ICD J209   9 → 21
    c1    50  M   03-08 12:00 → 03-09 12:00      1.0     ICPC R81 → ICPC R81   28 → 1

The reference day is the last day the data speaks of: 2025-04-02 (b-april.json's creation).
"""

from __future__ import annotations

import re

import json
from datetime import date
from pathlib import Path

import pytest

from kad_spec.activity import build_report, render_html, render_json
from kad_spec.activity.chapters import icd10_chapter, icpc2_chapter
from kad_spec.activity.suppression import Cell, share, suppress_series, suppress_table

FIXTURES = Path(__file__).parent / "fixtures" / "activity"
FILES = sorted(FIXTURES.glob("*.json"))
HIDDEN = Cell(None, True)


def ns(cells):
    """Published counts as plain values: an int, or None when suppressed."""
    return [None if c.suppressed else c.n for c in cells]


@pytest.fixture(scope="module")
def raw():
    """Every count shown: with a threshold of 1 only zero… and nothing else is small."""
    return build_report(FILES, min_cell=1)


@pytest.fixture(scope="module")
def protected():
    return build_report(FILES, min_cell=5)


# --- reading, replacing, cancelling -----------------------------------------------------------

def test_records_are_deduplicated_by_unit_and_stay_id(raw):
    assert raw.files == 3 and raw.files_unreadable == 0
    assert raw.records_read.n == 17  # 13 + 3 + 1
    assert raw.replaced.n == 2  # KAD-11 by M, KAD-12 by C
    assert raw.cancelled.n == 1  # KAD-12
    assert raw.unusable.n == 1  # KAD-13
    assert raw.stays.n == 13  # c1 shares KAD-1 with a1 but belongs to another unit
    assert raw.reference_day == date(2025, 4, 2)
    assert raw.first_day == date(2025, 1, 20)


def test_file_order_does_not_decide_when_messages_say_when_they_were_made():
    """b-april.json is newer than a-mars.json; giving it first must not undo its M and C."""
    reverse = build_report(list(reversed(FILES)), min_cell=1, validate=False)
    assert reverse.stays.n == 13 and reverse.cancelled.n == 1
    assert reverse.length_of_stay.discharged.n == 11


# --- activity --------------------------------------------------------------------------------

def test_stays_per_month(raw, protected):
    assert raw.per_month.labels == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert ns(raw.per_month.cells) == [1, 1, 10, 1]
    assert raw.per_month.total.n == 13
    # January, February and April are under 5; three hidden counts cannot be told apart.
    assert ns(protected.per_month.cells) == [None, None, 10, None]
    assert protected.per_month.total.n == 13


def test_occupancy_is_a_midnight_census_through_the_reference_day(raw, protected):
    occ = raw.occupancy
    assert occ.days[0] == "2025-01-20" and occ.days[-1] == "2025-04-02" and len(occ.days) == 73
    by_day = dict(zip(occ.days, ns(occ.cells)))
    assert by_day["2025-01-20"] == 1  # a8 only
    assert by_day["2025-02-27"] == 2  # a8, a1
    assert by_day["2025-03-01"] == 1  # a1 left that day, a2 came and went the same day
    assert by_day["2025-03-03"] == 3  # a8, a3, a4
    assert by_day["2025-03-30"] == 2  # b11 discharged on the 30th: a8, a7
    assert by_day["2025-04-01"] == 2  # b14 came and went: a8, a7
    assert by_day["2025-04-02"] == 2  # ongoing stays count through the reference day
    # Bed-days: a1 2, a3 3, a4 1, a5 1, a6 7, a7 19, a8 73, a9 2, a10 1, b11 2, c1 1 = 112.
    assert sum(by_day.values()) == 112
    assert occ.mean == round(112 / 73, 1) == 1.5
    assert occ.peak.n == 3
    assert all(c.suppressed for c in protected.occupancy.cells if c.n != 0)
    assert protected.occupancy.peak == HIDDEN


def test_length_of_stay(raw, protected):
    los = raw.length_of_stay
    # Sorted: 8/24, 0.5, 1, 1, 1, 1.5, 47/24, 2, 2.5, 3, 7 -> median the 6th, p90 at position 9.
    assert los.discharged.n == 11
    assert los.median_days == 1.5
    assert los.p90_days == 3.0
    assert los.buckets.labels == ["<1", "1–<2", "2–<3", "3–<5", "5–<7", "7–<14", "14+"]
    assert ns(los.buckets.cells) == [2, 5, 2, 1, 0, 1, 0]
    assert ns(protected.length_of_stay.buckets.cells) == [None, 5, None, None, 0, None, 0]
    assert protected.length_of_stay.median_days == 1.5  # 11 stays: enough for the statistics


def test_length_of_stay_is_hours_over_24_across_summer_time():
    """b11: 2025-03-28 10:00 → 03-30 10:00 local is 47 hours (the clock skipped 02:00–03:00)."""
    report = build_report([FIXTURES / "b-april.json"], min_cell=1, validate=False)
    # b-april.json alone: b11 47/24 = 1.958 and b14 8/24; KAD-12 is a cancellation.
    assert report.length_of_stay.discharged.n == 2
    assert report.length_of_stay.median_days == round((47 / 24 + 8 / 24) / 2, 1) == 1.1
    assert ns(report.length_of_stay.buckets.cells)[:2] == [1, 1]


def test_age_group_and_sex(raw, protected):
    table = raw.age_sex
    assert table.rows == ["0–17", "18–49", "50–66", "67–79", "80+"]
    assert table.columns == ["1", "2"]
    assert [ns(row) for row in table.table.cells] == [[1, 1], [1, 1], [1, 1], [1, 2], [2, 2]]
    assert ns(table.table.row_totals) == [2, 2, 2, 3, 4]
    assert ns(table.table.column_totals) == [6, 7]
    assert table.table.total.n == 13
    hidden = protected.age_sex.table
    assert all(c.suppressed for row in hidden.cells for c in row)
    assert ns(hidden.row_totals) == [None] * 5
    assert ns(hidden.column_totals) == [6, 7] and hidden.total.n == 13


# --- diagnoses ---------------------------------------------------------------------------------

def top(report, system, side):
    return next(t for t in report.top_codes if t.system == system and t.side == side)


def test_most_frequent_diagnoses(raw, protected):
    icpc_in = top(raw, "ICPC-2", "innskrivning")
    assert [(c.code, c.count.n) for c in icpc_in.codes] == [("R81", 5), ("A04", 1), ("K77", 1), ("P76", 1), ("U71", 1)]
    assert icpc_in.codes[0].text == "Lungebetennelse"  # bokmål text from the bundled ICPC-2 list
    assert icpc_in.stays_with_code.n == 9
    assert [(c.code, c.count.n) for c in top(raw, "ICD-10", "innskrivning").codes] == [("J189", 2), ("I509", 1), ("R53", 1)]
    assert [(c.code, c.count.n) for c in top(raw, "ICPC-2", "utskrivning").codes] == [("R81", 2), ("K77", 1), ("R78", 1), ("U71", 1)]
    icd_out = top(raw, "ICD-10", "utskrivning")
    assert [(c.code, c.count.n) for c in icd_out.codes] == [("J189", 4), ("I509", 1), ("J209", 1)]
    assert icd_out.stays_with_code.n == 6
    # With protection only codes with at least 5 stays are listed; the rest are counted as hidden.
    assert [(c.code, c.count.n) for c in top(protected, "ICPC-2", "innskrivning").codes] == [("R81", 5)]
    assert top(protected, "ICPC-2", "innskrivning").hidden_codes == 4
    assert top(protected, "ICD-10", "utskrivning").codes == []
    assert top(protected, "ICD-10", "utskrivning").hidden_codes == 3


def test_chapter_change_within_one_code_system(raw, protected):
    icpc, icd = raw.chapter_changes
    # ICPC-2: a2 R→R, a6 U→U, a10 R→R, c1 R→R same; a5 A→K changed.
    assert (icpc.system, icpc.same.n, icpc.changed.n, icpc.comparable.n, icpc.share_changed) == ("ICPC-2", 4, 1, 5, 20.0)
    # ICD-10: a3 IX→IX, a9 X→X, b14 J189→J209 X→X same; a4 R53 XVIII → J189 X changed.
    assert (icd.system, icd.same.n, icd.changed.n, icd.comparable.n, icd.share_changed) == ("ICD-10", 3, 1, 4, 25.0)
    assert raw.not_comparable.n == 2  # a1 and b11 go from ICPC-2 to ICD-10
    p_icpc, p_icd = protected.chapter_changes
    assert (p_icpc.same, p_icpc.changed, p_icpc.comparable.n, p_icpc.share_changed) == (HIDDEN, HIDDEN, 5, None)
    assert (p_icd.same, p_icd.changed, p_icd.comparable, p_icd.share_changed) == (HIDDEN, HIDDEN, HIDDEN, None)


def test_chapters():
    assert icd10_chapter("A099") == "I" and icd10_chapter("B99") == "I"
    assert icd10_chapter("D489") == "II" and icd10_chapter("D50") == "III"
    assert icd10_chapter("H59") == "VII" and icd10_chapter("H60") == "VIII"
    assert icd10_chapter("J189") == "X" and icd10_chapter("R53") == "XVIII"
    assert icd10_chapter("T983") == "XIX" and icd10_chapter("U071") == "XXII"
    assert icd10_chapter("V01") == "XX" and icd10_chapter("Y98") == "XX" and icd10_chapter("Z515") == "XXI"
    assert icd10_chapter("J") is None
    assert icpc2_chapter("R81") == "R" and icpc2_chapter("-30") is None


# --- flows ---------------------------------------------------------------------------------------

def test_referral_to_discharge_matrix(raw, protected):
    flows = raw.flows
    assert flows.rows == ["1", "9", "28", "41", "88"]
    assert flows.columns == ["1", "2", "21", "31", "35", "pågår"]
    assert [ns(row) for row in flows.table.cells] == [
        [1, 0, 0, 0, 0, 0],
        [0, 0, 1, 0, 0, 0],
        [5, 1, 0, 1, 1, 0],
        [0, 0, 0, 1, 0, 0],
        [0, 0, 0, 0, 0, 2],
    ]
    assert ns(flows.table.row_totals) == [1, 1, 8, 1, 2]
    assert ns(flows.table.column_totals) == [6, 1, 1, 2, 1, 2]
    # Protected: every 1 and 2 is hidden. Column "1" would then hold a single hidden count
    # (6 − 5 = 1), so its 5 is hidden too.
    cells = protected.flows.table
    assert ns(cells.cells[2]) == [None, None, 0, None, None, 0]
    assert ns(cells.row_totals) == [None, None, 8, None, None]
    assert ns(cells.column_totals) == [6, None, None, None, None, None]
    assert cells.total.n == 13


def test_discharged_to_hospital(raw, protected):
    # 11 discharged stays with a destination; a3 and a4 to 31; b14 to 21.
    assert (raw.to_hospital.part.n, raw.to_hospital.whole.n, raw.to_hospital.percent) == (2, 11, 18.2)
    assert (raw.to_hospital_or_own.part.n, raw.to_hospital_or_own.percent) == (3, 27.3)
    assert (protected.to_hospital.part, protected.to_hospital.whole.n, protected.to_hospital.percent) == (HIDDEN, 11, None)


# --- data quality --------------------------------------------------------------------------------

def test_completeness_of_voluntary_ids(raw):
    given = {c.field: (c.share.part.n, c.share.whole.n, c.share.percent) for c in raw.completeness}
    # Referrer over all 13 stays: orgnr a1 a3 a9; HER-id a1 a4 a6; either of them 5.
    assert given["henvist_fra.organisasjonsnummer"] == (3, 13, 23.1)
    assert given["henvist_fra.her_id"] == (3, 13, 23.1)
    assert given["henvist_fra.organisasjonsnummer_eller_her_id"] == (5, 13, 38.5)
    # Destination over the 11 discharged stays: orgnr a3 a4; HER-id a4 a6; either 3.
    assert given["utskrevet_til.organisasjonsnummer"] == (2, 11, 18.2)
    assert given["utskrevet_til.her_id"] == (2, 11, 18.2)
    assert given["utskrevet_til.organisasjonsnummer_eller_her_id"] == (3, 11, 27.3)


def test_open_stays(raw, protected):
    assert raw.ongoing.n == 2  # a7, a8
    assert raw.open_over_30_days.n == 1  # a8: admitted 72 days before 2025-04-02
    assert protected.open_over_30_days == HIDDEN
    later = build_report(FILES, min_cell=1, today=date(2025, 4, 20), validate=False)
    assert later.open_over_30_days.n == 2  # a7 is 36 days old on 2025-04-20


def test_findings_per_rule_come_from_validation(raw):
    from kad_spec.validation.engine import Settings, Validator

    validator = Validator(Settings())
    expected = {}
    for path in FILES:
        for finding in validator.validate_file(path).findings:
            expected[finding.rule_id] = expected.get(finding.rule_id, 0) + 1
    assert {r.rule_id: r.findings.n for r in raw.rules} == expected
    # KAD-13's month 13 is a time that does not exist (KAD-TID-007); it concerns one stay.
    missing_time = next(r for r in raw.rules if r.rule_id == "KAD-TID-007")
    assert (missing_time.findings.n, missing_time.stays.n, missing_time.severity) == (1, 1, "error")
    assert missing_time.title == "Tidspunktet finnes ikke"


def test_without_validation_there_are_no_rule_counts():
    report = build_report(FILES, min_cell=1, validate=False)
    assert report.rules == [] and not report.validated
    assert "ble ikke validert" in render_html(report)


# --- small-number protection ------------------------------------------------------------------------

def test_series_protection_hides_a_second_count_when_one_would_follow_from_the_total():
    cells, total = suppress_series([12, 3, 7, 0], 22, 5)
    assert ns(cells) == [12, None, None, 0] and total.n == 22
    cells, total = suppress_series([2, 1, 9], 12, 5)
    assert ns(cells) == [None, None, 9]  # two hidden already: nothing more to hide
    cells, total = suppress_series([3, 0], 3, 5)
    assert ns(cells) == [None, 0] and total.suppressed


def test_table_protection_covers_rows_columns_and_margins():
    table = suppress_table([[10, 2], [8, 9]], 5)
    # Row 0 and column 1 each have one hidden count: 10 and 9 follow, then 8 for column 0.
    assert [ns(row) for row in table.cells] == [[None, None], [None, None]]
    assert ns(table.row_totals) == [12, 17] and ns(table.column_totals) == [18, 11]
    table = suppress_table([[10, 20], [30, 40]], 5)
    assert [ns(row) for row in table.cells] == [[10, 20], [30, 40]] and table.total.n == 100


def test_share_protects_the_complement():
    assert share(9, 11, 5).percent is None  # 11 − 9 = 2 is small
    assert share(0, 11, 5).percent == 0.0
    assert share(6, 12, 5).percent == 50.0


# --- output --------------------------------------------------------------------------------------------

PERSON_IDS = {s["pasient"]["id"] for path in FILES for s in json.loads(path.read_text("utf-8"))["opphold"]}


@pytest.mark.parametrize("min_cell", [1, 5])
def test_no_person_id_or_stay_id_in_the_output(min_cell):
    report = build_report(FILES, min_cell=min_cell)
    for text in (render_html(report), render_html(report, "en"), render_json(report)):
        for person in PERSON_IDS:
            assert person not in text and person[:6] not in text
        assert "KAD-1" not in text


def test_a_person_id_written_into_a_code_field_is_masked(tmp_path):
    message = json.loads(FILES[0].read_text("utf-8"))
    person = message["opphold"][0]["pasient"]["id"]
    for stay in message["opphold"]:
        stay["henvist_fra"]["kategori"] = person
        stay["innskrivningsdiagnoser"][0]["kode"] = person
        stay["pasient"]["kjonn"] = person
    path = tmp_path / "feil.json"
    path.write_text(json.dumps(message), encoding="utf-8")
    report = build_report([path], min_cell=1)
    for text in (render_html(report), render_json(report)):
        assert person not in text and person[-2:] in text


def test_json_has_the_same_figures_and_marks_suppressed_cells(protected):
    data = json.loads(render_json(protected))
    assert data["min_cell"] == 5
    assert data["stays"] == {"n": 13, "suppressed": False}
    assert data["activity"]["per_month"]["cells"][0] == {"n": None, "suppressed": True}
    assert data["activity"]["length_of_stay"]["median_days"] == 1.5
    assert data["flows"]["referral_to_discharge"]["total"]["n"] == 13
    assert data["labels"]["ut_til"]["31"]["nb"] == "Annet somatisk sykehus i Norge"


def test_html_is_self_contained_and_in_bokmal(protected):
    html = render_html(protected)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="nb">' in html
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html and "@import" not in html
    assert re.findall(r"url\((?!#skjult-)", html) == []  # only the charts' own hatch patterns
    assert "Opphold per måned" in html and ">skjult</td>" in html and "<svg" in html
    assert "Lungebetennelse" in html  # R81's text
    assert 'lang="en"' in render_html(protected, "en")


def test_xml_messages_give_the_same_figures(tmp_path):
    from kad_spec.message import xmlmap

    xml_files = []
    for path in FILES:
        target = tmp_path / path.with_suffix(".xml").name
        target.write_bytes(xmlmap.to_xml(json.loads(path.read_text("utf-8"))))
        xml_files.append(target)
    for validate in (False, True):
        from_json = json.loads(render_json(build_report(FILES, min_cell=1, validate=validate)))
        from_xml = json.loads(render_json(build_report(xml_files, min_cell=1, validate=validate)))
        assert from_xml["activity"] == from_json["activity"]
        assert from_xml["flows"] == from_json["flows"]
        assert from_xml["diagnoses"] == from_json["diagnoses"]
        assert from_xml["records"] == from_json["records"]
    rules = {r["rule_id"] for r in from_xml["data_quality"]["rules"]}
    assert "KAD-TID-007" in rules  # validation ran on the XML too


def test_unreadable_file_is_counted_not_raised(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"meldingsinfo": ', encoding="utf-8")
    report = build_report([*FILES, broken], min_cell=1)
    assert report.files == 4 and report.files_unreadable == 1
    assert report.stays.n == 13
    assert any(r.rule_id.startswith("KAD-FIL") for r in report.rules)


def test_empty_input_gives_an_empty_report(tmp_path):
    empty = tmp_path / "tom.json"
    message = json.loads(FILES[0].read_text("utf-8"))
    message["opphold"] = []
    empty.write_text(json.dumps(message), encoding="utf-8")
    report = build_report([empty], min_cell=5)
    assert report.stays.n == 0 and report.per_month.cells == []
    assert "<svg" not in render_html(report).split("Opphold per måned")[1].split("</h3>")[1][:10]
    json.loads(render_json(report))


def test_min_cell_must_be_positive():
    with pytest.raises(ValueError):
        build_report(FILES, min_cell=0)


def test_cli_report_command(tmp_path):
    """`kad-spec report` writes the HTML (and JSON) report; a missing file is a usage error."""
    from typer.testing import CliRunner

    from kad_spec.cli import app

    runner = CliRunner()
    out = tmp_path / "rapport.html"
    result = runner.invoke(app, ["report", str(FIXTURES), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Opphold per måned" in out.read_text("utf-8")
    result = runner.invoke(app, ["report", str(FIXTURES), "--format", "json", "--min-cell", "1"])
    assert result.exit_code == 0 and json.loads(result.stdout)["stays"]["n"] == 13
    result = runner.invoke(app, ["report", str(tmp_path / "finnes-ikke.json")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_second_walk_over_the_stays_does_not_count_them_twice(tmp_path):
    """A file the piece reader gives up on at its end (a header member repeated after the stays)
    is read again by the streaming reader; the report counts every stay once all the same."""
    import copy

    from typer.testing import CliRunner

    from kad_spec.cli import app

    message = json.loads((Path(__file__).parents[1] / "examples" / "kad-melding.json").read_text("utf-8"))
    stays = []
    for i in range(5000):
        stay = copy.deepcopy(message["opphold"][i % len(message["opphold"])])
        stay["opphold_id"] = f"GJENTATT-{i}"
        stays.append(stay)
    message["opphold"] = stays
    text = json.dumps(message, ensure_ascii=False)
    path = tmp_path / "gjentatt.json"
    path.write_text(text[:-1] + ', "virksomhet": {}}', encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(path), "--format", "json", "--min-cell", "1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stays"]["n"] == 5000


def test_validating_reads_every_stay_into_the_report_once(tmp_path):
    """Validation and the report share one reading; each stay counts once, in JSON and in XML."""
    from kad_spec.message.xmlmap import to_xml

    as_xml = []
    for path in FILES:
        target = tmp_path / f"{path.stem}.xml"
        target.write_bytes(to_xml(json.loads(path.read_text("utf-8"))))
        as_xml.append(target)
    for files in (FILES, as_xml):
        validated = build_report(files, min_cell=1)
        unvalidated = build_report(files, min_cell=1, validate=False)
        assert validated.stays.n == unvalidated.stays.n == 13
