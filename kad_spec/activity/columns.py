"""The stays of a report as columns (numpy arrays), so that every figure is a pass in C.

A register of ten years holds some 600 000 stays; a figure per stay in Python costs a second
for each pass. The stays are read once into :class:`StayColumns` (from the records of message
files, :func:`from_records`, or straight from the register's rows, :func:`from_register_rows`)
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
# column at a time: times local without offset, and in UTC as the register wrote them. The ids
# of referrer and destination come as 1/0 (given or not): ints cost less to fetch than text.
FAST_COLUMNS = ("virksomhet", "opphold_id", "person", "alder", "kjonn", "innlagt", "innlagt_utc", "utskrevet",
                "utskrevet_utc", "henvist_fra_kategori", "henvist_fra_organisasjonsnummer", "henvist_fra_her_id",
                "utskrevet_til_kategori", "utskrevet_til_organisasjonsnummer", "utskrevet_til_her_id",
                "innskrivningsdiagnoser", "utskrivningsdiagnoser", "innlagt_meldt_utc", "utskrevet_meldt_utc")
GIVEN = ("henvist_fra_organisasjonsnummer", "henvist_fra_her_id", "utskrevet_til_organisasjonsnummer",
         "utskrevet_til_her_id")
# Every other row is read whole and goes through kad_spec.activity.records.to_record.
REGISTER_COLUMNS = (*FAST_COLUMNS, "status", "id_type", "bostedskommune")
_COLUMN = {name: index for index, name in enumerate(REGISTER_COLUMNS)}
_PLAIN = "length({c}) IN (16, 19) AND substr({c}, 11, 1) = 'T'"
FAST_ROWS = (f"{_PLAIN.format(c='innlagt')} AND innlagt_utc IS NOT NULL AND (utskrevet IS NULL OR "
             f"({_PLAIN.format(c='utskrevet')} AND utskrevet_utc IS NOT NULL))")


def fast_select(table: str) -> str:
    """The SELECT of the rows in the common shape, not cancelled."""
    given = {name: f"CASE WHEN trim({name}) <> '' THEN 1 ELSE 0 END" for name in GIVEN}
    columns = ", ".join(given.get(name, name) for name in FAST_COLUMNS)
    return f"SELECT {columns} FROM {table} WHERE NOT annullert AND {FAST_ROWS}"


def slow_select(table: str) -> str:
    return f"SELECT {', '.join(REGISTER_COLUMNS)} FROM {table} WHERE NOT annullert AND NOT ({FAST_ROWS})"


def _factorised(values) -> tuple[np.ndarray, list]:
    """(a number per value, the distinct values with their numbers): dict.setdefault over a
    counter, all in C. The numbers are not dense: a value seen again skips one."""
    seen: dict = {}
    numbers = np.fromiter(map(seen.setdefault, values, itertools.count()), np.int64, len(values))
    return numbers, list(seen.items())


def _codes(labels: Labels, values) -> np.ndarray:
    """Each value's code in ``labels`` (None and "" are NONE)."""
    numbers, distinct = _factorised(values)
    lookup = np.full(len(values), NONE, np.int32)
    for value, number in distinct:
        lookup[number] = labels.code(value)
    return lookup[numbers]


def _utc_seconds(texts) -> np.ndarray:
    """POSIX seconds of ``2025-03-01T13:35:00Z`` texts (None: nan), parsed by numpy in C."""
    values = np.array([t or "NaT" for t in texts], dtype="U19").astype("datetime64[s]")
    seconds = values.astype(np.int64).astype(np.float64)
    seconds[np.isnat(values)] = np.nan
    return seconds


def _local_days(texts) -> np.ndarray:
    """Date ordinals of the day in local times as written (None: NAT_DAY)."""
    days = np.array([t or "NaT" for t in texts], dtype="U10").astype("datetime64[D]")
    ordinals = days.astype(np.int64) + date(1970, 1, 1).toordinal()
    ordinals[np.isnat(days)] = NAT_DAY
    return ordinals.astype(np.int32)


def from_register_rows(fast: list[tuple], slow: list[tuple]) -> tuple[StayColumns, list[str]]:
    """The columns of the register's current stays: rows of ``fast_select`` read a column at a
    time, rows of ``slow_select`` through kad_spec.activity.records.to_record as a file's stay
    would be (so both give the same figures); and the unit of every row whose admission cannot
    be used (counted, as a file's would be)."""
    from kad_spec.register.export import as_message_stay

    slow_rows, slow_records, unusable = [], [], []
    for row in slow:
        record = to_record(as_message_stay(_Row(row)))
        if record is None:
            unusable.append(row[_COLUMN["virksomhet"]])
        else:
            slow_rows.append(row)
            slow_records.append(record)
    sexes, categories, diagnoses, units, persons = Labels(), Labels(), _Diagnoses(), Labels(), Labels()
    column = dict(zip(FAST_COLUMNS, zip(*fast))) if fast else {name: () for name in FAST_COLUMNS}
    columns = _fast_columns(column, len(fast), sexes, categories, diagnoses)
    if slow_records:
        more = _columns(slow_records, sexes, categories, diagnoses)
        columns = {name: np.concatenate([columns[name], more[name]]) for name in columns}
        extra = dict(zip(FAST_COLUMNS, zip(*slow_rows)))
        column = {name: column[name] + extra[name] for name in FAST_COLUMNS}
    register = {
        "unit": _codes(units, column["virksomhet"]),
        "person": _codes(persons, column["person"]).astype(np.int64),
        "admission_reported": _utc_seconds(column["innlagt_meldt_utc"]),
        "discharge_reported": _utc_seconds(column["utskrevet_meldt_utc"]),
        "stay_ids": list(column["opphold_id"]),
    }
    return StayColumns(**columns, sexes=sexes, categories=categories, diagnoses=diagnoses.tuples, units=units,
                       **register), unusable


def _fast_columns(column: dict, n: int, sexes: Labels, categories: Labels, diagnoses: _Diagnoses) -> dict:
    admitted_at = _utc_seconds(column["innlagt_utc"])
    discharged_at = _utc_seconds(column["utskrevet_utc"])
    discharged_day = _local_days(column["utskrevet"])
    invalid = discharged_at < admitted_at  # nan compares false: no discharge is not invalid
    discharged_at[invalid] = np.nan
    discharged_day[invalid] = NAT_DAY
    ages = np.array([a if a is not None else -1 for a in column["alder"]], np.int64)
    ages[(ages < 0) | (ages > 130)] = -1

    def given(name: str) -> np.ndarray:
        return np.array(column[name], dtype=bool) if n else np.zeros(0, bool)

    return {
        "admitted_day": _local_days(column["innlagt"]), "admitted_at": admitted_at,
        "discharged_day": discharged_day, "discharged_at": discharged_at, "discharge_invalid": invalid,
        "age": ages.astype(np.int16), "sex": _codes(sexes, column["kjonn"]),
        "referral": _codes(categories, column["henvist_fra_kategori"]),
        "referral_orgnr": given("henvist_fra_organisasjonsnummer"), "referral_herid": given("henvist_fra_her_id"),
        "destination": _codes(categories, column["utskrevet_til_kategori"]),
        "destination_orgnr": given("utskrevet_til_organisasjonsnummer"),
        "destination_herid": given("utskrevet_til_her_id"),
        "admission_dx": _codes_of_diagnoses(diagnoses, column["innskrivningsdiagnoser"]),
        "discharge_dx": _codes_of_diagnoses(diagnoses, column["utskrivningsdiagnoser"]),
    }


def _codes_of_diagnoses(diagnoses: _Diagnoses, texts) -> np.ndarray:
    numbers, distinct = _factorised(texts)
    lookup = np.zeros(len(texts), np.int32)
    for text, number in distinct:
        lookup[number] = diagnoses.code_of_text(text)
    return lookup[numbers]


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


__all__ = ["NONE", "NAT_DAY", "Labels", "StayColumns", "from_records", "from_register_rows", "fast_select",
           "slow_select"]
