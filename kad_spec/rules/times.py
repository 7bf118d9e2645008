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

import numpy as np

from kad_spec.spec.findings import Hit
from kad_spec.rules import batch_check, get, message_check
from kad_spec.message.batch import MISSING
from kad_spec.spec.timeutil import MAX_OFFSET, TIME_SHAPE, OSLO, Moment, is_ambiguous_local, is_nonexistent_local, oslo_date, parse_moment

# The rules this module finds (see their entries in model/rules/).
TID_001 = "KAD-TID-001"
TID_002 = "KAD-TID-002"
TID_003 = "KAD-TID-003"
TID_004 = "KAD-TID-004"
TID_005 = "KAD-TID-005"
TID_006 = "KAD-TID-006"
TID_007 = "KAD-TID-007"

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
            hits.append(Hit(TID_007, pointer, {"element": element, "verdi": value}))
        return None
    if not moment.has_offset and _may_touch_dst(moment.local):
        if is_nonexistent_local(moment.local):
            hits.append(Hit(TID_004, pointer, {"element": element, "verdi": value}))
        elif is_ambiguous_local(moment.local):
            hits.append(Hit(TID_005, pointer, {"element": element, "verdi": value}))
    return moment


@message_check
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

    Per stay: the instants in seconds since 1970 (None when absent or unreadable) and the
    admission's calendar date in Norway, also as an array of ordinals (``date.toordinal``, 0
    for None) for the rules that judge a whole column at once; ``simple`` marks the stays whose
    times are plain local times away from a change of clock (the others get a closer look by
    the time rules).

    Times of the two usual shapes (``YYYY-MM-DDTHH:MM`` and ``…:SS``, no offset) are read for
    the whole batch at once from their digits; any other text, and a time near a change of
    clock, is read by :func:`parse_written` one at a time.
    """

    __slots__ = ("start", "end", "day", "day_ordinal", "simple", "_written")

    def __init__(self, batch):
        written_in = batch.column("innleggelsestidspunkt")
        written_out = batch.column("utskrivningstidspunkt")
        self._written = (written_in, written_out)
        n = len(written_in)
        instants, days, ordinals, plain = _instants(written_in + written_out)  # both columns in one pass
        self.start, self.end, self.day, self.day_ordinal = instants[:n], instants[n:], days[:n], ordinals[:n]
        absent_out = np.fromiter((v is MISSING for v in written_out), dtype=bool, count=n)
        self.simple = plain[:n] & (plain[n:] | absent_out)

    def admitted(self, i: int) -> datetime | None:
        return parse_written(self._written[0][i])

    def discharged(self, i: int) -> datetime | None:
        return parse_written(self._written[1][i])


_PLAIN_SHAPES = {16: re.compile(rb"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2})+"),
                 19: re.compile(rb"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})+")}


def _field_weights(length: int) -> np.ndarray:
    """Per character of a plain time, its weight in (date as YYYYMMDD, hour, minute, second,
    seconds into the day): one matrix product reads every field of a column of times."""
    places = {"date": (0, 1, 2, 3, 5, 6, 8, 9), "hour": (11, 12), "minute": (14, 15), "second": (17, 18)}
    weights = np.zeros((length, 5), dtype=np.int64)
    for column, (name, at) in enumerate(places.items()):
        for power, position in enumerate(reversed(at)):
            if position < length:
                weights[position, column] = 10 ** power
    weights[:, 4] = weights[:, 1] * 3600 + weights[:, 2] * 60 + weights[:, 3]
    return weights


_WEIGHTS = {length: _field_weights(length) for length in _PLAIN_SHAPES}
_ZERO_OFFSETS = {length: 48 * weights.sum(axis=0) for length, weights in _WEIGHTS.items()}  # the digits' "0"s


def _instants(values: list) -> tuple[list, list, np.ndarray, np.ndarray]:
    """(instants, Oslo dates, their ordinals, plain) of a column of times; plain: read from the digits."""
    n = len(values)
    start: list = [None] * n
    days: list = [None] * n
    ordinals = np.zeros(n, dtype=np.int64)
    plain = np.zeros(n, dtype=bool)
    for length, shape in _PLAIN_SHAPES.items():
        rows = [i for i, v in enumerate(values) if type(v) is str and len(v) == length]
        if rows:
            _read_plain(values, rows, length, shape, start, days, ordinals, plain)
    for i in np.flatnonzero(~plain).tolist():
        written = parse_written(values[i])
        if written is not None:
            start[i], days[i] = written_epoch(written), oslo_date(written)
            ordinals[i] = days[i].toordinal()
    return start, days, ordinals, plain


def _read_plain(values, rows: list[int], length: int, shape, start: list, days: list, ordinals, plain) -> None:
    """Times of one plain shape read from their digits; the calendar is consulted once per date."""
    text = "".join(values[i] for i in rows).encode()
    if len(text) != length * len(rows) or shape.fullmatch(text) is None:
        return  # another shape among them: one by one
    codes = np.frombuffer(text, dtype=np.uint8).reshape(-1, length).astype(np.int64)
    dated, hour, minute, second, into_day = (codes @ _WEIGHTS[length] - _ZERO_OFFSETS[length]).T
    unique, inverse = np.unique(dated, return_inverse=True)
    dates, offsets, near_change = _calendar(unique.tolist())
    offset = np.array(offsets)[inverse]  # nan: no such date, or a day the clock changes
    ok = ~np.isnan(offset) & (hour <= 23) & (minute <= 59) & (second <= 59)
    # Near a change of clock (last Sunday of March and October, 02:00–03:00) the rules look closer.
    ok &= ~(np.array(near_change)[inverse] & (hour == 2))
    ordinal = np.array([day.toordinal() if day is not None else 0 for day in dates])[inverse]
    local = ((ordinal - 719163) * 86400 + into_day).astype(np.float64)
    instants = (local - offset).tolist()
    ordinals[np.array(rows)[ok]] = ordinal[ok]
    inverse = inverse.tolist()
    for k in np.flatnonzero(ok).tolist():
        i = rows[k]
        start[i], days[i], plain[i] = instants[k], dates[inverse[k]], True


def _calendar(dated: list[int]) -> tuple[list, list[float], list[bool]]:
    """Per date written as YYYYMMDD: the date (None if there is none such), Oslo's offset all day
    (nan when there is no date or the clock changes that day), and whether it may be a day of change."""
    dates, offsets, near_change = [], [], []
    for number in dated:
        year, rest = divmod(number, 10000)
        month, day = divmod(rest, 100)
        try:
            found = date(year, month, day)
        except ValueError:
            found = None
        offset = _oslo_offset_of_day(found) if found is not None else None
        dates.append(found)
        offsets.append(float("nan") if offset is None else offset)
        near_change.append(day >= 25 and month in (3, 10))
    return dates, offsets, near_change


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
            hits.append(Hit(TID_007, f"/{key}", {"element": f"opphold.{key}", "verdi": value}))
    elif written.tzinfo is None and _may_touch_dst(written):
        _read(value, f"/{key}", f"opphold.{key}", hits)


@batch_check
def check_stay_times(batch, ctx) -> list[tuple[int, Hit]]:
    times = stay_times(batch)
    written_in = batch.column("innleggelsestidspunkt")
    written_out = batch.column("utskrivningstidspunkt")
    created_at = _created_at(ctx)
    found = []
    for i in _worth_a_look(times, created_at):
        start, end, day = times.start[i], times.end[i], times.day[i]
        hits: list[Hit] = []
        _check_time(written_in[i], times.admitted(i), "innleggelsestidspunkt", hits)
        _check_time(written_out[i], times.discharged(i), "utskrivningstidspunkt", hits)
        if day is not None and day < FIRST_ADMISSION:
            hits.append(Hit(TID_003, "/innleggelsestidspunkt", {"dato": day.isoformat()}))
        if start is not None and end is not None and end < start:
            hits.append(Hit(TID_001, "/utskrivningstidspunkt", {
                "innleggelse": written_in[i], "utskrivning": written_out[i]}))
        if created_at is not None:
            for moment_at, (key, element), value in ((start, STAY_TIMES[0], written_in[i]),
                                                     (end, STAY_TIMES[1], written_out[i])):
                if moment_at is not None and moment_at > created_at:
                    hits.append(Hit(TID_002, f"/{key}", {
                        "element": element, "verdi": value, "opprettet": get(ctx.header, "meldingsinfo", "opprettet")}))
        ongoing = written_out[i] is MISSING  # present but unreadable is not "still admitted"
        _long_stay(start, end, created_at if ongoing else None, hits)
        found += [(i, hit) for hit in hits]
    return found


def _worth_a_look(times: StayTimes, created_at: float | None) -> list[int]:
    """The stays whose times may give a finding: all but plain times, in order and in range."""
    start = np.array(times.start, dtype=np.float64)  # None becomes nan
    end = np.array(times.end, dtype=np.float64)
    until = np.where(np.isnan(end), np.nan if created_at is None else created_at, end)
    with np.errstate(invalid="ignore"):
        fine = times.simple & ~(end < start) & ~((until - start) / SECONDS_PER_DAY > LONG_STAY_DAYS)
        if created_at is not None:
            fine &= ~(start > created_at) & ~(end > created_at)
    early = np.fromiter((day is not None and day < FIRST_ADMISSION for day in times.day), dtype=bool,
                        count=len(times.day))
    return np.flatnonzero(~fine | early).tolist()


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
        hits.append(Hit(TID_006, "/innleggelsestidspunkt" if end is None else "/utskrivningstidspunkt", {
            "dogn": int(days), "til": until_nb, "til_en": until_en, "grense": LONG_STAY_DAYS}))
