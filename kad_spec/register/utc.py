"""Times as the register keeps them: UTC, as fixed-width ISO text that sorts as the times do.

``2025-03-01T13:35:00Z``: always to the second (a fraction of a second is dropped), so that text
order is time order on SQLite and PostgreSQL alike, and so that a time shown in a report is never
a run of digits the output boundary would take for a personal id. A message's time without an
offset is Norwegian time (Europe/Oslo), as everywhere in kad-spec (kad_spec.spec.timeutil).
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone

from kad_spec.spec.timeutil import OSLO, parse_moment

FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def as_utc(value) -> str | None:
    """A message's time (text) in UTC; None when it is no time."""
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
