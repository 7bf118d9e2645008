"""Stay rules (KAD-OPH-*) and organisation rules (KAD-ORG-*)."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

from kad_spec.rules.context import MessageContext
from kad_spec.rules.organisations import check_stay_orgnr, check_unit_orgnr
from kad_spec.rules.stays import StaysInMessage, check_discharge_fields
from kad_spec.message.batch import add_one_stay, check_one_stay

BASE = json.loads((Path(__file__).resolve().parents[1] / "examples" / "kad-melding.json").read_text(encoding="utf-8"))
PATIENT = "12834041276"  # Tenor synthetic (month + 80)


def _ctx() -> MessageContext:
    return MessageContext(header=copy.deepcopy({k: v for k, v in BASE.items() if k != "opphold"}), today=date(2026, 1, 1))


def _stay(opphold_id: str, admitted: str, discharged: str | None = "2025-03-04T10:00", status: str = "N",
          patient: str = PATIENT) -> dict:
    stay = copy.deepcopy(BASE["opphold"][0])
    stay.update(opphold_id=opphold_id, status=status, innleggelsestidspunkt=admitted)
    stay["pasient"]["id"] = patient
    if discharged is None:
        for key in ("utskrivningstidspunkt", "utskrivningsdiagnoser", "utskrevet_til"):
            stay.pop(key)
    else:
        stay["utskrivningstidspunkt"] = discharged
    return stay


def _run(stays) -> list[tuple[str, str, dict]]:
    check = StaysInMessage(_ctx())
    hits = []
    for index, stay in enumerate(stays):
        hits.extend(add_one_stay(check, index, stay))
    hits.extend(check.finish())
    return [(h.rule_id, h.pointer, h.params) for h in hits]


def _rules(stays) -> list[str]:
    return [rule for rule, _, _ in _run(stays)]


# -- opphold_id and status C ----------------------------------------------------------------------
def test_unique_ids_are_fine_and_duplicates_are_reported_on_each_repeat():
    a = _stay("A", "2025-03-01T10:00", "2025-03-01T12:00")
    b = _stay("B", "2025-03-02T10:00", "2025-03-02T12:00", patient="27815510130")
    assert _rules([a, b]) == []
    hits = _run([a, copy.deepcopy(a) | {"status": "M"}, copy.deepcopy(a)])
    assert [(rule, pointer) for rule, pointer, _ in hits if rule != "KAD-OPH-002"] == [
        ("KAD-OPH-001", "/opphold/1/opphold_id"),
        ("KAD-OPH-001", "/opphold/2/opphold_id"),
    ]
    assert hits[0][2] == {"opphold_id": "A", "forste": 1, "denne": 2}


def test_duplicate_ids_do_not_count_as_overlap():
    a = _stay("A", "2025-03-01T10:00", "2025-03-03T12:00")
    assert _rules([a, copy.deepcopy(a)]) == ["KAD-OPH-001"]


def test_cancellation_alone_is_fine():
    assert _rules([_stay("A", "2025-03-01T10:00", status="C")]) == []


def test_cancellation_with_another_entry_for_the_same_id_in_either_order():
    cancel = _stay("A", "2025-03-01T10:00", status="C")
    again = _stay("A", "2025-03-01T10:00", status="N")
    assert _rules([cancel, again]) == ["KAD-OPH-005"]
    assert _rules([again, cancel]) == ["KAD-OPH-005"]
    # Once a cancellation is among the entries, later repeats are reported as such too.
    assert _rules([again, cancel, copy.deepcopy(again)]) == ["KAD-OPH-005", "KAD-OPH-005"]


# -- overlap ------------------------------------------------------------------------------------
def test_overlap_of_one_patient_is_reported_once_on_the_later_stay():
    first = _stay("A", "2025-03-01T10:00", "2025-03-04T10:00")
    second = _stay("B", "2025-03-03T10:00", "2025-03-05T10:00")
    hits = _run([second, first])
    assert hits == [("KAD-OPH-002", "/opphold/0/innleggelsestidspunkt", {"opphold_id": "B", "annet_opphold_id": "A"})]


def test_readmission_at_the_minute_of_discharge_is_no_overlap():
    first = _stay("A", "2025-03-01T10:00", "2025-03-04T10:00")
    second = _stay("B", "2025-03-04T10:00", "2025-03-05T10:00")
    assert _rules([first, second]) == []


def test_ongoing_stay_overlaps_every_later_one():
    ongoing = _stay("A", "2025-02-01T10:00", None)
    later = _stay("B", "2025-03-01T10:00", "2025-03-02T10:00")
    assert _rules([ongoing, later]) == ["KAD-OPH-002"]


def test_different_patients_and_cancelled_stays_do_not_overlap():
    first = _stay("A", "2025-03-01T10:00", "2025-03-04T10:00")
    other = _stay("B", "2025-03-02T10:00", "2025-03-03T10:00", patient="27815510130")
    cancelled = _stay("C", "2025-03-02T10:00", "2025-03-03T10:00", status="C")
    assert _rules([first, other, cancelled]) == []


def test_overlap_works_across_the_autumn_change_by_instant():
    first = _stay("A", "2025-10-25T10:00", "2025-10-26T02:30+01:00")
    second = _stay("B", "2025-10-26T02:45+02:00", "2025-10-27T10:00")  # an hour earlier than first's end
    assert _rules([first, second]) == ["KAD-OPH-002"]


def test_the_overlap_check_keeps_no_person_id():
    check = StaysInMessage(_ctx())
    list(add_one_stay(check, 0, _stay("A", "2025-03-01T10:00")))
    state = {name: value for name, value in vars(check).items() if name != "ctx"}  # the check's own state
    kept = repr(state) + repr(check.keys.tolist()) + repr(check.first.tolist()) + check.id_text.decode()
    assert PATIENT not in kept and PATIENT[-5:] not in kept
    hits = _run([_stay("A", "2025-03-01T10:00"), _stay("B", "2025-03-02T10:00")])
    assert PATIENT not in json.dumps([params for _, _, params in hits])


def test_malformed_stays_are_skipped():
    broken = _stay("B", "2025-02-30T10:00")
    assert _rules([None, "x", {"opphold_id": 5}, broken, _stay("A", "2025-03-01T10:00")]) == []


# -- discharge fields ---------------------------------------------------------------------------
def test_discharge_fields_without_discharge_time():
    stay = _stay("A", "2025-03-01T10:00", None)
    assert list(check_one_stay(check_discharge_fields, stay, _ctx())) == []
    stay["utskrivningsdiagnoser"] = []  # an empty list says nothing about a discharge
    assert list(check_one_stay(check_discharge_fields, stay, _ctx())) == []
    stay["utskrivningsdiagnoser"] = [{"kodeverk": "ICPC-2", "kode": "R81"}]
    stay["utskrevet_til"] = {"kategori": "1"}
    assert [(h.rule_id, h.pointer) for h in check_one_stay(check_discharge_fields, stay, _ctx())] == [
        ("KAD-OPH-003", "/utskrivningsdiagnoser"),
        ("KAD-OPH-003", "/utskrevet_til"),
    ]


# -- organisation numbers -------------------------------------------------------------------------
def test_organisation_number_checked_wherever_it_appears():
    ctx = _ctx()
    assert list(check_unit_orgnr(ctx.header, ctx)) == []
    ctx.header["virksomhet"]["organisasjonsnummer"] = "310000018"
    ctx = MessageContext(header=ctx.header, today=ctx.today)
    assert [h.pointer for h in check_unit_orgnr(ctx.header, ctx)] == ["/virksomhet/organisasjonsnummer"]
    stay = _stay("A", "2025-03-01T10:00")
    stay["henvist_fra"]["organisasjonsnummer"] = "310000026"
    stay["utskrevet_til"]["organisasjonsnummer"] = "310000035"
    assert [h.pointer for h in check_one_stay(check_stay_orgnr, stay, ctx)] == ["/henvist_fra/organisasjonsnummer"]


def test_organisation_number_of_the_wrong_form_is_left_to_the_schema():
    stay = _stay("A", "2025-03-01T10:00")
    for value in ("31000001", "3100000190", "31000001X", 310000018, None):
        stay["henvist_fra"]["organisasjonsnummer"] = value
        assert list(check_one_stay(check_stay_orgnr, stay, _ctx())) == []
