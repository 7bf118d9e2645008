"""The stays of a report as columns (numpy arrays), so that every figure is a pass in C.

A register of ten years holds some 600 000 stays; a figure per stay in Python costs a second
for each pass. The stays are read once into :class:`StayColumns` (from the records of message
files, :func:`from_records`, or straight from the register's rows, :class:`RegisterColumns`)
and the figures (kad_spec.activity.figures, kad_spec.activity.feedback) count with bincount,
searchsorted and sorting.

Text values (sex, categories, units, persons) are small integers into a list of labels, -1 for
none; diagnoses are an index into a list of distinct diagnosis tuples (0 is the empty one),
since a few thousand combinations cover every stay.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from kad_spec.activity.records import StayRecord, _diagnoses, to_record

NONE = -1
NAT_DAY = 0  # no discharge day (date ordinals start at 1)


class Labels:
    """Text values as small integers: ``code(value)``, ``labels[code]``; None and "" are NONE."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self._index: dict[str, int] = {}

    def code(self, value) -> int:
        found = self._index.get(value)
        if found is None:
            if not value:
                return NONE
            found = self._index[value] = len(self.labels)
            self.labels.append(value)
        return found

    def codes(self, values) -> np.ndarray:
        return np.fromiter((self.code(v) for v in values), dtype=np.int32)

    def get(self, code: int) -> str | None:
        return None if code == NONE else self.labels[code]


@dataclass
class StayColumns:
    """One entry per stay in every array."""

    admitted_day: np.ndarray  # int32 date ordinal (Norwegian calendar day)
    admitted_at: np.ndarray  # float64 POSIX seconds
    discharged_day: np.ndarray  # int32 ordinal, NAT_DAY when not discharged
    discharged_at: np.ndarray  # float64, nan when not discharged
    discharge_invalid: np.ndarray  # bool
    age: np.ndarray  # int16, -1 unknown
    sex: np.ndarray  # int32 into sexes.labels
    referral: np.ndarray  # int32 into categories
    referral_orgnr: np.ndarray  # bool
    referral_herid: np.ndarray
    destination: np.ndarray  # int32 into categories
    destination_orgnr: np.ndarray
    destination_herid: np.ndarray
    admission_dx: np.ndarray  # int32 into diagnoses
    discharge_dx: np.ndarray
    sexes: Labels
    categories: Labels  # referral and destination categories share one list
    diagnoses: list[tuple]  # distinct diagnosis tuples; 0 is ()
    # What only the register knows (kad_spec.activity.feedback); empty for a file report.
    unit: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    units: Labels = field(default_factory=Labels)
    person: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # -1 unknown
    admission_reported: np.ndarray = field(default_factory=lambda: np.zeros(0))  # POSIX seconds, nan unknown
    discharge_reported: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stay_ids: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.admitted_day)

    @property
    def discharged(self) -> np.ndarray:
        return self.discharged_day != NAT_DAY

    def lengths(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Days (hours / 24) of the discharged stays (within ``mask``), sorted."""
        chosen = self.discharged if mask is None else self.discharged & mask
        return np.sort((self.discharged_at[chosen] - self.admitted_at[chosen]) / 86400.0)

    def take(self, mask: np.ndarray) -> "StayColumns":
        """The stays where ``mask`` is true (labels shared)."""
        picked = {name: getattr(self, name)[mask] for name in _ARRAYS}
        extra = {}
        if len(self.unit):
            extra = {name: getattr(self, name)[mask] for name in _REGISTER_ARRAYS}
            extra["stay_ids"] = [sid for sid, keep in zip(self.stay_ids, mask) if keep]
        return StayColumns(**picked, sexes=self.sexes, categories=self.categories, diagnoses=self.diagnoses,
                           units=self.units, **extra)


_ARRAYS = ("admitted_day", "admitted_at", "discharged_day", "discharged_at", "discharge_invalid", "age", "sex",
           "referral", "referral_orgnr", "referral_herid", "destination", "destination_orgnr", "destination_herid",
           "admission_dx", "discharge_dx")
_REGISTER_ARRAYS = ("unit", "person", "admission_reported", "discharge_reported")


class _Diagnoses:
    """Distinct diagnosis tuples, 0 the empty one."""

    def __init__(self) -> None:
        self.tuples: list[tuple] = [()]
        self._index: dict[tuple, int] = {(): 0}
        self._by_text: dict[str | None, int] = {None: 0}

    def code(self, diagnoses: tuple) -> int:
        found = self._index.get(diagnoses)
        if found is None:
            found = self._index[diagnoses] = len(self.tuples)
            self.tuples.append(diagnoses)
        return found

    def code_of_text(self, text: str | None) -> int:
        """The register keeps diagnoses as JSON ``[[kodeverk, kode], ...]``: read as a message's."""
        found = self._by_text.get(text)
        if found is None:
            pairs = json.loads(text)
            found = self._by_text[text] = self.code(_diagnoses([{"kodeverk": s, "kode": c} for s, c in pairs]))
        return found


def _columns(records: list[StayRecord], sexes: Labels, categories: Labels, diagnoses: _Diagnoses) -> dict:
    nan = float("nan")
    return {
        "admitted_day": np.fromiter((r.admitted_day.toordinal() for r in records), np.int32, len(records)),
        "admitted_at": np.fromiter((r.admitted_at for r in records), np.float64, len(records)),
        "discharged_day": np.fromiter((r.discharged_day.toordinal() if r.discharged_day else NAT_DAY for r in records),
                                      np.int32, len(records)),
        "discharged_at": np.fromiter((nan if r.discharged_at is None else r.discharged_at for r in records),
                                     np.float64, len(records)),
        "discharge_invalid": np.fromiter((r.discharge_invalid for r in records), bool, len(records)),
        "age": np.fromiter((-1 if r.age is None else r.age for r in records), np.int16, len(records)),
        "sex": sexes.codes(r.sex for r in records),
        "referral": categories.codes(r.referral for r in records),
        "referral_orgnr": np.fromiter((r.referral_orgnr for r in records), bool, len(records)),
        "referral_herid": np.fromiter((r.referral_herid for r in records), bool, len(records)),
        "destination": categories.codes(r.destination for r in records),
        "destination_orgnr": np.fromiter((r.destination_orgnr for r in records), bool, len(records)),
        "destination_herid": np.fromiter((r.destination_herid for r in records), bool, len(records)),
        "admission_dx": np.fromiter((diagnoses.code(r.admission_diagnoses) for r in records), np.int32, len(records)),
        "discharge_dx": np.fromiter((diagnoses.code(r.discharge_diagnoses) for r in records), np.int32, len(records)),
    }


def from_records(records: list[StayRecord]) -> StayColumns:
    """The columns of stays read from message files."""
    sexes, categories, diagnoses = Labels(), Labels(), _Diagnoses()
    return StayColumns(**_columns(records, sexes, categories, diagnoses), sexes=sexes, categories=categories,
                       diagnoses=diagnoses.tuples)


# -- straight from the register ---------------------------------------------------------------
# The common shape, which the register's query picks out (FAST_ROWS) and this module reads a
# column at a time: the times in UTC as the register wrote them (the Norwegian day is worked out
# from the instant, as kad_spec.activity.records does for a time with an offset, and as the
# written day is for one without). The ids of referrer and destination come as 1/0 (given or
# not): ints cost less to fetch than text.
FAST_COLUMNS = ("virksomhet", "opphold_id", "person", "alder", "kjonn", "innlagt_utc", "utskrevet_utc",
                "henvist_fra_kategori", "henvist_fra_organisasjonsnummer", "henvist_fra_her_id",
                "utskrevet_til_kategori", "utskrevet_til_organisasjonsnummer", "utskrevet_til_her_id",
                "innskrivningsdiagnoser", "utskrivningsdiagnoser", "innlagt_meldt_utc", "utskrevet_meldt_utc")
GIVEN = ("henvist_fra_organisasjonsnummer", "henvist_fra_her_id", "utskrevet_til_organisasjonsnummer",
         "utskrevet_til_her_id")
# Every other row (a time the register could not put in UTC) is read whole and goes through
# kad_spec.activity.records.to_record.
REGISTER_COLUMNS = (*FAST_COLUMNS, "innlagt", "utskrevet", "status", "id_type", "bostedskommune")
_COLUMN = {name: index for index, name in enumerate(REGISTER_COLUMNS)}
FAST_ROWS = "innlagt_utc IS NOT NULL AND (utskrevet IS NULL OR utskrevet_utc IS NOT NULL)"


SECONDS = ("innlagt_utc", "utskrevet_utc", "innlagt_meldt_utc", "utskrevet_meldt_utc")


def fast_select(table: str, dialect: str = "sqlite") -> str:
    """The SELECT of the rows in the common shape, not cancelled. PostgreSQL gives the UTC times
    as seconds (it does so in C, and an integer costs less to send than text); SQLite gives the
    text, which numpy reads faster than SQLite's own date functions would."""
    given = {name: f"CASE WHEN trim({name}) <> '' THEN 1 ELSE 0 END" for name in GIVEN}
    if dialect == "postgresql":
        given.update({name: f"CAST(EXTRACT(EPOCH FROM CAST({name} AS timestamp)) AS bigint)" for name in SECONDS})
    columns = ", ".join(given.get(name, name) for name in FAST_COLUMNS)
    return f"SELECT {columns} FROM {table} WHERE NOT annullert AND {FAST_ROWS}"


def slow_select(table: str) -> str:
    return f"SELECT {', '.join(REGISTER_COLUMNS)} FROM {table} WHERE NOT annullert AND NOT ({FAST_ROWS})"


def oslo_days(seconds: np.ndarray) -> np.ndarray:
    """Date ordinals of the Norwegian calendar day of POSIX instants (nan: NAT_DAY).

    Europe/Oslo's offset changes only on the hour: it is looked up once per distinct hour."""
    from datetime import datetime

    from kad_spec.spec.timeutil import OSLO

    known = ~np.isnan(seconds)
    hours = np.floor(seconds[known] / 3600.0).astype(np.int64)
    distinct, inverse = np.unique(hours, return_inverse=True)
    offsets = np.array([datetime.fromtimestamp(int(h) * 3600, OSLO).utcoffset().total_seconds() for h in distinct])
    days = np.full(len(seconds), NAT_DAY, np.int64)
    if len(hours):
        days[known] = np.floor((seconds[known] + offsets[inverse]) / 86400.0).astype(np.int64) + date(1970, 1, 1).toordinal()
    return days.astype(np.int32)


class _Factor:
    """Numbers for the values of a column, batch after batch: dict.setdefault over one counter,
    in C. The numbers are not dense (a value seen again skips one); ``codes`` maps them."""

    def __init__(self) -> None:
        self.seen: dict = {}
        self._counter = itertools.count()
        self._parts: list[np.ndarray] = []

    def add(self, values) -> None:
        self._parts.append(np.fromiter(map(self.seen.setdefault, values, self._counter), np.int64, len(values)))

    def numbers(self) -> np.ndarray:
        return np.concatenate(self._parts) if self._parts else np.zeros(0, np.int64)

    def codes(self, code_of) -> np.ndarray:
        """Each value's ``code_of(value)``."""
        lookup = np.full(max(self.seen.values(), default=-1) + 1, NONE, np.int32)
        for value, number in self.seen.items():
            lookup[number] = code_of(value)
        return lookup[self.numbers()]


def _days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm), in numpy."""
    year = year - (month <= 2)
    era = np.floor_divide(year, 400)
    of_era = year - era * 400
    of_year = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    of_cycle = of_era * 365 + of_era // 4 - of_era // 100 + of_year
    return era * 146097 + of_cycle - 719468


def _seconds(values) -> np.ndarray:
    """POSIX seconds of a column of the fast select: numbers already (PostgreSQL), or UTC texts."""
    sample = next((v for v in values if v is not None), None)
    if sample is None or isinstance(sample, str):
        return _utc_seconds(values)
    return np.array([np.nan if v is None else v for v in values], np.float64)


def _utc_seconds(texts) -> np.ndarray:
    """POSIX seconds of the register's UTC texts (``2025-03-01T13:35:00Z``; None: nan): the
    digits read as bytes by numpy, which is many times faster than parsing them as dates."""
    raw = np.array([t or "" for t in texts], dtype="S20")
    if not len(raw):
        return np.zeros(0)
    missing = raw == b""
    digits = raw.view(np.uint8).reshape(-1, 20).astype(np.int64) - 48

    def number(first: int, last: int) -> np.ndarray:
        value = np.zeros(len(raw), np.int64)
        for position in range(first, last):
            value = value * 10 + digits[:, position]
        return value

    days = _days_from_civil(number(0, 4), number(5, 7), number(8, 10))
    seconds = (days * 86400 + number(11, 13) * 3600 + number(14, 16) * 60 + number(17, 19)).astype(np.float64)
    seconds[missing] = np.nan
    return seconds


class RegisterColumns:
    """The register's rows made into columns batch by batch, so that no row outlives its batch."""

    FACTORED = ("virksomhet", "person", "kjonn", "henvist_fra_kategori", "utskrevet_til_kategori",
                "innskrivningsdiagnoser", "utskrivningsdiagnoser")
    def __init__(self) -> None:
        self.factors = {name: _Factor() for name in self.FACTORED}
        self.parts: dict[str, list[np.ndarray]] = {name: [] for name in (*SECONDS, "alder", *GIVEN)}
        self.stay_ids: list[str] = []
        self.rows = 0

    def add(self, rows: list[tuple]) -> None:
        """A batch of ``fast_select`` rows."""
        if not rows:
            return
        column = dict(zip(FAST_COLUMNS, zip(*rows)))
        for name in self.FACTORED:
            self.factors[name].add(column[name])
        for name in SECONDS:
            self.parts[name].append(_seconds(column[name]))
        ages = np.array([a if a is not None else -1 for a in column["alder"]], np.int64)
        ages[(ages < 0) | (ages > 130)] = -1
        self.parts["alder"].append(ages.astype(np.int16))
        for name in GIVEN:
            self.parts[name].append(np.array(column[name], dtype=bool))
        self.stay_ids.extend(column["opphold_id"])
        self.rows += len(rows)

    def _joined(self, name: str, dtype) -> np.ndarray:
        return np.concatenate(self.parts[name]) if self.parts[name] else np.zeros(0, dtype)

    def finish(self, slow: list[tuple]) -> tuple[StayColumns, list[str]]:
        """The columns, with the rows of ``slow_select`` read through to_record as a file's stay
        would be (so both give the same figures); and the unit of every row whose admission cannot
        be used (counted, as a file's would be)."""
        from kad_spec.register.export import as_message_stay

        sexes, categories, diagnoses, units = Labels(), Labels(), _Diagnoses(), Labels()
        columns = self._fast_columns(sexes, categories, diagnoses)
        slow_records, unusable = [], []
        for row in slow:
            record = to_record(as_message_stay(_Row(row)))
            if record is None:
                unusable.append(row[_COLUMN["virksomhet"]])
                continue
            slow_records.append(record)
            self.factors["virksomhet"].add([row[_COLUMN["virksomhet"]]])
            self.factors["person"].add([row[_COLUMN["person"]]])
            for name in ("innlagt_meldt_utc", "utskrevet_meldt_utc"):
                self.parts[name].append(_utc_seconds([row[_COLUMN[name]]]))
            self.stay_ids.append(row[_COLUMN["opphold_id"]])
        if slow_records:
            more = _columns(slow_records, sexes, categories, diagnoses)
            columns = {name: np.concatenate([columns[name], more[name]]) for name in columns}
        persons = self.factors["person"]
        unknown = [number for value, number in persons.seen.items() if not value]
        person = persons.numbers()
        if unknown:
            person[np.isin(person, unknown)] = NONE
        register = {"unit": self.factors["virksomhet"].codes(units.code), "person": person,
                    "admission_reported": self._joined("innlagt_meldt_utc", np.float64),
                    "discharge_reported": self._joined("utskrevet_meldt_utc", np.float64),
                    "stay_ids": self.stay_ids}
        return StayColumns(**columns, sexes=sexes, categories=categories, diagnoses=diagnoses.tuples, units=units,
                           **register), unusable

    def _fast_columns(self, sexes: Labels, categories: Labels, diagnoses: _Diagnoses) -> dict:
        f = self.factors
        admitted_at = self._joined("innlagt_utc", np.float64)
        discharged_at = self._joined("utskrevet_utc", np.float64)
        discharged_day = oslo_days(discharged_at)
        invalid = discharged_at < admitted_at  # nan compares false: no discharge is not invalid
        discharged_at[invalid] = np.nan
        discharged_day[invalid] = NAT_DAY
        return {
            "admitted_day": oslo_days(admitted_at), "admitted_at": admitted_at,
            "discharged_day": discharged_day, "discharged_at": discharged_at, "discharge_invalid": invalid,
            "age": self._joined("alder", np.int16), "sex": f["kjonn"].codes(sexes.code),
            "referral": f["henvist_fra_kategori"].codes(categories.code),
            "referral_orgnr": self._joined("henvist_fra_organisasjonsnummer", bool),
            "referral_herid": self._joined("henvist_fra_her_id", bool),
            "destination": f["utskrevet_til_kategori"].codes(categories.code),
            "destination_orgnr": self._joined("utskrevet_til_organisasjonsnummer", bool),
            "destination_herid": self._joined("utskrevet_til_her_id", bool),
            "admission_dx": f["innskrivningsdiagnoser"].codes(diagnoses.code_of_text),
            "discharge_dx": f["utskrivningsdiagnoser"].codes(diagnoses.code_of_text),
        }


class _Row:
    """A tuple of REGISTER_COLUMNS read by name, as kad_spec.register.export.as_message_stay reads a row."""

    __slots__ = ("_values",)

    def __init__(self, values: tuple):
        self._values = values

    def __getattr__(self, name: str):
        try:
            return self._values[_COLUMN[name]]
        except KeyError:
            raise AttributeError(name) from None


__all__ = ["NONE", "NAT_DAY", "Labels", "RegisterColumns", "StayColumns", "from_records", "fast_select", "slow_select"]
