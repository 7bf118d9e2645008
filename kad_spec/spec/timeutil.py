"""Date-times as the message carries them: local Norwegian time, or with an explicit offset.

Every date taken from a time (age, the 2017 limit, code list editions, municipality validity,
occupancy) is its calendar date in Europe/Oslo (``Moment.day``, ``oslo_date``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")

# The shape of a time, digits in place. The schema's Tidspunkt pattern also bounds month, day,
# hour, minute and offset; text of this shape that is no real time is the time rules' finding
# (KAD-TID-007), not the schema's.
TIME_SHAPE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?$")
MAX_OFFSET = timedelta(hours=14)  # as xs:dateTime and the schema's pattern allow


def is_time_shaped(value) -> bool:
    """True for text shaped like a time (see TIME_SHAPE)."""
    return isinstance(value, str) and TIME_SHAPE.match(value) is not None


@dataclass(frozen=True)
class Moment:
    local: datetime  # wall-clock time as written, without tzinfo
    offset: timedelta | None  # the explicit offset, if one was written

    @property
    def day(self) -> date:
        """The calendar date in Norway: 2025-02-28T23:30:00Z is 1 March 2025 in Europe/Oslo."""
        if self.offset is None:
            return self.local.date()
        return oslo_date(self.instant())

    def instant(self) -> datetime:
        """An aware datetime; local times without offset are read as Europe/Oslo (fold 0)."""
        if self.offset is not None:
            return self.local.replace(tzinfo=timezone(self.offset))
        return self.local.replace(tzinfo=OSLO)

    @property
    def has_offset(self) -> bool:
        return self.offset is not None


def oslo_date(value: datetime) -> date:
    """The Europe/Oslo calendar date of a time: as written when naive, converted when it has an offset."""
    if value.tzinfo is None:
        return value.date()
    try:
        return value.astimezone(OSLO).date()
    except (OverflowError, ValueError):  # 9999-12-31T23:59-01:00 and the like: no date beyond year 9999
        return value.date()


@lru_cache(maxsize=8192)
def parse_moment(text) -> Moment | None:
    """Parse ``YYYY-MM-DDTHH:MM[:SS[.f]][Z|±HH:MM]``; None when it is not such a time."""
    if not isinstance(text, str) or len(text) < 16 or text[10:11] != "T":
        return None
    try:
        value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return None
    offset = value.utcoffset()
    return Moment(value.replace(tzinfo=None), offset)


def is_nonexistent_local(local: datetime) -> bool:
    """True for a wall-clock time skipped by the spring change to summer time in Norway."""
    aware = local.replace(tzinfo=OSLO)
    roundtrip = aware.astimezone(timezone.utc).astimezone(OSLO).replace(tzinfo=None)
    return roundtrip != local


def is_ambiguous_local(local: datetime) -> bool:
    """True for a wall-clock time that occurs twice in the autumn change back to standard time."""
    return local.replace(tzinfo=OSLO, fold=0).utcoffset() != local.replace(tzinfo=OSLO, fold=1).utcoffset()
