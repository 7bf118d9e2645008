"""Identity rules (KAD-ID-*): edge cases beyond the catalogue's examples."""

from __future__ import annotations

import copy
import json
import random
from datetime import date
from pathlib import Path

import pytest

from kad_spec.message.batch import check_one_stay

from kad_spec.ids import personnr
from kad_spec.ids.personnr import K1_WEIGHTS, K2_WEIGHTS
from kad_spec.rules.context import MessageContext
from kad_spec.rules.identity import check_patient, form_of

BASE = json.loads((Path(__file__).resolve().parents[1] / "examples" / "kad-melding.json").read_text(encoding="utf-8"))


def _ctx(miljo: str = "test") -> MessageContext:
    header = copy.deepcopy({k: v for k, v in BASE.items() if k != "opphold"})
    header["meldingsinfo"]["miljo"] = miljo
    return MessageContext(header=header, today=date(2026, 1, 1))


def _stay(id_type: str, number: str, kjonn: str = "2", alder: int = 84, admitted: str = "2025-03-01T14:35:00") -> dict:
    stay = copy.deepcopy(BASE["opphold"][0])
    stay["pasient"].update(id_type=id_type, id=number, kjonn=kjonn, alder=alder)
    stay["innleggelsestidspunkt"] = admitted
    return stay


def _rules(stay: dict, miljo: str = "test") -> list[str]:
    return [hit.rule_id for hit in check_one_stay(check_patient, stay, _ctx(miljo))]


def _with_check_digits(nine: str) -> str | None:
    k1 = (11 - sum(w * int(c) for w, c in zip(K1_WEIGHTS, nine)) % 11) % 11
    if k1 == 10:
        return None
    k2 = (11 - sum(w * int(c) for w, c in zip(K2_WEIGHTS, nine + str(k1))) % 11) % 11
    return None if k2 == 10 else f"{nine}{k1}{k2}"


def _number(six: str, first_individual: int) -> str:
    """The first valid classic number with these six leading digits, from an individual number on."""
    for individual in range(first_individual, first_individual + 60):
        built = _with_check_digits(f"{six}{individual:03d}")
        if built:
            return built
    raise AssertionError(six)


def _classic_from_synthetic(number: str) -> str:
    """Remove Tenor's + 80 from the month and recompute the check digits: a real-looking number.

    Built at run time only, so that no such number is ever written into the repository.
    """
    for individual in range(int(number[6:9]), int(number[6:9]) + 40, 2):
        nine = f"{number[:2]}{int(number[2:4]) - 80:02d}{number[4:6]}{individual:03d}"
        built = _with_check_digits(nine)
        if built:
            return built
    raise AssertionError("no classic number found")


TENOR_WOMAN_1940 = "12834041276"  # the base example's first patient, born 1940-03-12


def test_base_patient_is_clean():
    assert _rules(_stay("FNR", TENOR_WOMAN_1940)) == []


@pytest.mark.parametrize("seed", range(20))
def test_2032_scheme_numbers_are_accepted_without_a_sex_check(seed):
    rng = random.Random(seed)
    d_number = seed % 2 == 1
    number = personnr.synthetic(date(1940, 3, 12), "2", rng, d_number=d_number, scheme="2032")
    assert personnr.classify(number).scheme == "2032"
    id_type = "DNR" if d_number else "FNR"
    assert _rules(_stay(id_type, number, kjonn="1")) == []  # sex cannot be read: no KAD-ID-007


def test_2032_scheme_number_with_broken_k2_is_a_check_digit_error():
    number = personnr.synthetic(date(1940, 3, 12), "2", random.Random(1), scheme="2032")
    broken = number[:10] + str((int(number[10]) + 1) % 10)
    assert _rules(_stay("FNR", broken)) == ["KAD-ID-001"]


def test_check_digit_k1_error():
    number = TENOR_WOMAN_1940
    # Change K1 so that its remainder is above 3: never valid in either scheme.
    for k1 in range(10):
        candidate = number[:9] + str(k1) + number[10]
        r1 = sum(w * int(c) for w, c in zip(K1_WEIGHTS + (1,), candidate[:10])) % 11
        if r1 > 3:
            hits = list(check_one_stay(check_patient, _stay("FNR", candidate), _ctx()))
            assert [h.rule_id for h in hits] == ["KAD-ID-001"]
            assert "K1" in hits[0].params["arsak"]
            return
    raise AssertionError("no K1 with remainder above 3")


def test_d_number_day_plus_40_and_h_number_month_plus_40():
    d = _number("528340", 412)  # day 12 + 40, Tenor month 3 + 80
    assert form_of(d) == "DNR"
    assert _rules(_stay("DNR", d, kjonn=personnr.classify(d).sex)) == []
    h = _number("154650", 412)  # month 6 + 40
    assert form_of(h) == "HNR"
    assert _rules(_stay("HNR", h)) == []  # H numbers: no age, sex or environment findings in test


def test_d_and_h_combined_is_a_date_error():
    number = _number("524640", 412)  # day + 40 and month + 40
    assert form_of(number) is None
    assert _rules(_stay("DNR", number)) == ["KAD-ID-002"]


@pytest.mark.parametrize(("six", "reason_word"), [("308240", "kalenderen"), ("298240", None), ("298241", "kalenderen")])
def test_birth_date_that_does_not_exist(six, reason_word):
    number = _number(six, 412)  # 30.2.1940; 29.2.1940 (a leap year); 29.2.1941
    if reason_word is None:
        assert _rules(_stay("FNR", number, alder=85)) == []
        return
    hits = list(check_one_stay(check_patient, _stay("FNR", number), _ctx()))
    assert [h.rule_id for h in hits] == ["KAD-ID-002"]
    assert reason_word in hits[0].params["arsak"]


@pytest.mark.parametrize(
    ("id_type", "number", "form"),
    [
        ("HNR", TENOR_WOMAN_1940, "fødselsnummer"),
        ("FHN", TENOR_WOMAN_1940, "fødselsnummer"),
        ("FNR", "88301661333", "FH-nummer"),
        ("FNR", "201924952306", "DUF-nummer"),
        ("DUF", "88301661333", "FH-nummer"),
    ],
)
def test_id_type_must_match_the_form(id_type, number, form):
    hits = list(check_one_stay(check_patient, _stay(id_type, number), _ctx()))
    assert [h.rule_id for h in hits] == ["KAD-ID-003"]
    assert hits[0].params["form"] == form


def test_fh_number_is_accepted_in_test_and_production():
    fh = personnr.synthetic_fh(random.Random(11))
    assert _rules(_stay("FHN", fh)) == []
    assert _rules(_stay("FHN", fh), miljo="produksjon") == []


def test_tenor_number_in_production_is_an_error():
    assert _rules(_stay("FNR", TENOR_WOMAN_1940), miljo="produksjon") == ["KAD-ID-005"]


def test_classic_number_in_test_is_a_warning_and_fine_in_production():
    classic = _classic_from_synthetic(TENOR_WOMAN_1940)
    person = personnr.classify(classic)
    assert not person.synthetic and person.kind == "FNR"
    assert _rules(_stay("FNR", classic), miljo="test") == ["KAD-ID-006"]
    assert _rules(_stay("FNR", classic), miljo="produksjon") == []


def test_duf_number_in_test_is_a_warning():
    assert _rules(_stay("DUF", "201924952306")) == ["KAD-ID-006"]
    assert _rules(_stay("DUF", "201924952306"), miljo="produksjon") == []


def test_an_eleven_digit_number_of_no_form_given_as_duf_is_an_invalid_duf_number():
    # Day + 40 and month + 40 is neither a D- nor an H-number: the form says nothing, and
    # eleven digits are no DUF number (DUF numbers have twelve).
    assert form_of("41419012345") is None
    assert _rules(_stay("DUF", "41419012345")) == ["KAD-ID-004"]


def test_sex_mismatch_is_reported_and_unknown_sex_is_not():
    assert _rules(_stay("FNR", TENOR_WOMAN_1940, kjonn="1")) == ["KAD-ID-007"]
    assert _rules(_stay("FNR", TENOR_WOMAN_1940, kjonn="0")) == []
    assert _rules(_stay("FNR", TENOR_WOMAN_1940, kjonn="9")) == []


@pytest.mark.parametrize(
    ("admitted", "age"),
    [
        ("2025-02-28T12:00", 0),  # born 2024-02-29: not yet one on 28 February
        ("2025-03-01T00:00", 1),  # one on 1 March in a year without 29 February
        ("2028-02-28T23:59", 3),
        ("2028-02-29T00:00", 4),
    ],
)
def test_age_of_someone_born_on_a_leap_day(admitted, age):
    number = personnr.synthetic(date(2024, 2, 29), "1", random.Random(5))
    assert _rules(_stay("FNR", number, kjonn="1", alder=age, admitted=admitted)) == []
    assert _rules(_stay("FNR", number, kjonn="1", alder=age + 1, admitted=admitted)) == ["KAD-ID-008"]


def test_age_on_the_birthday_and_the_day_before():
    assert _rules(_stay("FNR", TENOR_WOMAN_1940, alder=84, admitted="2025-03-11T23:59")) == []
    assert _rules(_stay("FNR", TENOR_WOMAN_1940, alder=85, admitted="2025-03-12T00:00")) == []


def test_age_out_of_range_and_unreadable_admission_are_left_to_other_rules():
    assert _rules(_stay("FNR", TENOR_WOMAN_1940, alder=131)) == []
    assert _rules(_stay("FNR", TENOR_WOMAN_1940, alder=3, admitted="2025-02-30T10:00")) == []


@pytest.mark.parametrize("value", ["1283404127", "1283404127X", 12834041276, None, ""])
def test_malformed_ids_are_left_to_the_schema(value):
    stay = _stay("FNR", TENOR_WOMAN_1940)
    stay["pasient"]["id"] = value
    assert _rules(stay) == []


def test_findings_never_carry_the_full_number():
    classic = _classic_from_synthetic(TENOR_WOMAN_1940)
    cases = [
        _stay("FNR", classic),
        _stay("FNR", TENOR_WOMAN_1940[:10] + "7"),
        _stay("DNR", TENOR_WOMAN_1940),
        _stay("FNR", TENOR_WOMAN_1940, kjonn="1", alder=3),
    ]
    for stay in cases:
        number = stay["pasient"]["id"]
        for hit in check_one_stay(check_patient, stay, _ctx()):
            text = json.dumps(hit.params, ensure_ascii=False)
            assert number not in text
            assert hit.params["id_maskert"].endswith(number[-2:])
