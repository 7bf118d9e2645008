"""Diagnosis rules (KAD-DIA-*): every bundled code accepted, non-codes rejected, systems told apart."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from kad_spec.message.batch import check_one_stay

from kad_spec.codelists import load_codelists
from kad_spec.rules.context import MessageContext
from kad_spec.rules.diagnoses import check_diagnoses, diagnosis_findings

BASE = json.loads((Path(__file__).resolve().parents[1] / "examples" / "kad-melding.json").read_text(encoding="utf-8"))
COVERED = date(2026, 6, 1)  # ICD-10 editions 2020–2026 and ICPC-2 2019–2026 are bundled
UNCOVERED = date(2019, 6, 1)  # before the first ICD-10 edition
LISTS = load_codelists()


def _rules(system: str, code: str, on: date = COVERED) -> list[str]:
    return [rule for rule, _ in diagnosis_findings(LISTS, system, code, on)]


def _process_codes() -> set[str]:
    return {e.code for e in LISTS["icpc2"].all_entries() if e.kind == "process"}


def test_every_bundled_icd10_code_is_accepted():
    codes = sorted(LISTS["icd10"].codes_on(COVERED))
    assert len(codes) > 19000
    rejected = [code for code in codes if _rules("ICD-10", code)]
    assert rejected == []


def test_every_bundled_icpc2_diagnosis_is_accepted_and_process_codes_are_not():
    process = _process_codes()
    assert len(process) == 40
    diagnoses = [code for code in LISTS["icpc2"].codes_on(COVERED) if code not in process]
    assert len(diagnoses) >= 700
    assert [code for code in diagnoses if _rules("ICPC-2", code)] == []
    assert {code for code in process if _rules("ICPC-2", code) == ["KAD-DIA-007"]} == process


def test_codes_from_the_nearest_edition_are_accepted_outside_its_period():
    assert _rules("ICD-10", "J189", UNCOVERED) == []
    assert _rules("ICPC-2", "R81", UNCOVERED) == []


@pytest.mark.parametrize("code", ["J999", "A019", "Z00", "E1190", "U999"])
def test_icd10_non_codes_are_rejected(code):
    assert code not in LISTS["icd10"]
    assert _rules("ICD-10", code) == ["KAD-DIA-003"]
    assert _rules("ICD-10", code, UNCOVERED) == ["KAD-DIA-004"]  # no edition covers 2019: a warning


@pytest.mark.parametrize("code", ["W00", "X00", "K999", "R990"])
def test_icpc2_non_codes_are_rejected(code):
    assert code not in LISTS["icpc2"]
    assert _rules("ICPC-2", code) == ["KAD-DIA-003"]


def test_non_code_sample_is_not_accidentally_a_code():
    icpc2 = LISTS["icpc2"]
    sample = [f"{letter}{n:02d}" for letter in "ABDFHKLNPRSTUWXYZ" for n in (0, 97, 98)]
    missing = [code for code in sample if code not in icpc2]
    assert missing
    for code in missing:
        assert _rules("ICPC-2", code) in (["KAD-DIA-003"], ["KAD-DIA-005"])


def test_icpc2_code_declared_as_icd10_says_what_it_looks_like():
    findings = diagnosis_findings(LISTS, "ICD-10", "K77", COVERED)
    assert [(rule, params["ligner"]) for rule, params in findings] == [("KAD-DIA-005", "ICPC-2")]
    findings = diagnosis_findings(LISTS, "ICPC-2", "J189", COVERED)
    assert [(rule, params["ligner"]) for rule, params in findings] == [("KAD-DIA-005", "ICD-10")]
    findings = diagnosis_findings(LISTS, "ICPC-2", "J18.9", COVERED)
    assert [(rule, params["ligner"]) for rule, params in findings] == [("KAD-DIA-005", "ICD-10")]


def test_a_code_in_both_systems_is_fine_in_either():
    assert "R81" in LISTS["icpc2"] and "R81" in LISTS["icd10"]
    assert _rules("ICD-10", "R81") == [] and _rules("ICPC-2", "R81") == []


def test_dotted_icd10_is_a_warning_and_then_checked_undotted():
    assert _rules("ICD-10", "J18.9") == ["KAD-DIA-006"]
    findings = diagnosis_findings(LISTS, "ICD-10", "J99.9", COVERED)
    assert [rule for rule, _ in findings] == ["KAD-DIA-006", "KAD-DIA-003"]
    assert findings[1][1]["kode"] == "J999"


@pytest.mark.parametrize("system", ["ICD-10", "ICPC-2"])
def test_process_codes_are_no_diagnosis_in_either_system(system):
    assert _rules(system, "-30") == ["KAD-DIA-007"]
    assert _rules(system, "-69") == ["KAD-DIA-007"]


def test_unknown_system_is_left_to_the_schema():
    assert _rules("SNOMED", "J189") == []


def test_stay_check_points_at_each_code_and_uses_the_admission_date():
    stay = copy.deepcopy(BASE["opphold"][1])  # ICD-10 I509; N390
    stay["innleggelsestidspunkt"] = "2026-03-02T22:10"
    stay["utskrivningsdiagnoser"][1]["kode"] = "N39.0"
    stay["utskrivningsdiagnoser"].append({"kodeverk": "ICD-10", "kode": "J999"})
    ctx = MessageContext(header={"meldingsinfo": {}}, today=date(2026, 12, 1))
    hits = [(h.rule_id, h.pointer) for h in check_one_stay(check_diagnoses, stay, ctx)]
    assert hits == [
        ("KAD-DIA-006", "/utskrivningsdiagnoser/1/kode"),
        ("KAD-DIA-003", "/utskrivningsdiagnoser/2/kode"),
    ]
    stay["innleggelsestidspunkt"] = "2019-03-02T22:10"
    assert [h.rule_id for h in check_one_stay(check_diagnoses, stay, ctx)] == ["KAD-DIA-006", "KAD-DIA-004"]


def test_malformed_diagnoses_are_skipped():
    stay = copy.deepcopy(BASE["opphold"][0])
    stay["innskrivningsdiagnoser"] = [None, {"kodeverk": "ICD-10"}, {"kode": "J189"}, "J189"]
    stay["utskrivningsdiagnoser"] = {"kodeverk": "ICD-10", "kode": "J999"}
    ctx = MessageContext(header={"meldingsinfo": {}}, today=date(2026, 12, 1))
    assert list(check_one_stay(check_diagnoses, stay, ctx)) == []


def test_the_report_names_the_editions_used():
    stay = copy.deepcopy(BASE["opphold"][0])
    ctx = MessageContext(header={"meldingsinfo": {}}, today=date(2026, 12, 1))
    ctx.codelists.reset_usage()  # the lists the checks use (another test may have reloaded them)
    list(check_one_stay(check_diagnoses, stay, ctx))  # cached verdicts from earlier tests
    used = ctx.codelists.editions_used()
    assert used.get("icd10") == "2025" and used.get("icpc2") == "2025"  # the example's stays are from 2025
