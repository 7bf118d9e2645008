"""Code lists by date (KAD-KL-002, KAD-KL-003): municipalities across the reforms, categories."""

from __future__ import annotations

import copy
import json
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from kad_spec.message.batch import add_one_stay, check_one_stay

from kad_spec.codelists import load_codelists
from kad_spec.rules.codes import PeriodVerdicts, ServiceMunicipalities, check_stay_codes
from kad_spec.rules.context import MessageContext
from kad_spec.validation.engine import Settings, Validator

REPO = Path(__file__).resolve().parents[1]
BASE = json.loads((REPO / "examples" / "kad-melding.json").read_text(encoding="utf-8"))


def _ctx(tjenestekommuner=("3107",), created="2025-03-05T06:00:00+01:00") -> MessageContext:
    header = copy.deepcopy({k: v for k, v in BASE.items() if k != "opphold"})
    header["virksomhet"]["tjenestekommuner"] = list(tjenestekommuner)
    header["meldingsinfo"]["opprettet"] = created
    return MessageContext(header=header, today=date(2026, 1, 1))


def _stay(day: str, bosted: str, opphold_id: str = "S1") -> dict:
    stay = copy.deepcopy(BASE["opphold"][0])
    stay["opphold_id"] = opphold_id
    stay["innleggelsestidspunkt"] = f"{day}T10:00"
    stay["utskrivningstidspunkt"] = f"{day}T20:00"
    stay["pasient"]["bostedskommune"] = bosted
    return stay


@pytest.mark.parametrize(
    ("day", "code", "valid"),
    [
        ("2019-06-01", "1201", True),   # Bergen before the 2020 reform
        ("2021-06-01", "1201", False),  # ... and after: 4601
        ("2021-06-01", "4601", True),
        ("2019-12-31", "4601", False),
        ("2023-06-01", "3001", True),   # Halden in Viken
        ("2024-03-01", "3001", False),  # ... and in Østfold again: 3101
        ("2024-03-01", "3101", True),
        ("2024-06-01", "1580", True),   # Haram re-established 2024
        ("2022-06-01", "1580", False),
        ("2017-01-01", "1534", True),   # Haram's old number
        ("2025-03-01", "9999", True),   # special value: residence not stated
        ("2025-03-01", "2111", True),   # Svalbard
        ("2025-03-01", "4699", False),  # never a municipality
    ],
)
def test_municipality_of_residence_by_admission_date(day, code, valid):
    rules = [h.rule_id for h in check_one_stay(check_stay_codes, _stay(day, code), _ctx())]
    assert rules == ([] if valid else ["KAD-KL-002"])


def test_message_names_validity_and_successor():
    (hit,) = check_one_stay(check_stay_codes, _stay("2021-06-01", "1201"), _ctx())
    assert hit.pointer == "/pasient/bostedskommune"
    assert hit.params["forklaring"] == "1201 var gyldig til 2019-12-31; etterfølger 4601"
    assert hit.params["forklaring_en"] == "1201 was valid until 2019-12-31; successor 4601"
    (hit,) = check_one_stay(check_stay_codes, _stay("2022-06-01", "1580"), _ctx())
    assert hit.params["forklaring"] == "1580 er gyldig fra 2024-01-01"


def test_dates_before_the_list_are_left_to_the_time_rules():
    assert list(check_one_stay(check_stay_codes, _stay("2016-12-31", "4601"), _ctx())) == []


def test_whole_message_2019_with_1201_is_accepted(tmp_path):
    doc = copy.deepcopy(BASE)
    doc["virksomhet"]["tjenestekommuner"] = ["1201"]
    stay = _stay("2019-06-01", "1201", "KAD-2019-1")
    stay["pasient"]["alder"] = 79  # born 1940-03-12
    doc["opphold"] = [stay]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    findings = Validator(Settings(today=date(2026, 1, 1))).validate_file(path).findings
    assert [f.rule_id for f in findings if f.severity == "error"] == []
    doc["opphold"][0]["innleggelsestidspunkt"] = "2021-06-01T10:00"
    doc["opphold"][0]["utskrivningstidspunkt"] = "2021-06-01T20:00"
    doc["opphold"][0]["pasient"]["alder"] = 81
    path.write_text(json.dumps(doc), encoding="utf-8")
    findings = Validator(Settings(today=date(2026, 1, 1))).validate_file(path).findings
    assert sorted(f.rule_id for f in findings) == ["KAD-KL-002", "KAD-KL-003"]


# -- tjenestekommuner ---------------------------------------------------------------------------
def _service(codes, stays, created="2025-03-05T06:00:00+01:00"):
    check = ServiceMunicipalities(_ctx(codes, created))
    for index, stay in enumerate(stays):
        assert list(add_one_stay(check, index, stay)) == []
    return list(check.finish())


def test_service_municipality_checked_on_every_stay_date():
    stays = [_stay("2023-12-30", "3001", "A"), _stay("2024-01-02", "3101", "B")]
    hits = _service(["3001"], stays)
    assert [(h.rule_id, h.pointer) for h in hits] == [("KAD-KL-003", "/virksomhet/tjenestekommuner/0")]
    assert hits[0].params["dato"] == "2024-01-02" and hits[0].params["opphold"] == "B"
    hits = _service(["3101"], stays)
    assert hits[0].params["dato"] == "2023-12-30" and hits[0].params["opphold"] == "A"
    assert _service(["3001"], stays[:1]) == []
    assert _service(["3101"], stays[1:]) == []


def test_service_municipality_without_stays_uses_the_message_date():
    assert _service(["3001"], [], created="2023-12-31T23:00:00+01:00") == []
    assert [h.rule_id for h in _service(["3001"], [], created="2024-01-01T01:00:00+01:00")] == ["KAD-KL-003"]


def test_special_codes_are_no_service_municipality():
    hits = _service(["3107", "9999", "2111"], [_stay("2025-03-01", "3107")])
    assert [h.pointer for h in hits] == ["/virksomhet/tjenestekommuner/1", "/virksomhet/tjenestekommuner/2"]
    assert "spesialkode" in hits[0].params["forklaring"]


def test_malformed_service_municipalities_are_left_to_the_schema():
    assert _service(["31O7", 3107, None], [_stay("2025-03-01", "3107")]) == []


# -- categories by date (active as soon as a category list carries dates) -------------------------
def test_category_checked_by_date_when_its_list_has_dates(tmp_path):
    folder = tmp_path / "codelists"
    shutil.copytree(REPO / "codelists", folder)
    path = folder / "ut_til.csv"
    text = path.read_text(encoding="utf-8").replace(
        "35,Rehabiliteringsinstitusjon/sykehjem,Rehabilitation institution/nursing home,,,",
        "35,Rehabiliteringsinstitusjon/sykehjem,Rehabilitation institution/nursing home,,2024-12-31,",
    )
    path.write_text(text, encoding="utf-8")
    ctx = _ctx()
    ctx.codelists = load_codelists(folder)
    stay = _stay("2025-03-01", "3107")
    stay["utskrevet_til"] = {"kategori": "35"}
    hits = list(check_one_stay(check_stay_codes, stay, ctx))
    assert [(h.rule_id, h.pointer) for h in hits] == [("KAD-KL-002", "/utskrevet_til/kategori")]
    assert hits[0].params["forklaring"] == "35 var gyldig til 2024-12-31"
    stay["innleggelsestidspunkt"] = "2024-12-31T10:00"
    stay["utskrivningstidspunkt"] = "2024-12-31T20:00"
    assert list(check_one_stay(check_stay_codes, stay, ctx)) == []


def test_unknown_category_is_left_to_the_schema_enum():
    stay = _stay("2025-03-01", "3107")
    stay["utskrevet_til"] = {"kategori": "77"}
    stay["henvist_fra"] = {"kategori": "77"}
    assert list(check_one_stay(check_stay_codes, stay, _ctx())) == []


# -- verdicts kept per code and period ---------------------------------------------------------------
def test_a_code_is_judged_once_per_period_and_outside_the_editions_once_per_day():
    reform = date(2020, 1, 1)
    judged = []

    def judge(kind, code, day):
        judged.append((kind, code, day))
        return f"{code} fails" if code == "b" and day >= reform else False

    # No edition before 2017 (judged day by day), then one period before the reform and one after.
    verdicts = PeriodVerdicts(lambda kind, code: ([date(2017, 1, 1), reform], [False, True, True]), judge, kinds=2)
    days = [date(2019, 5, 1), date(2019, 6, 1), date(2021, 1, 1), date(2016, 1, 1), date(2016, 1, 2),
            date(2016, 1, 1), date(2022, 3, 3), None, date(2021, 1, 1), date(2021, 1, 1)]
    codes = ["a", "a", "b", "b", "a", "a", "b", "b", "b", "b"]
    kinds = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1, -1])
    ordinals = np.array([day.toordinal() if day else 0 for day in days])
    rows, found = verdicts.failing(codes, ordinals, kinds)
    assert rows.tolist() == [2, 6, 8] and found == ["b fails"] * 3
    assert sorted(judged) == [(0, "a", date(2016, 1, 1)), (0, "a", date(2016, 1, 2)), (0, "a", date(2019, 5, 1)),
                              (0, "b", date(2016, 1, 1)), (0, "b", date(2021, 1, 1)), (1, "b", date(2021, 1, 1))]
    rows, found = verdicts.failing(codes[::-1], ordinals[::-1], kinds[::-1])  # a later batch: all known
    assert rows.tolist() == [1, 3, 7] and len(judged) == 6


def test_change_days_part_the_calendar_where_a_check_may_answer_otherwise():
    municipalities = load_codelists()["kommunenummer"]
    changes, covered = municipalities.change_days("1201")  # Bergen until the 2020 reform
    assert changes[0] == date(2017, 1, 1) and date(2020, 1, 1) in changes
    assert covered[0] is False and all(covered[1:])  # nothing covers the days before 2017
