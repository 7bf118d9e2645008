"""Rules: times (KAD-TID-*).

Times without an offset are Norwegian local time (Europe/Oslo). Each time is parsed once
(``parse_moment`` is cached); comparisons use the instant, so a stay across the autumn change
is not an hour too long.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Iterable

from kad_spec.findings import Hit
from kad_spec.rules import batch_check, get, message_check
from kad_spec.validation.batch import MISSING
from kad_spec.timeutil import MAX_OFFSET, TIME_SHAPE, OSLO, Moment, is_ambiguous_local, is_nonexistent_local, oslo_date, parse_moment

FIRST_ADMISSION = date(2017, 1, 1)  # KPR takes KAD stays from 1.1.2017
LONG_STAY_DAYS = 30
SECONDS_PER_DAY = 86400.0
STAY_TIMES = (
    ("innleggelsestidspunkt", "opphold.innleggelsestidspunkt"),
    ("utskrivningstidspunkt", "opphold.utskrivningstidspunkt"),
)


def _time_shape() -> re.Pattern:
    return TIME_SHAPE


def _beyond_offsets(written: datetime) -> bool:
    offset = written.utcoffset()
    return offset is not None and abs(offset) > MAX_OFFSET


_EPOCH = datetime(1970, 1, 1)


def epoch(moment: Moment) -> float:
    """Seconds since 1970 for a moment; local times read as Europe/Oslo (fold 0).

    Hot path: plain arithmetic with a per-day offset; only the two change-over days a year
    go through the time zone database.
    """
    local = moment.local
    seconds = (local - _EPOCH).total_seconds()
    if moment.offset is not None:
        return seconds - moment.offset.total_seconds()
    offset = _oslo_offset_of_day(local.date())
    if offset is None:  # a day with a change: the hour matters
        return moment.instant().timestamp()
    return seconds - offset


@lru_cache(maxsize=4096)
def _oslo_offset_of_day(day: date) -> float | None:
    """Oslo's UTC offset in seconds all day long, or None on a day when it changes."""
    start = datetime(day.year, day.month, day.day).replace(tzinfo=OSLO).utcoffset()
    end = datetime(day.year, day.month, day.day, 23, 59).replace(tzinfo=OSLO).utcoffset()
    return start.total_seconds() if start == end else None


def _may_touch_dst(local: datetime) -> bool:
    # The changes happen on the last Sunday of March and October between 02:00 and 03:00.
    return local.hour == 2 and local.day >= 25 and local.month in (3, 10)


def _read(value, pointer: str, element: str, hits: list[Hit]) -> Moment | None:
    """Parse a time; report a pattern-shaped text that is no real time, and local times around DST."""
    moment = parse_moment(value)
    if moment is None or (moment.offset is not None and abs(moment.offset) > MAX_OFFSET):
        if isinstance(value, str) and _time_shape().match(value):
            hits.append(Hit("KAD-TID-007", pointer, {"element": element, "verdi": value}))
        return None
    if not moment.has_offset and _may_touch_dst(moment.local):
        if is_nonexistent_local(moment.local):
            hits.append(Hit("KAD-TID-004", pointer, {"element": element, "verdi": value}))
        elif is_ambiguous_local(moment.local):
            hits.append(Hit("KAD-TID-005", pointer, {"element": element, "verdi": value}))
    return moment


@message_check("KAD-TID-004", "KAD-TID-005", "KAD-TID-007")
def check_created(header: dict, ctx) -> Iterable[Hit]:
    hits: list[Hit] = []
    _read(get(header, "meldingsinfo", "opprettet"), "/meldingsinfo/opprettet", "meldingsinfo.opprettet", hits)
    return hits


def parse_written(text) -> datetime | None:
    """A time as written: naive (Norwegian local time) or aware (explicit offset); None if unreadable.

    Accepts what ``parse_moment`` accepts (Python 3.11 reads a trailing Z itself), without
    building a Moment: this runs for every time of every stay.
    """
    if type(text) is not str or len(text) < 16 or text[10] != "T":
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def written_epoch(value: datetime) -> float:
    """Seconds since 1970; a naive time is Europe/Oslo (fold 0), by arithmetic outside change-over days."""
    if value.tzinfo is not None:
        return value.timestamp()
    offset = _oslo_offset_of_day(value.date())
    if offset is None:
        return value.replace(tzinfo=OSLO).timestamp()
    return (value - _EPOCH).total_seconds() - offset


class StayTimes:
    """The times of a batch's stays, parsed once and shared by every rule that needs them.

    Per stay: the datetimes as written (None when absent or unreadable), their instants in
    seconds since 1970, and the admission's calendar date in Norway.
    """

    __slots__ = ("admitted", "discharged", "start", "end", "day")

    def __init__(self, batch):
        self.admitted = list(map(parse_written, batch.column("innleggelsestidspunkt")))
        self.discharged = list(map(parse_written, batch.column("utskrivningstidspunkt")))
        self.start = [None if value is None else written_epoch(value) for value in self.admitted]
        self.end = [None if value is None else written_epoch(value) for value in self.discharged]
        self.day = [None if value is None else oslo_date(value) for value in self.admitted]


def stay_times(batch) -> StayTimes:
    """The batch's parsed times; computed for the first rule that asks, reused by the others."""
    times = batch.memo.get("times")
    if times is None:
        times = batch.memo["times"] = StayTimes(batch)
    return times


def _check_time(value, written: datetime | None, key: str, hits: list[Hit]) -> None:
    """TID-007 for a pattern-shaped text that is no real time; TID-004/005 around the DST change."""
    if written is None or (written.tzinfo is not None and _beyond_offsets(written)):
        if isinstance(value, str) and _time_shape().match(value):
            hits.append(Hit("KAD-TID-007", f"/{key}", {"element": f"opphold.{key}", "verdi": value}))
    elif written.tzinfo is None and _may_touch_dst(written):
        _read(value, f"/{key}", f"opphold.{key}", hits)


@batch_check("KAD-TID-001", "KAD-TID-002", "KAD-TID-003", "KAD-TID-004", "KAD-TID-005", "KAD-TID-006", "KAD-TID-007")
def check_stay_times(batch, ctx) -> list[tuple[int, Hit]]:
    times = stay_times(batch)
    written_in = batch.column("innleggelsestidspunkt")
    written_out = batch.column("utskrivningstidspunkt")
    created_at = _created_at(ctx)
    found = []
    for i, (admitted, discharged, start, end, day) in enumerate(
            zip(times.admitted, times.discharged, times.start, times.end, times.day)):
        if not _needs_a_look(admitted, discharged, start, end, day, created_at, written_out[i]):
            continue
        hits: list[Hit] = []
        _check_time(written_in[i], admitted, "innleggelsestidspunkt", hits)
        _check_time(written_out[i], discharged, "utskrivningstidspunkt", hits)
        if day is not None and day < FIRST_ADMISSION:
            hits.append(Hit("KAD-TID-003", "/innleggelsestidspunkt", {"dato": day.isoformat()}))
        if start is not None and end is not None and end < start:
            hits.append(Hit("KAD-TID-001", "/utskrivningstidspunkt", {
                "innleggelse": written_in[i], "utskrivning": written_out[i]}))
        if created_at is not None:
            for moment_at, (key, element), value in ((start, STAY_TIMES[0], written_in[i]),
                                                     (end, STAY_TIMES[1], written_out[i])):
                if moment_at is not None and moment_at > created_at:
                    hits.append(Hit("KAD-TID-002", f"/{key}", {
                        "element": element, "verdi": value, "opprettet": get(ctx.header, "meldingsinfo", "opprettet")}))
        ongoing = written_out[i] is MISSING  # present but unreadable is not "still admitted"
        _long_stay(start, end, created_at if ongoing else None, hits)
        found += [(i, hit) for hit in hits]
    return found


def _needs_a_look(admitted, discharged, start, end, day, created_at, written_out) -> bool:
    """False for the usual stay: both times readable (or discharge absent), nothing to report."""
    if admitted is None or (discharged is None and written_out is not MISSING):
        return True
    if admitted.tzinfo is not None or _may_touch_dst(admitted) or day < FIRST_ADMISSION:
        return True
    if discharged is not None and (discharged.tzinfo is not None or _may_touch_dst(discharged) or end < start):
        return True
    until = end if end is not None else created_at
    if until is not None and (until - start) / SECONDS_PER_DAY > LONG_STAY_DAYS:
        return True
    return created_at is not None and (start > created_at or (end is not None and end > created_at))


def _created_at(ctx) -> float | None:
    return ctx.created_at


def _long_stay(start, end, created_at, hits: list[Hit]) -> None:
    """Over 30 days to discharge, or (``created_at`` given for an ongoing stay) to the message time."""
    if start is None:
        return
    if end is not None:
        until, until_nb, until_en = end, "utskrivning", "discharge"
    elif created_at is not None:
        until, until_nb, until_en = created_at, "meldingen ble laget (oppholdet pågår)", "the message was created (the stay is ongoing)"
    else:
        return
    days = (until - start) / SECONDS_PER_DAY
    if days > LONG_STAY_DAYS:
        hits.append(Hit("KAD-TID-006", "/innleggelsestidspunkt" if end is None else "/utskrivningstidspunkt", {
            "dogn": int(days), "til": until_nb, "til_en": until_en, "grense": LONG_STAY_DAYS}))
