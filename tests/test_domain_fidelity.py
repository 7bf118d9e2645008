"""Domain fidelity through the CLI: official codes and identifiers accepted, every year against its
own edition (issue: official ICD-10 spelling, Tenor vectors, Oslo dates, Volven 3402 residence
codes, dated numbers, the spring gap, DUF check digits, chapter-bound process codes, official
process code texts, yearly editions, conversion tables).

Persons: the Tenor synthetic persons of the base example, numbers drawn with
``personnr.synthetic`` (Tenor, month + 80), and Skatteetaten's published synthetic test vectors
41819077906 and 41819077302 (Tenor D-numbers that Skatteetaten's reference validator for
fødselsnummer and D-nummer marks valid). Independent facts come from the upstream files in
``../shared/upstream/diagnosekoder`` (the directorate's editions as NAV exported them).
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import re
from datetime import date
from pathlib import Path

import pytest

from conftest import ROOT, base_message, json_report, run_cli
from kad_spec.codelists import load_codelists
from kad_spec.codelists.conversion import icd10_for
from kad_spec.ids import personnr

UPSTREAM = ROOT.parent / "shared" / "upstream" / "diagnosekoder"
SKATTEETATEN_VECTORS = ("41819077906", "41819077302")
ICPC2_CHAPTERS = "ABDFHKLNPRSTUWXYZ"


# --- helpers ------------------------------------------------------------------------------------
def one_stay(year: int = 2025, month: int = 3, day: int = 1, municipality: str | None = None) -> dict:
    """The base example cut to its first stay (Tenor FNR, born 12 March 1940), moved to a date,
    with the municipality numbers valid then (Fredrikstad 0106 / 3004 / 3107)."""
    message = base_message()
    message["opphold"] = message["opphold"][:1]
    stay = message["opphold"][0]
    stay["innleggelsestidspunkt"] = f"{year}-{month:02d}-{day:02d}T10:00:00"
    stay["utskrivningstidspunkt"] = f"{year}-{month:02d}-{day:02d}T20:00:00"
    stay["pasient"]["alder"] = personnr.age_on(stay["pasient"]["id"], date(year, month, day))
    fredrikstad = municipality or ("0106" if year < 2020 else "3004" if year < 2024 else "3107")
    stay["pasient"]["bostedskommune"] = fredrikstad
    message["virksomhet"]["tjenestekommuner"] = [fredrikstad]
    message["meldingsinfo"]["opprettet"] = f"{year}-12-31T23:00:00+01:00"
    return message


def validate(message: dict, tmp_path: Path, name: str = "melding.json") -> tuple[int, list[dict]]:
    path = tmp_path / name
    path.write_text(json.dumps(message, ensure_ascii=False), encoding="utf-8")
    code, report = json_report(str(path))
    return code, [f for file in report["files"] for f in file["findings"]]


def rules(findings: list[dict], prefix: str = "KAD-") -> list[str]:
    return sorted(f["rule_id"] for f in findings if f["rule_id"].startswith(prefix))


def with_diagnosis(message: dict, system: str, code: str, side: str = "utskrivningsdiagnoser") -> dict:
    message["opphold"][0][side] = [{"kodeverk": system, "kode": code}]
    return message


def upstream_codes(file: str) -> list[dict]:
    return json.loads((UPSTREAM / file).read_text(encoding="utf-8"))


# --- 1. official ICD-10 spelling ----------------------------------------------------------------
@pytest.mark.parametrize("code", ["I210a", "I210b", "V0n0a", "T4n"])
def test_official_lower_case_spelling_is_accepted(tmp_path, code):
    exit_code, findings = validate(with_diagnosis(one_stay(), "ICD-10", code), tmp_path)
    assert (exit_code, findings) == (0, [])


def test_other_letter_case_is_a_warning_naming_the_official_form(tmp_path):
    exit_code, findings = validate(with_diagnosis(one_stay(), "ICD-10", "I210A"), tmp_path)
    assert exit_code == 0
    (finding,) = findings
    assert (finding["rule_id"], finding["severity"]) == ("KAD-DIA-008", "warning")
    assert "I210a" in finding["message"] and "I210A" in finding["message"]


def test_upper_case_of_a_valid_code_is_checked_like_the_official_one(tmp_path):
    # I210A in a 2019 stay: no edition covers 2019, so the nearest (2020) has I210a: no error.
    exit_code, findings = validate(with_diagnosis(one_stay(2019), "ICD-10", "I210A"), tmp_path)
    assert exit_code == 0 and rules(findings) == ["KAD-DIA-008"]


def test_every_official_lower_case_code_of_every_edition_is_bundled_in_that_spelling():
    icd10 = load_codelists()["icd10"]
    for year in range(2020, 2027):
        lower = [r["code"] for r in upstream_codes(f"icd10-{year}.json") if r["code"] != r["code"].upper()]
        assert len(lower) == 5984
        on = date(year, 6, 1)
        assert all(icd10.lookup(code, on) is not None for code in lower), year


def test_lookup_finds_a_code_in_any_letter_case():
    for query in ("I210A", "i210a", "I21.0a"):
        code, out, _ = run_cli("codelists", "lookup", "icd10", query)
        assert code == 0 and out.startswith("I210a Akutt transmuralt hjerteinfarkt type 4a"), query


def test_schema_patterns_allow_the_official_spelling():
    schema = json.loads((ROOT / "generated" / "jsonschema" / "kad.schema.json").read_text(encoding="utf-8"))
    patterns = re.findall(r'"pattern": "([^"]*A-Za-z[^"]*)"', json.dumps(schema))
    assert patterns, "the diagnosis code patterns allow lower-case letters"
    xsd = (ROOT / "generated" / "xsd" / "kad.xsd").read_text(encoding="utf-8")
    assert "A-Za-z" in xsd


def test_xml_message_with_the_official_spelling_is_accepted(tmp_path):
    message = with_diagnosis(one_stay(), "ICD-10", "I210a")
    source = tmp_path / "m.json"
    source.write_text(json.dumps(message, ensure_ascii=False), encoding="utf-8")
    target = tmp_path / "m.xml"
    code, out, err = run_cli("convert", source, target)
    assert code == 0, out + err
    code, report = json_report(str(target))
    assert code == 0 and [f for file in report["files"] for f in file["findings"]] == []


# --- 2. Skatteetaten's synthetic test persons ---------------------------------------------------
@pytest.mark.parametrize("number", SKATTEETATEN_VECTORS)
@pytest.mark.parametrize(("sex", "age"), [("1", 3), ("2", 90)])
def test_skatteetaten_vectors_are_valid_and_age_and_sex_say_nothing(tmp_path, number, sex, age):
    message = one_stay()
    patient = message["opphold"][0]["pasient"]
    patient.update(id_type="DNR", id=number, kjonn=sex, alder=age)
    exit_code, findings = validate(message, tmp_path)
    assert (exit_code, rules(findings, "KAD-ID-")) == (0, [])


def test_real_looking_number_outside_the_century_table_is_still_an_error(tmp_path):
    # Tenor 10824580036 without its + 80: a classic FNR with YY 45 and individual 800.
    digits = "100145800"
    k1 = (11 - sum(int(c) * w for c, w in zip(digits, (3, 7, 6, 1, 8, 9, 4, 5, 2))) % 11) % 11
    k2 = (11 - sum(int(c) * w for c, w in zip(digits + str(k1), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))) % 11) % 11
    assert k1 < 10 and k2 < 10
    message = one_stay()
    message["opphold"][0]["pasient"]["id"] = f"{digits}{k1}{k2}"
    message["meldingsinfo"]["miljo"] = "produksjon"
    exit_code, findings = validate(message, tmp_path)
    assert exit_code == 1 and rules(findings, "KAD-ID-") == ["KAD-ID-002"]
    assert f"{digits}{k1}{k2}" not in json.dumps(findings)


# --- 3. times with an offset or Z: the Oslo date ------------------------------------------------
def _born_1_march_2000() -> str:
    return personnr.synthetic(date(2000, 3, 1), "1", random.Random(7))


@pytest.mark.parametrize(("age", "expected"), [(25, []), (24, ["KAD-ID-008"])])
def test_age_is_counted_to_the_oslo_date(tmp_path, age, expected):
    message = one_stay(2025, 3, 1)
    stay = message["opphold"][0]
    stay["pasient"].update(id=_born_1_march_2000(), kjonn="1", alder=age)
    stay["innleggelsestidspunkt"] = "2025-02-28T23:30:00Z"  # 00:30 on 1 March in Oslo
    _, findings = validate(message, tmp_path)
    assert rules(findings, "KAD-ID-") == expected


def test_the_2017_limit_uses_the_oslo_date(tmp_path):
    message = one_stay(2017, 1, 1)
    stay = message["opphold"][0]
    stay["innleggelsestidspunkt"] = "2016-12-31T23:30:00Z"  # 00:30 on 1 January 2017 in Oslo
    stay["pasient"]["alder"] = 76
    exit_code, findings = validate(message, tmp_path)
    assert "KAD-TID-003" not in rules(findings)
    stay["innleggelsestidspunkt"] = "2016-12-31T23:30:00+01:00"  # still 2016 in Oslo
    _, findings = validate(message, tmp_path)
    assert "KAD-TID-003" in rules(findings)


def test_municipality_and_code_list_edition_use_the_oslo_date(tmp_path):
    message = one_stay(2020, 1, 1)
    stay = message["opphold"][0]
    stay["pasient"]["alder"] = 79
    stay["innleggelsestidspunkt"] = "2019-12-31T23:30:00Z"  # 2020-01-01 in Oslo: Fredrikstad is 3004
    with_diagnosis(message, "ICD-10", "J999")
    _, findings = validate(message, tmp_path)
    assert rules(findings) == ["KAD-DIA-003"]  # the 2020 edition covers the day: an error naming it
    assert "2020" in next(f["message"] for f in findings if f["rule_id"] == "KAD-DIA-003")
    stay["innleggelsestidspunkt"] = "2019-12-31T23:30:00+01:00"  # 2019 in Oslo
    _, findings = validate(message, tmp_path)
    assert rules(findings) == ["KAD-DIA-004", "KAD-KL-002", "KAD-KL-003"]


def test_activity_report_counts_a_stay_on_its_oslo_date(tmp_path):
    message = one_stay(2025, 2, 1)
    stay = message["opphold"][0]
    stay["innleggelsestidspunkt"] = "2025-01-31T23:30:00Z"  # 1 February in Oslo
    stay["utskrivningstidspunkt"] = "2025-02-01T22:30:00Z"  # 23:30 on 1 February in Oslo
    (tmp_path / "m.json").write_text(json.dumps(message), encoding="utf-8")
    code, out, err = run_cli("report", tmp_path / "m.json", "--format", "json", "--min-cell", "1")
    assert code == 0, err
    report = json.loads(out)
    per_month = report["activity"]["per_month"]
    assert [label for label, cell in zip(per_month["labels"], per_month["cells"]) if cell["n"]] == ["2025-02"]


# --- 4. Volven 3402 residence codes ---------------------------------------------------------------
@pytest.mark.parametrize("code", ["2100", "2101", "2119", "2111", "2121", "2131", "2211", "2511", "2599", "9999"])
def test_residence_codes_are_valid_bostedskommune(tmp_path, code):
    message = one_stay()
    message["opphold"][0]["pasient"]["bostedskommune"] = code
    exit_code, findings = validate(message, tmp_path)
    assert (exit_code, findings) == (0, [])


@pytest.mark.parametrize("code", ["2100", "2599", "2511", "9999"])
def test_residence_codes_are_no_service_municipality(tmp_path, code):
    message = one_stay()
    message["virksomhet"]["tjenestekommuner"] = ["3107", code]
    exit_code, findings = validate(message, tmp_path)
    assert exit_code == 1 and rules(findings) == ["KAD-KL-003"]


def test_docs_no_longer_say_residence_abroad_has_no_code():
    text = (ROOT / "codelists" / "README.md").read_text(encoding="utf-8")
    assert "which has no municipality code" not in text
    assert "2599 | Utlandet, uspesifisert" in text


# --- 5. age against a number that may carry a registration date ----------------------------------
def test_age_against_a_d_number_is_a_warning_that_says_why(tmp_path):
    message = one_stay()
    number = personnr.synthetic(date(1960, 5, 4), "2", random.Random(3), d_number=True)
    message["opphold"][0]["pasient"].update(id_type="DNR", id=number, kjonn="2", alder=50)
    exit_code, findings = validate(message, tmp_path)
    assert exit_code == 0
    (finding,) = findings
    assert (finding["rule_id"], finding["severity"]) == ("KAD-ID-009", "warning")
    assert "ikke alltid fødselsdatoen" in finding["message"]


def test_age_against_a_2032_number_is_a_warning(tmp_path):
    message = one_stay()
    number = personnr.synthetic(date(1960, 5, 4), "2", random.Random(3), scheme="2032")
    message["opphold"][0]["pasient"].update(id=number, alder=50)
    exit_code, findings = validate(message, tmp_path)
    assert exit_code == 0 and rules(findings) == ["KAD-ID-009"]


def test_age_against_a_classic_fodselsnummer_stays_an_error(tmp_path):
    message = one_stay()
    message["opphold"][0]["pasient"]["alder"] = 50
    exit_code, findings = validate(message, tmp_path)
    assert exit_code == 1 and rules(findings) == ["KAD-ID-008"]
    assert [f["severity"] for f in findings] == ["error"]


# --- 6. the spring gap ---------------------------------------------------------------------------
def test_spring_gap_time_is_a_warning_read_as_standard_time(tmp_path):
    message = one_stay(2025, 3, 30)
    stay = message["opphold"][0]
    stay["innleggelsestidspunkt"] = "2025-03-30T02:30:00"
    stay["utskrivningstidspunkt"] = "2025-03-30T03:45:00"  # 15 minutes later on the +01:00 reading
    stay["pasient"]["alder"] = 85
    exit_code, findings = validate(message, tmp_path)
    assert exit_code == 0
    (finding,) = findings
    assert (finding["rule_id"], finding["severity"]) == ("KAD-TID-004", "warning")
    assert "+01:00" in finding["message"]
    # 02:30 read as +01:00 is 01:30 UTC, so 03:15 summer time (01:15 UTC) is before it; read as
    # +02:00 it would be 00:30 UTC and this discharge after it.
    stay["utskrivningstidspunkt"] = "2025-03-30T03:15:00"
    _, findings = validate(message, tmp_path)
    assert "KAD-TID-001" in rules(findings)


def test_the_rule_gives_its_reason():
    text = (ROOT / "model" / "rules" / "tid.yaml").read_text(encoding="utf-8")
    entry = text[text.index("KAD-TID-004:"):text.index("KAD-TID-005:")]
    assert "severity: warning" in entry and "entydig" in entry


# --- 7. DUF check digits --------------------------------------------------------------------------
def _duf(first_ten: str) -> str:
    """Independent: weights 4,6,3,2,4,6,3,2,7,5; sum mod 11 written as two digits (SSB's validators)."""
    return first_ten + "%02d" % (sum(int(c) * w for c, w in zip(first_ten, (4, 6, 3, 2, 4, 6, 3, 2, 7, 5))) % 11)


@pytest.mark.parametrize("first_ten", ["2019249523", "2001000001", "2024123456"])
def test_duf_with_right_check_digits_passes_and_wrong_ones_fail(tmp_path, first_ten):
    good = _duf(first_ten)
    message = one_stay()
    message["opphold"][0]["pasient"].update(id_type="DUF", id=good)
    _, findings = validate(message, tmp_path)
    assert rules(findings, "KAD-ID-") == ["KAD-ID-006"]  # a real-person type in a test message: a warning
    wrong = good[:10] + "%02d" % ((int(good[10:]) + 1) % 11)
    message["opphold"][0]["pasient"]["id"] = wrong
    exit_code, findings = validate(message, tmp_path)
    assert exit_code == 1 and rules(findings, "KAD-ID-") == ["KAD-ID-004"]
    assert "kontrollsifrene" in findings[0]["message"] and wrong not in json.dumps(findings)


# --- 8. chapter-bound ICPC-2 process codes --------------------------------------------------------
def test_every_chapter_bound_process_code_is_a_process_code(tmp_path):
    codes = [f"{letter}{n}" for letter in ICPC2_CHAPTERS for n in range(30, 70)]
    assert len(codes) == 680
    message = one_stay()
    message["opphold"][0]["innskrivningsdiagnoser"] = [{"kodeverk": "ICPC-2", "kode": c} for c in codes]
    exit_code, findings = validate(message, tmp_path)
    assert exit_code == 1
    assert {f["rule_id"] for f in findings} == {"KAD-DIA-007"} and len(findings) == 680


def test_r33_of_the_2022_export_is_a_process_code(tmp_path):
    assert any(r["code"] == "R33" for r in upstream_codes("icpc2-2022.json"))
    _, findings = validate(with_diagnosis(one_stay(2022), "ICPC-2", "R33", "innskrivningsdiagnoser"), tmp_path)
    assert rules(findings) == ["KAD-DIA-007"]


def test_as_icd10_a_letter_with_30_to_69_is_an_icd10_code(tmp_path):
    for code in ("A46", "A38"):  # erysipelas, scarlet fever: ICD-10 codes, A46/A38 also ICPC-2 process shapes
        _, findings = validate(with_diagnosis(one_stay(), "ICD-10", code), tmp_path)
        assert rules(findings) == [], code


# --- 9. official texts of the process codes -------------------------------------------------------
def test_process_code_texts_are_the_official_ones():
    official = {r["code"]: r["text"] for r in upstream_codes("icpc2-2019-med-prosesskoder-og-icd10.json")
                if r["code"].startswith("-")}
    assert len(official) == 40
    for code, text in official.items():
        exit_code, out, _ = run_cli("codelists", "lookup", "icpc2", "--date", "2025-06-01", "--", code)
        assert exit_code == 0 and out.startswith(f"{code} {text}:"), (code, out)
    assert official["-50"] == "Legemiddelforskrivning/-administrasj"


# --- 10. every year against its own edition -------------------------------------------------------
EDITION_FILES = {
    "icd10": {year: f"icd10-{year}.json" for year in range(2020, 2027)},
    "icpc2": {2019: "icpc2-2019-med-prosesskoder-og-icd10.json", 2020: "icpc2-2020.json",
              **{year: f"icpc2-{year}.json" for year in range(2022, 2027)}},
}
UPSTREAM_TABLE = (ROOT.parent / "shared" / "upstream" / "README.md").read_text(encoding="utf-8")
CARRIED_OVER_2023 = {f"D99{n}" for n in range(1, 10)} | {f"R99{n}" for n in range(3, 10)}


def test_list_shows_the_editions_and_their_periods():
    code, out, _ = run_cli("codelists", "list")
    assert code == 0
    icd10 = next(line for line in out.splitlines() if line.startswith("icd10\t"))
    icpc2 = next(line for line in out.splitlines() if line.startswith("icpc2\t"))
    for year in range(2020, 2027):
        assert f"{year} ({year}-01-01–{year}-12-31)" in icd10
    assert "2019 (2019-01-01–2019-12-31)" in icpc2 and "2020 (2020-01-01–2021-12-31)" in icpc2
    assert "2022 (2022-01-01–2022-12-31)" in icpc2 and "2026 (2026-01-01–2026-12-31)" in icpc2


@pytest.mark.parametrize("name", ["icd10", "icpc2"])
def test_each_edition_records_its_provenance(name):
    lst = load_codelists()[name]
    by_label = {e.label: e for e in lst.editions}
    assert set(by_label) == {str(y) for y in EDITION_FILES[name]}
    for year, file in EDITION_FILES[name].items():
        edition = by_label[str(year)]
        row = next(line for line in UPSTREAM_TABLE.splitlines() if line.startswith(f"| {file} |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        repository, path, commit = cells[3], cells[4], cells[5]
        assert edition.provenance_of("repository") == repository
        assert edition.provenance_of("path") == path
        assert edition.provenance_of("commit") == commit
        assert edition.provenance_of("licence").startswith("MIT")
        assert edition.provenance_of("sha256") == hashlib.sha256((UPSTREAM / file).read_bytes()).hexdigest()
    if name == "icpc2":
        assert "D991" in by_label["2023"].provenance_of("note") and "2021" in by_label["2020"].provenance_of("note")


@pytest.mark.parametrize("name", ["icd10", "icpc2"])
def test_each_edition_holds_exactly_the_upstream_codes(name):
    lst = load_codelists()[name]
    for year, file in EDITION_FILES[name].items():
        expected = {r["code"] for r in upstream_codes(file)}
        if name == "icpc2":
            expected = {c for c in expected if not re.fullmatch(r"[A-Z][3-6][0-9]", c)}  # R33 in 2022
            expected |= {f"-{n}" for n in range(30, 70)}  # process codes, carried from 2019
            if year == 2023:
                expected |= CARRIED_OVER_2023  # the export fault, carried over from 2022
        assert lst.codes_on(date(year, 6, 1)) == expected, (name, year)
    if name == "icpc2":
        assert lst.codes_on(date(2021, 6, 1)) == lst.codes_on(date(2020, 6, 1))


def _sweep_message(system: str, year: int, codes: list[str]) -> dict:
    """One message with every code as a diagnosis, 2 000 per stay, all stays in ``year``."""
    message = one_stay(year, 6, 1)
    template = message["opphold"][0]
    stays = []
    for start in range(0, len(codes), 2000):
        stay = copy.deepcopy(template)
        stay["opphold_id"] = f"SWEEP-{year}-{start}"
        stay["innleggelsestidspunkt"] = f"{year}-06-{1 + start // 2000:02d}T10:00:00"
        stay["utskrivningstidspunkt"] = f"{year}-06-{1 + start // 2000:02d}T20:00:00"
        chunk = codes[start:start + 2000]
        stay["innskrivningsdiagnoser"] = [{"kodeverk": system, "kode": c} for c in chunk]
        stay["utskrivningsdiagnoser"] = [{"kodeverk": system, "kode": chunk[0]}]
        stays.append(stay)
    message["opphold"] = stays
    return message


@pytest.mark.parametrize(("name", "system"), [("icd10", "ICD-10"), ("icpc2", "ICPC-2")])
def test_every_code_of_every_edition_passes_in_a_stay_inside_that_edition(tmp_path, name, system):
    lst = load_codelists()[name]
    for edition in lst.editions:
        day = edition.valid_from
        codes = sorted(c for c in lst.codes_on(day) if lst.lookup(c, day).kind != "process")
        process = sorted(c for c in lst.codes_on(day) if lst.lookup(c, day).kind == "process")
        _, findings = validate(_sweep_message(system, day.year, codes + process), tmp_path, f"{edition.label}.json")
        diagnosis_findings = [f for f in findings if f["rule_id"].startswith(("KAD-DIA", "KAD-STR"))]
        assert {f["rule_id"] for f in diagnosis_findings} <= {"KAD-DIA-007"}, (edition.label, diagnosis_findings[:3])
        assert len(diagnosis_findings) == len(process), edition.label  # process codes are no diagnoses


def test_2022_stay_with_a_code_gone_by_2026_passes(tmp_path):
    assert load_codelists()["icd10"].lookup("M1906", date(2026, 6, 1)) is None
    exit_code, findings = validate(with_diagnosis(one_stay(2022), "ICD-10", "M1906"), tmp_path)
    assert (exit_code, findings) == (0, [])


@pytest.mark.parametrize(("system", "code"), [("ICD-10", "K6380"), ("ICD-10", "J999"), ("ICPC-2", "A191")])
def test_2022_stay_with_a_code_not_in_the_2022_edition_is_an_error_naming_it(tmp_path, system, code):
    side = "innskrivningsdiagnoser" if system == "ICPC-2" else "utskrivningsdiagnoser"
    exit_code, findings = validate(with_diagnosis(one_stay(2022), system, code, side), tmp_path)
    assert exit_code == 1
    (finding,) = findings
    assert finding["rule_id"] == "KAD-DIA-003" and "utgave 2022" in finding["message"]


def test_icpc2_2021_is_checked_against_the_2020_edition(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(with_diagnosis(one_stay(2021), "ICPC-2", "R991", "innskrivningsdiagnoser")))
    code, out, _ = run_cli("validate", path)
    assert code == 0 and "icpc2 2020" in out


def test_2023_stay_with_a_code_missing_from_the_faulty_export_passes(tmp_path):
    assert not any(r["code"] == "D991" for r in upstream_codes("icpc2-2023.json"))
    exit_code, findings = validate(with_diagnosis(one_stay(2023), "ICPC-2", "D991", "innskrivningsdiagnoser"),
                                   tmp_path)
    assert (exit_code, findings) == (0, [])


@pytest.mark.parametrize(("year", "system", "code"), [(2019, "ICD-10", "J999"), (2018, "ICPC-2", "R990")])
def test_only_stays_before_the_first_edition_fall_back_to_the_nearest_edition_warning(tmp_path, year, system, code):
    side = "innskrivningsdiagnoser" if system == "ICPC-2" else "utskrivningsdiagnoser"
    exit_code, findings = validate(with_diagnosis(one_stay(year), system, code, side), tmp_path)
    assert exit_code == 0 and rules(findings) == ["KAD-DIA-004"]


def test_the_yearly_import_path_rebuilds_the_bundled_icpc2_list(tmp_path):
    """The directorate's path: each edition through `kad-spec codelists import`, in order."""
    options = {2020: ["--valid-to", "2021-12-31"],
               2023: ["--carry-over", " ".join(sorted(CARRIED_OVER_2023)), "--note", "eksportfeil oppstrøms"]}
    for year, file in EDITION_FILES["icpc2"].items():
        code, out, err = run_cli("codelists", "import", UPSTREAM / file, "--format", "navikt-json", "--list", "icpc2",
                                 "--edition", str(year), "--into", tmp_path, *options.get(year, []))
        assert code == 0, out + err
    rebuilt = load_codelists(tmp_path)["icpc2"]
    bundled = load_codelists()["icpc2"]
    for year in range(2019, 2027):
        day = date(year, 6, 1)
        assert rebuilt.codes_on(day) == bundled.codes_on(day), year
    assert rebuilt.editions[-2].provenance_of("sha256") == bundled.editions[-2].provenance_of("sha256")


def test_carry_over_refuses_a_code_the_list_does_not_have(tmp_path):
    code, _, err = run_cli("codelists", "import", UPSTREAM / "icpc2-2019-med-prosesskoder-og-icd10.json",
                           "--format", "navikt-json", "--list", "icpc2", "--edition", "2019", "--into", tmp_path)
    assert code == 0
    code, _, err = run_cli("codelists", "import", UPSTREAM / "icpc2-2020.json", "--format", "navikt-json",
                           "--list", "icpc2", "--edition", "2020", "--into", tmp_path,
                           "--carry-over", "Q99", "--note", "test")
    assert code == 2 and "Q99" in err and "Traceback" not in err
    code, _, err = run_cli("codelists", "import", UPSTREAM / "icpc2-2020.json", "--format", "navikt-json",
                           "--list", "icpc2", "--edition", "2020", "--into", tmp_path, "--carry-over", "A01")
    assert code == 2 and "--note" in err


# --- 11. conversion tables ------------------------------------------------------------------------
def test_lookup_shows_the_icd10_counterpart():
    code, out, _ = run_cli("codelists", "lookup", "icpc2", "R81")
    assert code == 0 and "ICD-10: J189" in out
    code, out, _ = run_cli("codelists", "lookup", "icd10", "J189")
    assert code == 0 and "ICPC-2: R81" in out


def test_conversion_agrees_with_the_upstream_file_both_ways():
    forward = upstream_codes("icpc2-2019-med-prosesskoder-og-icd10.json")
    assert all(icd10_for("ICPC-2", r["code"]) == tuple(r["mapsTo:"]) for r in forward)
    assert icd10_for("ICPC-2", "K77") == ("I509",) and icd10_for("ICPC-2", "r81") == ("J189",)
    assert icd10_for("ICPC-2", "R991") == ()  # introduced in 2020: no counterpart in the 2019 table
    code, out, _ = run_cli("codelists", "lookup", "icd10", "Z000")
    assert "ICPC-2: -30" in out  # NAV's NEGATIVE_30


def test_activity_report_groups_both_systems_under_icd10_chapters(tmp_path):
    message = one_stay(2025)
    stay = message["opphold"][0]
    stay["innskrivningsdiagnoser"] = [{"kodeverk": "ICPC-2", "kode": "R81"}, {"kodeverk": "ICPC-2", "kode": "R991"}]
    stay["utskrivningsdiagnoser"] = [{"kodeverk": "ICD-10", "kode": "J189"}, {"kodeverk": "ICPC-2", "kode": "K77"}]
    second = copy.deepcopy(stay)
    second["opphold_id"] = "KAD-2025-000999"
    second["pasient"]["id"] = personnr.synthetic(date(1950, 1, 2), "1", random.Random(5))
    second["pasient"].update(kjonn="1", alder=75)
    second["innskrivningsdiagnoser"] = [{"kodeverk": "ICD-10", "kode": "T4n"}]
    second["utskrivningsdiagnoser"] = [{"kodeverk": "ICPC-2", "kode": "D991"}]
    message["opphold"].append(second)
    (tmp_path / "m.json").write_text(json.dumps(message, ensure_ascii=False), encoding="utf-8")
    code, out, err = run_cli("report", tmp_path / "m.json", "--format", "json", "--min-cell", "1")
    assert code == 0, err
    chapters = json.loads(out)["diagnoses"]["icd10_chapters"]
    table = dict(zip(chapters["rows"], [[c["n"] for c in row] for row in chapters["cells"]]))
    assert chapters["columns"] == ["innskrivning", "utskrivning"]
    # R81 -> J189 (X) at admission; J189 (X) and K77 -> I509 (IX) at discharge; T4n is XIX.
    assert table == {"IX": [0, 1], "X": [1, 1], "XIX": [1, 0]}
    assert chapters["unmapped_codes"] == 2 and chapters["unmapped_diagnoses"]["n"] == 2  # R991, D991
    code, _, err = run_cli("report", tmp_path / "m.json", "--out", tmp_path / "r.html", "--min-cell", "1")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert code == 0 and "ICD-10-kapittel" in html and "uten ICD-10-kapittel" in html


# --- the docs site -------------------------------------------------------------------------------
def grouped(value: str) -> str:
    """How the site writes a commit or checksum (groups of eight, <wbr> between)."""
    return "<wbr>".join(value[i:i + 8] for i in range(0, len(value), 8))


def test_code_list_pages_show_editions_per_year_with_provenance(tmp_path):
    code, out, err = run_cli("docs", "--out", tmp_path / "site")
    assert code == 0, out + err
    page = (tmp_path / "site" / "kodeverk" / "icpc2.html").read_text(encoding="utf-8")
    assert grouped("24fe22993bbffec334f686525f6cbd0982dd3afd") in page  # the 2020 edition's commit
    assert grouped(hashlib.sha256((UPSTREAM / "icpc2-2023.json").read_bytes()).hexdigest()) in page
    assert "Utgave per år" in page and re.search(r"<td>2021</td><td>2020</td>", page)
    assert re.search(r"<td>2018</td><td>ingen \(nærmeste: 2019\)</td>", page)
    assert "navikt/diagnosekoder" in page and "eksportfeil" in page
    assert "Konvertering" in page and grouped("706610dbba48f90592f7af61dc53a539ab87d418") in page
    icd10 = (tmp_path / "site" / "kodeverk" / "icd10.html").read_text(encoding="utf-8")
    assert grouped("5266fddb1c6f172e9db9ce835ac190f515894b20") in icd10
    data = (tmp_path / "site" / "kodeverk" / "data" / "icd10.js").read_text(encoding="utf-8")
    assert '"I210a"' in data


def test_provenance_that_would_break_the_header_line_is_refused(tmp_path):
    code, _, err = run_cli("codelists", "import", UPSTREAM / "icpc2-2020.json", "--format", "navikt-json",
                           "--list", "icpc2", "--edition", "2020", "--into", tmp_path, "--note", "a | b")
    assert code == 2 and "--note" in err and not (tmp_path / "icpc2.csv").exists()
