"""Times as the register keeps them: UTC, as fixed-width ISO text that sorts as the times do.

``2025-03-01T13:35:00Z``: always to the second (a fraction of a second is dropped), so that text
order is time order on SQLite and PostgreSQL alike, and so that a time shown in a report is never
a run of digits the output boundary would take for a personal id. A message's time without an
offset is Norwegian time (Europe/Oslo), as everywhere in kad-spec (kad_spec.spec.timeutil).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from kad_spec.spec.timeutil import OSLO, parse_moment

FORMAT = "%Y-%m-%dT%H:%M:%SZ"


_HOUR_OFFSETS: dict[str, timedelta] = {}  # "YYYY-MM-DDTHH" (Norwegian time) -> its UTC offset


def as_utc(value) -> str | None:
    """A message's time (text) in UTC; None when it is no time."""
    if type(value) is str and len(value) == 19 and value[10] == "T" and value[:4] >= "1900":
        quick = _local_as_utc(value)
        if quick is not None:
            return quick
    moment = parse_moment(value)
    if moment is None:
        return None
    try:
        return text(moment.instant())
    except (OverflowError, ValueError):  # beyond year 9999 or before year 1 in UTC
        return None


def now() -> str:
    return text(datetime.now(timezone.utc))


def start_of(day: date) -> str:
    """Midnight at the start of ``day`` in Norway, in UTC."""
    return text(datetime.combine(day, time(), tzinfo=OSLO))


def parse(text: str) -> datetime:
    return datetime.strptime(text, FORMAT).replace(tzinfo=timezone.utc)


def text(value: datetime) -> str:
    """``value`` as the register writes a time (FORMAT; isoformat is the quicker way to it)."""
    return value.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def _local_as_utc(value: str) -> str | None:
    """``YYYY-MM-DDTHH:MM:SS`` without offset, the common case, by the offset of its hour in
    Norway: since 1895 Europe/Oslo changes offset only on the hour, so every minute of an hour
    has the offset its first minute has (fold 0, as everywhere: kad_spec.spec.timeutil). None:
    not that form, and the general way decides. A test holds the two ways together."""
    try:
        local = datetime.fromisoformat(value)
        if local.tzinfo is not None:
            return None
        offset = _HOUR_OFFSETS.get(value[:13])
        if offset is None:
            offset = _HOUR_OFFSETS[value[:13]] = local.replace(minute=0, second=0, tzinfo=OSLO).utcoffset()
        return (local - offset).isoformat() + "Z"
    except (OverflowError, ValueError):
        return None
