"""The figures only a register can give: activity over the years, the unit against all units and
against units of similar size, data quality per month, and one data quality score per unit.

The register keeps every unit's stays over time, the pseudonym of each stay's person (so that a
readmission at any unit is seen) and when each stay and its discharge were first reported. The
file report (kad_spec.activity.build) has none of that and leaves these sections out.

Every count passes through the small-number protection (kad_spec.activity.suppression); a share
or a median of fewer than ``min_cell`` stays is not shown. docs/aktivitetsrapport.md defines
every figure; the constants below are the ones it names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import numpy as np

from kad_spec.activity.columns import NONE, StayColumns
from kad_spec.activity.figures import (AGE_GROUPS, AGE_LABELS, HOSPITAL, OPEN_DAYS, UNKNOWN, LabelledTable, Series,
                                       age_groups, category_mask, count, median_of_sorted, month_numbers, years_of)
from kad_spec.activity.suppression import Cell, Share, share, suppress_series, suppress_table

READMISSION_HOURS = 30 * 24  # a new admission of the same person at any unit within 30 × 24 h of discharge
DECEASED = "2"  # Volven 7300 "Som død": no readmission can follow
SIMILAR_LOW, SIMILAR_HIGH = 0.5, 2.0  # units with 0.5× to 2× the unit's stays are of similar size
IN_TIME_HOURS = 48  # an admission or discharge reported within two days counts as timely
SEX_SHOWN = ("1", "2")
GROUPS = ("enheten", "lignende", "alle")


@dataclass(frozen=True)
class YearToDate:
    """This year from 1 January to the reference day against the same days last year."""

    this_year: int
    first_day: date
    last_day: date
    rows: list[tuple[str, Cell, Cell, float | None]]  # (measure, this year, last year, change in %)

    def to_json(self) -> dict:
        return {"year": self.this_year, "from": self.first_day.isoformat(), "to": self.last_day.isoformat(),
                "rows": [{"measure": name, "this_year": now.to_json(), "last_year": before.to_json(),
                          "change_percent": change} for name, now, before, change in self.rows]}


@dataclass(frozen=True)
class GroupFigures:
    """The comparison figures of one group of units (the unit alone, units of similar size, all)."""

    group: str
    units: int
    stays: Cell
    median_days: float | None
    to_hospital: Share
    readmitted: Share
    referral: list[tuple[str, Share]]
    age: list[tuple[str, Share]]
    sex: list[tuple[str, Share]]

    def to_json(self) -> dict:
        return {"group": self.group, "units": self.units, "stays": self.stays.to_json(),
                "median_length_of_stay_days": self.median_days, "to_hospital": self.to_hospital.to_json(),
                "readmitted_30_days": self.readmitted.to_json(),
                "referral": [{"category": c, **s.to_json()} for c, s in self.referral],
                "age": [{"group": g, **s.to_json()} for g, s in self.age],
                "sex": [{"code": c, **s.to_json()} for c, s in self.sex]}


@dataclass(frozen=True)
class QualityMonth:
    month: str
    stays: Cell
    referral_id: Share  # organisation number or HER-id of the referrer given
    destination_id: Share  # ... of the destination, over stays discharged with a destination
    with_errors: Share  # stays with an open error on the register's open list
    admission_hours: float | None  # median hours from admission to the message that reported it
    discharge_hours: float | None
    timely: Share  # admissions and discharges reported within IN_TIME_HOURS

    def to_json(self) -> dict:
        return {"month": self.month, "stays": self.stays.to_json(), "referral_id": self.referral_id.to_json(),
                "destination_id": self.destination_id.to_json(), "with_errors": self.with_errors.to_json(),
                "median_hours_admission_reported": self.admission_hours,
                "median_hours_discharge_reported": self.discharge_hours, "timely": self.timely.to_json()}


SCORE_COMPONENTS = ("completeness", "validity", "timeliness", "closure")


@dataclass(frozen=True)
class UnitScore:
    """A unit's data quality score: the unweighted mean of the components that can be shown (0–100)."""

    unit: str
    stays: Cell
    components: dict[str, float | None]
    score: float | None

    def to_json(self) -> dict:
        return {"organisasjonsnummer": self.unit, "stays": self.stays.to_json(), "components": self.components,
                "score": self.score}


@dataclass
class Feedback:
    """The register's sections of the report."""

    unit: str | None  # the unit the report is for; None: all units (the directorate's page)
    period: tuple[date | None, date | None]
    per_year: Series
    months_by_year: LabelledTable
    year_to_date: YearToDate | None
    comparison: list[GroupFigures]
    similar_units: int  # units of similar size, the unit included (0 on the national page)
    quality_per_month: list[QualityMonth]
    scores: list[UnitScore] = field(default_factory=list)
    open_findings: Cell = field(default_factory=lambda: Cell(0))


# -- activity over time ---------------------------------------------------------------------------
def per_year(stays: StayColumns, min_cell: int) -> Series:
    if not len(stays):
        return Series([], [], count(0, min_cell))
    years = years_of(stays.admitted_day)
    first, last = int(years.min()), int(years.max())
    cells, total = suppress_series(np.bincount(years - first, minlength=last - first + 1).tolist(), len(stays),
                                   min_cell)
    return Series([str(y) for y in range(first, last + 1)], cells, total)


MONTHS = tuple(f"{m:02d}" for m in range(1, 13))


def months_by_year(stays: StayColumns, min_cell: int) -> LabelledTable:
    """Stays by year of admission (rows) and month (columns), with the margins."""
    if not len(stays):
        return LabelledTable([], list(MONTHS), suppress_table([], min_cell))
    months = month_numbers(stays.admitted_day)
    first = int(months.min()) // 12
    years = int(months.max()) // 12 - first + 1
    counts = np.bincount(months - first * 12, minlength=years * 12).reshape(years, 12)
    return LabelledTable([str(first + y) for y in range(years)], list(MONTHS), suppress_table(counts.tolist(), min_cell))


def change_percent(now: Cell, before: Cell) -> float | None:
    if now.suppressed or before.suppressed or not before.n:
        return None
    return round(100.0 * (now.n - before.n) / before.n, 1)


def _same_day_last_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _between(days: np.ndarray, first: date, last: date) -> np.ndarray:
    return (days >= first.toordinal()) & (days <= last.toordinal())


def year_to_date(stays: StayColumns, reference: date | None, min_cell: int) -> YearToDate | None:
    """Stays admitted, stays discharged and persons, 1 January to the reference day, against last year."""
    if reference is None:
        return None
    spans = ((date(reference.year, 1, 1), reference),
             (date(reference.year - 1, 1, 1), _same_day_last_year(reference)))

    def measures(first: date, last: date) -> list[int]:
        admitted = _between(stays.admitted_day, first, last)
        discharged = int(_between(stays.discharged_day, first, last).sum())
        persons = stays.person[admitted]
        return [int(admitted.sum()), discharged, len(np.unique(persons[persons >= 0]))]

    now, before = measures(*spans[0]), measures(*spans[1])
    rows = []
    for name, a, b in zip(("opphold", "utskrevet", "personer"), now, before):
        this_cell, last_cell = count(a, min_cell), count(b, min_cell)
        rows.append((name, this_cell, last_cell, change_percent(this_cell, last_cell)))
    return YearToDate(reference.year, spans[0][0], reference, rows)


# -- comparison -----------------------------------------------------------------------------------
def readmissions(stays: StayColumns, reference: date | None) -> tuple[np.ndarray, np.ndarray]:
    """(can tell, readmitted): per stay, whether it counts, and whether it was readmitted.

    A stay can tell when it was discharged alive (not to DECEASED) at least READMISSION_HOURS
    before the end of the reference day, and its person is known. It is readmitted when the same
    person (the same pseudonym, at any unit) has a stay admitted after the discharge (at the same
    instant or later) and within READMISSION_HOURS of it.
    """
    n = len(stays)
    if reference is None or not n:
        return np.zeros(n, bool), np.zeros(n, bool)
    end = datetime.combine(reference + timedelta(days=1), datetime.min.time(), timezone.utc).timestamp()
    window = READMISSION_HOURS * 3600
    deceased = category_mask(stays, stays.destination, (DECEASED,))
    can_tell = (stays.person >= 0) & stays.discharged & ~deceased & (stays.discharged_at <= end - window)
    # One sorted line of every admission, person after person: a readmission is the first
    # admission of the same person at or after the discharge, found by binary search.
    t0 = float(np.nanmin(stays.admitted_at))
    span = float(np.nanmax(np.fmax(stays.admitted_at, np.nan_to_num(stays.discharged_at, nan=t0)))) - t0 + 2 * window
    known = stays.person >= 0
    line = np.sort(stays.person[known] * span + (stays.admitted_at[known] - t0))
    asked = stays.person[can_tell] * span + (stays.discharged_at[can_tell] - t0)
    # A stay discharged the instant it began has its own admission at that point: skip it.
    own = (stays.discharged_at[can_tell] == stays.admitted_at[can_tell]).astype(np.int64)
    at = np.searchsorted(line, asked, side="left") + own
    found = at < len(line)
    readmitted = np.zeros(n, bool)
    readmitted[np.flatnonzero(can_tell)] = found & (line[np.minimum(at, len(line) - 1)] - asked <= window)
    return can_tell, readmitted


def _share_of(part: np.ndarray, whole: np.ndarray, min_cell: int) -> Share:
    return share(int((part & whole).sum()), int(whole.sum()), min_cell)


def group_figures(group: str, units: int, members: np.ndarray, stays: StayColumns, told: tuple[np.ndarray, np.ndarray],
                  referral_order: list[str], min_cell: int) -> GroupFigures:
    n = int(members.sum())
    lengths = stays.lengths(members)
    median = round(median_of_sorted(lengths), 1) if len(lengths) >= min_cell and len(lengths) else None
    with_destination = members & stays.discharged & (stays.destination >= 0)
    to_hospital = _share_of(category_mask(stays, stays.destination, HOSPITAL), with_destination, min_cell)
    can_tell, readmitted = told
    readmitted_share = _share_of(readmitted, members & can_tell, min_cell)
    labels = stays.categories.labels
    per_category = np.bincount(np.where(stays.referral >= 0, stays.referral, len(labels))[members],
                               minlength=len(labels) + 1)
    referrals = {(labels[i] if i < len(labels) else UNKNOWN): int(k) for i, k in enumerate(per_category) if k}
    categories = [c for c in referral_order if referrals.get(c)] + sorted(set(referrals) - set(referral_order))
    ages = np.bincount(age_groups(stays.age[members]), minlength=len(AGE_GROUPS) + 1)
    age_labels = [*AGE_LABELS, UNKNOWN]
    sexes = {label: int(((stays.sex == code) & members).sum()) for code, label in enumerate(stays.sexes.labels)}
    return GroupFigures(
        group, units, count(n, min_cell), median, to_hospital, readmitted_share,
        [(c, share(referrals[c], n, min_cell)) for c in categories],
        [(g, share(int(ages[i]), n, min_cell)) for i, g in enumerate(age_labels) if g != UNKNOWN or ages[i]],
        [(c, share(sexes.get(c, 0), n, min_cell)) for c in SEX_SHOWN],
    )


def similar_units(sizes: dict[str, int], unit: str) -> list[str]:
    """The units with SIMILAR_LOW to SIMILAR_HIGH times the unit's stays, the unit included."""
    own = sizes.get(unit, 0)
    return sorted(u for u, n in sizes.items() if SIMILAR_LOW * own <= n <= SIMILAR_HIGH * own)


def unit_sizes(stays: StayColumns) -> dict[str, int]:
    counts = np.bincount(stays.unit, minlength=len(stays.units.labels))
    return {label: int(counts[i]) for i, label in enumerate(stays.units.labels) if counts[i]}


def comparison(stays: StayColumns, unit: str | None, told, referral_order: list[str],
               min_cell: int) -> tuple[list[GroupFigures], int]:
    sizes = unit_sizes(stays)
    groups = []
    similar: list[str] = []
    if unit is not None:
        similar = similar_units(sizes, unit)
        own = stays.unit == _unit_code(stays, unit)
        alike = np.isin(stays.unit, [_unit_code(stays, u) for u in similar])
        groups += [group_figures("enheten", 1, own, stays, told, referral_order, min_cell),
                   group_figures("lignende", len(similar), alike, stays, told, referral_order, min_cell)]
    groups.append(group_figures("alle", len(sizes), np.ones(len(stays), bool), stays, told, referral_order, min_cell))
    return groups, len(similar)


def _unit_code(stays: StayColumns, unit: str) -> int:
    return stays.units.labels.index(unit) if unit in stays.units.labels else NONE


# -- data quality ---------------------------------------------------------------------------------
def _hours(reported: np.ndarray, happened: np.ndarray) -> np.ndarray:
    """Hours from the event to the message that reported it (nan when either is unknown), never below 0."""
    return np.maximum((reported - happened) / 3600.0, 0.0) if len(reported) else np.zeros(0)  # nan stays nan


@dataclass
class _Quality:
    """What the quality figures of groups of stays are made of, per group, counted at once."""

    stays: np.ndarray
    referral_id: np.ndarray
    destined: np.ndarray
    destination_id: np.ndarray
    with_errors: np.ndarray
    reports: np.ndarray
    timely: np.ndarray
    open_long: np.ndarray
    admission_hours: list[np.ndarray]  # sorted, per group
    discharge_hours: list[np.ndarray]


def _quality(stays: StayColumns, groups: np.ndarray, size: int, erroneous: np.ndarray, reference: date | None) -> _Quality:
    """The quality counts of the stays whose group (0 .. size − 1) is in ``groups`` (−1: none)."""
    chosen = groups >= 0
    g = groups[chosen]

    def per_group(flags: np.ndarray) -> np.ndarray:
        return np.bincount(g, weights=flags[chosen].astype(np.float64), minlength=size).astype(np.int64)

    destined = stays.discharged & (stays.destination >= 0)
    admission = _hours(stays.admission_reported, stays.admitted_at)
    discharge = _hours(stays.discharge_reported, stays.discharged_at)
    open_long = np.zeros(len(stays), bool)
    if reference is not None:
        open_long = (~stays.discharged & ~stays.discharge_invalid
                     & (reference.toordinal() - stays.admitted_day > OPEN_DAYS))
    return _Quality(
        stays=np.bincount(g, minlength=size), referral_id=per_group(stays.referral_orgnr | stays.referral_herid),
        destined=per_group(destined), destination_id=per_group(destined & (stays.destination_orgnr | stays.destination_herid)),
        with_errors=per_group(erroneous),
        reports=per_group(~np.isnan(admission)) + per_group(~np.isnan(discharge)),
        timely=per_group(admission <= IN_TIME_HOURS) + per_group(discharge <= IN_TIME_HOURS),
        open_long=per_group(open_long),
        admission_hours=_sorted_per_group(admission, groups, size), discharge_hours=_sorted_per_group(discharge, groups, size),
    )


def _sorted_per_group(values: np.ndarray, groups: np.ndarray, size: int) -> list[np.ndarray]:
    known = ~np.isnan(values) & (groups >= 0)
    order = np.lexsort((values[known], groups[known]))
    ordered, in_groups = values[known][order], groups[known][order]
    bounds = np.searchsorted(in_groups, np.arange(size + 1))
    return [ordered[bounds[i]:bounds[i + 1]] for i in range(size)]


def _median(values: np.ndarray, min_cell: int) -> float | None:
    return round(median_of_sorted(values), 1) if len(values) and len(values) >= min_cell else None


def quality_per_month(stays: StayColumns, members: np.ndarray, erroneous: np.ndarray, reference: date | None,
                      min_cell: int) -> list[QualityMonth]:
    """Quality by month of admission of the stays in ``members``."""
    if not members.any():
        return []
    months = month_numbers(stays.admitted_day)
    first = int(months[members].min())
    size = int(months[members].max()) - first + 1
    q = _quality(stays, np.where(members, months - first, -1), size, erroneous, reference)
    rows = []
    for i in range(size):
        if not q.stays[i]:
            continue
        month = first + i
        rows.append(QualityMonth(
            f"{month // 12:04d}-{month % 12 + 1:02d}", count(int(q.stays[i]), min_cell),
            share(int(q.referral_id[i]), int(q.stays[i]), min_cell),
            share(int(q.destination_id[i]), int(q.destined[i]), min_cell),
            share(int(q.with_errors[i]), int(q.stays[i]), min_cell),
            _median(q.admission_hours[i], min_cell), _median(q.discharge_hours[i], min_cell),
            share(int(q.timely[i]), int(q.reports[i]), min_cell)))
    return rows


def _percent(part: int, whole: int, min_cell: int) -> float | None:
    return share(int(part), int(whole), min_cell).percent


def unit_scores(stays: StayColumns, erroneous: np.ndarray, reference: date | None, min_cell: int) -> list[UnitScore]:
    """Each unit's score: the mean of completeness, validity, timeliness and closure (each in %).

    - completeness: the mean of the shares with the referrer's and the destination's id given;
    - validity: the share of stays without an open error;
    - timeliness: the share of admissions and discharges reported within IN_TIME_HOURS;
    - closure: the share of stays that are not still open more than OPEN_DAYS after admission.

    A component that would reveal a small count (or has nothing to count) is left out of the
    mean, and shown as missing.
    """
    size = len(stays.units.labels)
    q = _quality(stays, stays.unit.astype(np.int64), size, erroneous, reference)
    scores = []
    for i in sorted(range(size), key=lambda i: stays.units.labels[i]):
        if not q.stays[i]:
            continue
        filled = [x for x in (_percent(q.referral_id[i], q.stays[i], min_cell),
                              _percent(q.destination_id[i], q.destined[i], min_cell)) if x is not None]
        components = {
            "completeness": round(sum(filled) / len(filled), 1) if filled else None,
            "validity": _percent(q.stays[i] - q.with_errors[i], q.stays[i], min_cell),
            "timeliness": _percent(q.timely[i], q.reports[i], min_cell),
            "closure": _percent(q.stays[i] - q.open_long[i], q.stays[i], min_cell),
        }
        shown = [v for v in components.values() if v is not None]
        scores.append(UnitScore(stays.units.labels[i], count(int(q.stays[i]), min_cell), components,
                                round(sum(shown) / len(shown), 1) if shown else None))
    return scores


# -- all of it ------------------------------------------------------------------------------------
def errors_of(stays: StayColumns, findings) -> np.ndarray:
    """Per stay: one of its open findings is an error (``findings`` are RuleHits, ``file`` the unit)."""
    erroneous = {(f.file, f.opphold_id) for f in findings if f.severity == "error" and f.opphold_id}
    if not erroneous:
        return np.zeros(len(stays), bool)
    units = stays.units.labels
    return np.fromiter(((units[u], sid) in erroneous for u, sid in zip(stays.unit.tolist(), stays.stay_ids)), bool,
                       len(stays))


def feedback(stays: StayColumns, unit: str | None, findings, reference: date | None,
             period: tuple[date | None, date | None], referral_order: list[str], min_cell: int) -> Feedback:
    """The register's sections for ``unit`` (None: every unit) among all units' stays (``stays``).

    ``findings`` are the open list's (RuleHit, ``file`` being the unit); a stay has an error when
    one of its open findings is an error.
    """
    erroneous = errors_of(stays, findings)
    members = np.ones(len(stays), bool) if unit is None else stays.unit == _unit_code(stays, unit)
    own = stays.take(members)
    told = readmissions(stays, reference)
    groups, similar = comparison(stays, unit, told, referral_order, min_cell)
    scores = unit_scores(stays, erroneous, reference, min_cell)
    if unit is not None:
        scores = [s for s in scores if s.unit == unit]
    open_count = sum(1 for f in findings if unit is None or f.file == unit)
    return Feedback(
        unit=unit, period=period, per_year=per_year(own, min_cell), months_by_year=months_by_year(own, min_cell),
        year_to_date=year_to_date(own, reference, min_cell),
        comparison=groups, similar_units=similar,
        quality_per_month=quality_per_month(stays, members, erroneous, reference, min_cell),
        scores=scores, open_findings=count(open_count, min_cell),
    )
