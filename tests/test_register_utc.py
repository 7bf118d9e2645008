"""The register's times in UTC: the quick way for a local time without offset (by the offset of its
hour in Norway) gives what the general way (kad_spec.spec.timeutil) gives, around every change of
Oslo's offset and on random times."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from kad_spec.register import utc
from kad_spec.spec.timeutil import OSLO, parse_moment


def general(value: str) -> str | None:
    moment = parse_moment(value)
    if moment is None:
        return None
    try:
        return utc.text(moment.instant())
    except (OverflowError, ValueError):
        return None


def days_of_change(first: int, last: int) -> list[date]:
    """The days on which Oslo's offset at noon differs from the day before's."""
    found, day = [], date(first, 1, 1)
    before = datetime.combine(day, datetime.min.time()).replace(hour=12, tzinfo=OSLO).utcoffset()
    while day.year <= last:
        day += timedelta(days=1)
        offset = datetime(day.year, day.month, day.day, 12, tzinfo=OSLO).utcoffset()
        if offset != before:
            found.append(day)
            before = offset
    return found


def test_every_minute_of_the_days_oslo_changes_offset():
    changes = days_of_change(1880, 2060)
    assert len(changes) > 100
    for day in changes:
        for delta in (day - timedelta(days=1), day):
            start = datetime(delta.year, delta.month, delta.day)
            for minute in range(0, 24 * 60, 7):  # every hour, at minutes that differ from hour to hour
                value = (start + timedelta(minutes=minute, seconds=minute % 60)).isoformat(timespec="seconds")
                assert utc.as_utc(value) == general(value), value


def test_random_times_and_what_is_no_time():
    rng = random.Random(18)
    for _ in range(50_000):
        value = (datetime(1, 1, 1) + timedelta(seconds=rng.randrange(315_537_897_600))).isoformat(timespec="seconds")
        assert utc.as_utc(value) == general(value), value
    for value in ("0001-01-01T00:30:00", "9999-12-31T23:59:59", "1900-01-01T00:00:00", "2025-03-01T14:35+01",
                  "2025-13-01T00:00:00", "2025-03-01T25:00:00", "2025-03-01 14:35:00", "2025-03-01T14:35:00Z",
                  "2025-03-30T02:30:00", "2025-10-26T02:30:00", "2025-03-01T14:35:0a", None, 20250301):
        assert utc.as_utc(value) == general(value), value
