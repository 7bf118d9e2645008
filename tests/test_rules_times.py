"""Time rules (KAD-TID-*) and the message rules (KAD-MLD-*): DST, real dates, order, duration."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from kad_spec.message.batch import check_one_stay

from kad_spec.rules.context import MessageContext
from kad_spec.rules.message import check_created_not_future, check_version
from kad_spec.rules.times import check_created, check_stay_times

BASE = json.loads((Path(__file__).resolve().parents[1] / "examples" / "kad-melding.json").read_text(encoding="utf-8"))


def _ctx(created: str = "2025-12-01T06:00:00+01:00", today: date = date(2026, 1, 1), version: str = "1.0.0") -> MessageContext:
    header = copy.deepcopy({k: v for k, v in BASE.items() if k != "opphold"})
    header["meldingsinfo"]["opprettet"] = created
    header["meldingsinfo"]["spesifikasjonsversjon"] = version
    return MessageContext(header=header, today=today)


def _stay(admitted, discharged=None) -> dict:
    stay = copy.deepcopy(BASE["opphold"][0])
    stay["innleggelsestidspunkt"] = admitted
    if discharged is None:
        stay.pop("utskrivningstidspunkt")
    else:
        stay["utskrivningstidspunkt"] = discharged
    return stay


def _hits(admitted, discharged=None, **ctx):
    return [(h.rule_id, h.pointer) for h in check_one_stay(check_stay_times, _stay(admitted, discharged), _ctx(**ctx))]


def _rules(admitted, discharged=None, **ctx):
    return [rule for rule, _ in _hits(admitted, discharged, **ctx)]


# -- summer time, Europe/Oslo 2025: 30 March 02:00 -> 03:00; 26 October 03:00 -> 02:00 ------------
@pytest.mark.parametrize("local", ["2025-03-30T02:00", "2025-03-30T02:30:00", "2025-03-30T02:59:59"])
def test_spring_gap_does_not_exist(local):
    assert _hits(local, "2025-04-01T10:00") == [("KAD-TID-004", "/innleggelsestidspunkt")]


@pytest.mark.parametrize("local", ["2025-03-30T01:59", "2025-03-30T03:00", "2025-03-30T02:30+01:00", "2025-03-30T02:30Z"])
def test_around_the_spring_gap_is_fine(local):
    assert _rules(local, "2025-04-01T10:00") == []


@pytest.mark.parametrize("local", ["2025-10-26T02:00", "2025-10-26T02:30", "2025-10-26T02:59"])
def test_autumn_fold_is_ambiguous(local):
    assert _hits("2025-10-25T10:00", local) == [("KAD-TID-005", "/utskrivningstidspunkt")]


@pytest.mark.parametrize("local", ["2025-10-26T01:59", "2025-10-26T03:00", "2025-10-26T02:30+02:00", "2025-10-26T02:30+01:00"])
def test_around_the_autumn_fold_is_fine(local):
    assert _rules("2025-10-25T10:00", local) == []


def test_dst_checks_apply_to_the_message_time():
    assert [h.rule_id for h in check_created({"meldingsinfo": {"opprettet": "2025-03-30T02:15"}}, _ctx())] == ["KAD-TID-004"]
    assert [h.rule_id for h in check_created({"meldingsinfo": {"opprettet": "2025-10-26T02:15"}}, _ctx())] == ["KAD-TID-005"]
    assert list(check_created({"meldingsinfo": {"opprettet": "2025-10-26T02:15+01:00"}}, _ctx())) == []


def test_order_is_by_instant_across_the_autumn_change():
    # 02:30+02:00 (summer time) is before 02:10+01:00 (winter time), though the wall clock says otherwise.
    assert _rules("2025-10-26T02:30+02:00", "2025-10-26T02:10+01:00") == []
    assert _rules("2025-10-26T02:10+01:00", "2025-10-26T02:30+02:00") == ["KAD-TID-001"]


def test_discharge_equal_to_admission_is_allowed_and_earlier_is_not():
    assert _rules("2025-03-01T14:35", "2025-03-01T14:35:00") == []
    assert _hits("2025-03-01T14:35", "2025-03-01T14:34") == [("KAD-TID-001", "/utskrivningstidspunkt")]


# -- dates that do not exist --------------------------------------------------------------------
@pytest.mark.parametrize("text", ["2025-02-30T10:00", "2025-02-29T10:00", "2025-13-01T10:00", "2025-03-01T24:00", "2025-03-01T10:60"])
def test_pattern_shaped_text_that_is_no_real_time(text):
    assert _hits(text, "2025-03-04T10:00") == [("KAD-TID-007", "/innleggelsestidspunkt")]


def test_leap_day_exists():
    assert _rules("2024-02-29T10:00", "2024-03-01T10:00") == []


@pytest.mark.parametrize("text", ["2025-3-1T10:00", "i går", 20250301, None])
def test_wrong_shape_is_left_to_the_schema(text):
    stay = _stay("2025-03-01T10:00", "2025-03-04T10:00")
    stay["utskrivningstidspunkt"] = text
    assert list(check_one_stay(check_stay_times, stay, _ctx())) == []


def test_message_time_that_does_not_exist():
    hits = list(check_created({"meldingsinfo": {"opprettet": "2025-02-30T06:00"}}, _ctx()))
    assert [(h.rule_id, h.pointer) for h in hits] == [("KAD-TID-007", "/meldingsinfo/opprettet")]


# -- 2017, after the message, duration ----------------------------------------------------------
def test_first_day_of_2017_is_the_limit():
    assert _rules("2017-01-01T00:00", "2017-01-02T10:00") == []
    assert _rules("2016-12-31T23:59", "2017-01-02T10:00") == ["KAD-TID-003"]


def test_times_after_the_message_was_created():
    created = "2025-03-05T06:00:00+01:00"
    assert _rules("2025-03-05T05:59", created=created) == []
    assert _hits("2025-03-05T06:01", created=created) == [("KAD-TID-002", "/innleggelsestidspunkt")]
    assert _hits("2025-03-04T10:00", "2025-03-05T07:00", created=created) == [("KAD-TID-002", "/utskrivningstidspunkt")]
    # The same instant written in UTC is not later.
    assert _rules("2025-03-04T10:00", "2025-03-05T05:00Z", created=created) == []


def test_stays_over_30_days():
    assert _rules("2025-01-01T10:00", "2025-01-31T10:00") == []  # exactly 30 days
    assert _rules("2025-01-01T10:00", "2025-01-31T10:01") == ["KAD-TID-006"]
    # Across the spring change 30 wall-clock days are an hour short of 30 days.
    assert _rules("2025-03-15T10:00", "2025-04-14T10:30") == []
    assert _rules("2025-03-15T10:00", "2025-04-14T11:01") == ["KAD-TID-006"]


def test_ongoing_stay_is_measured_to_the_message_time():
    assert _rules("2025-11-01T06:00", created="2025-12-01T06:00:00+01:00") == []
    hits = list(check_one_stay(check_stay_times, _stay("2025-10-01T06:00"), _ctx(created="2025-12-01T06:00:00+01:00")))
    assert [h.rule_id for h in hits] == ["KAD-TID-006"]
    assert hits[0].params["dogn"] == 61


# -- message: version and creation time ---------------------------------------------------------
def test_supported_version():
    assert list(check_version({"meldingsinfo": {"spesifikasjonsversjon": "1.0.0"}}, _ctx())) == []
    hits = list(check_version({"meldingsinfo": {"spesifikasjonsversjon": "1.1.0"}}, _ctx()))
    assert [h.rule_id for h in hits] == ["KAD-MLD-001"]
    assert hits[0].params["stottede"] == "1.0.0"


def test_created_after_the_validation_day():
    ctx = _ctx(created="2026-01-02T00:00:00+01:00", today=date(2026, 1, 1))
    assert [h.rule_id for h in check_created_not_future(ctx.header, ctx)] == ["KAD-MLD-002"]
    ctx = _ctx(created="2026-01-01T23:59:00+01:00", today=date(2026, 1, 1))
    assert list(check_created_not_future(ctx.header, ctx)) == []


def test_created_later_today_than_now():
    now = datetime.now(timezone.utc)
    soon = (now + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    later = (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ctx = _ctx(created=soon, today=date.today())
    assert list(check_created_not_future(ctx.header, ctx)) == []  # within the clock skew
    ctx = _ctx(created=later, today=date.today())  # later today, or tomorrow near midnight: both future
    assert [h.rule_id for h in check_created_not_future(ctx.header, ctx)] == ["KAD-MLD-002"]
