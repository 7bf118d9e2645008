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

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from kad_spec.activity.figures import (AGE_GROUPS, HOSPITAL, OPEN_DAYS, UNKNOWN, LabelledTable, Series, age_group,
                                       count)
from kad_spec.activity.records import StayRecord
from kad_spec.activity.suppression import Cell, Share, share, suppress_series, suppress_table

READMISSION_HOURS = 30 * 24  # a new admission of the same person at any unit within 30 × 24 h of discharge
DECEASED = "2"  # Volven 7300 "Som død": no readmission can follow
SIMILAR_LOW, SIMILAR_HIGH = 0.5, 2.0  # units with 0.5× to 2× the unit's stays are of similar size
IN_TIME_HOURS = 48  # an admission or discharge reported within two days counts as timely
SEX_SHOWN = ("1", "2")
GROUPS = ("enheten", "lignende", "alle")


@dataclass(slots=True)
class TrackedStay:
    """A stay of the register with what only the register knows (never shown: only counted)."""

    record: StayRecord
    unit: str
    stay_id: str
    person: str | None
    admission_reported_at: float | None  # POSIX seconds of the first message that gave the stay
    discharge_reported_at: float | None  # ... and of the first that gave its discharge


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
def per_year(stays: list[StayRecord], min_cell: int) -> Series:
    if not stays:
        return Series([], [], count(0, min_cell))
    by_year = Counter(s.admitted_day.year for s in stays)
    years = list(range(min(by_year), max(by_year) + 1))
    cells, total = suppress_series([by_year.get(y, 0) for y in years], len(stays), min_cell)
    return Series([str(y) for y in years], cells, total)


MONTHS = tuple(f"{m:02d}" for m in range(1, 13))


def months_by_year(stays: list[StayRecord], min_cell: int) -> LabelledTable:
    """Stays by year of admission (rows) and month (columns), with the margins."""
    pairs = Counter((s.admitted_day.year, s.admitted_day.month) for s in stays)
    years = list(range(min(y for y, _ in pairs), max(y for y, _ in pairs) + 1)) if pairs else []
    counts = [[pairs.get((y, m), 0) for m in range(1, 13)] for y in years]
    return LabelledTable([str(y) for y in years], list(MONTHS), suppress_table(counts, min_cell))


def change_percent(now: Cell, before: Cell) -> float | None:
    if now.suppressed or before.suppressed or not before.n:
        return None
    return round(100.0 * (now.n - before.n) / before.n, 1)


def _same_day_last_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def year_to_date(tracked: list[TrackedStay], reference: date | None, min_cell: int) -> YearToDate | None:
    """Stays admitted, stays discharged and persons, 1 January to the reference day, against last year."""
    if reference is None:
        return None
    spans = ((date(reference.year, 1, 1), reference),
             (date(reference.year - 1, 1, 1), _same_day_last_year(reference)))

    def measures(first: date, last: date) -> list[int]:
        admitted = [t for t in tracked if first <= t.record.admitted_day <= last]
        discharged = sum(1 for t in tracked if t.record.discharged_day and first <= t.record.discharged_day <= last)
        persons = len({t.person for t in admitted if t.person is not None})
        return [len(admitted), discharged, persons]

    now, before = measures(*spans[0]), measures(*spans[1])
    rows = []
    for name, a, b in zip(("opphold", "utskrevet", "personer"), now, before):
        this_cell, last_cell = count(a, min_cell), count(b, min_cell)
        rows.append((name, this_cell, last_cell, change_percent(this_cell, last_cell)))
    return YearToDate(reference.year, spans[0][0], reference, rows)


# -- comparison -----------------------------------------------------------------------------------
def readmitted_flags(tracked: list[TrackedStay], reference: date | None) -> dict[int, bool]:
    """index in ``tracked`` -> readmitted within READMISSION_HOURS, for the stays that can tell.

    A stay can tell when it was discharged alive (not to DECEASED) at least READMISSION_HOURS
    before the end of the reference day, and its person is known. It is readmitted when the same
    person (the same pseudonym, at any unit) has a stay admitted after the discharge (at the same
    instant or later) and within READMISSION_HOURS of it.
    """
    if reference is None:
        return {}
    end = datetime.combine(reference + timedelta(days=1), datetime.min.time(), timezone.utc).timestamp()
    horizon = end - READMISSION_HOURS * 3600
    admissions: dict[str, list[float]] = defaultdict(list)
    for t in tracked:
        if t.person is not None:
            admissions[t.person].append(t.record.admitted_at)
    for times in admissions.values():
        times.sort()
    flags = {}
    from bisect import bisect_left

    for index, t in enumerate(tracked):
        r = t.record
        if t.person is None or r.discharged_at is None or r.destination == DECEASED or r.discharged_at > horizon:
            continue
        times = admissions[t.person]
        at = bisect_left(times, r.discharged_at)
        flags[index] = at < len(times) and times[at] <= r.discharged_at + READMISSION_HOURS * 3600
    return flags


def group_figures(group: str, units: int, members: list[int], tracked: list[TrackedStay], flags: dict[int, bool],
                  referral_order: list[str], min_cell: int) -> GroupFigures:
    records = [tracked[i].record for i in members]
    n = len(records)
    lengths = [r.length_of_stay for r in records if r.discharged_at is not None]
    median = round(statistics.median(lengths), 1) if len(lengths) >= min_cell and lengths else None
    with_destination = [r for r in records if r.discharged_at is not None and r.destination]
    to_hospital = share(sum(1 for r in with_destination if r.destination in HOSPITAL), len(with_destination), min_cell)
    told = [flags[i] for i in members if i in flags]
    readmitted = share(sum(told), len(told), min_cell)
    referrals = Counter(r.referral or UNKNOWN for r in records)
    categories = [c for c in referral_order if referrals.get(c)] + sorted(set(referrals) - set(referral_order))
    ages = Counter(age_group(r.age) for r in records)
    sexes = Counter(r.sex for r in records)
    return GroupFigures(
        group, units, count(n, min_cell), median, to_hospital, readmitted,
        [(c, share(referrals[c], n, min_cell)) for c in categories],
        [(g, share(ages.get(g, 0), n, min_cell)) for g in [a[0] for a in AGE_GROUPS] + [UNKNOWN] if g != UNKNOWN or ages.get(g)],
        [(c, share(sexes.get(c, 0), n, min_cell)) for c in SEX_SHOWN],
    )


def similar_units(sizes: Counter, unit: str) -> list[str]:
    """The units with SIMILAR_LOW to SIMILAR_HIGH times the unit's stays, the unit included."""
    own = sizes.get(unit, 0)
    return sorted(u for u, n in sizes.items() if SIMILAR_LOW * own <= n <= SIMILAR_HIGH * own)


def comparison(tracked: list[TrackedStay], unit: str | None, flags: dict[int, bool], referral_order: list[str],
               min_cell: int) -> tuple[list[GroupFigures], int]:
    sizes = Counter(t.unit for t in tracked)
    everyone = list(range(len(tracked)))
    groups = []
    similar: list[str] = []
    if unit is not None:
        similar = similar_units(sizes, unit)
        own = [i for i, t in enumerate(tracked) if t.unit == unit]
        chosen = set(similar)
        alike = [i for i, t in enumerate(tracked) if t.unit in chosen]
        groups += [group_figures("enheten", 1, own, tracked, flags, referral_order, min_cell),
                   group_figures("lignende", len(similar), alike, tracked, flags, referral_order, min_cell)]
    groups.append(group_figures("alle", len(sizes), everyone, tracked, flags, referral_order, min_cell))
    return groups, len(similar)


# -- data quality ---------------------------------------------------------------------------------
def _hours(reported: float | None, happened: float | None) -> float | None:
    if reported is None or happened is None:
        return None
    return max(0.0, (reported - happened) / 3600.0)


def _median(values: list[float], min_cell: int) -> float | None:
    return round(statistics.median(values), 1) if values and len(values) >= min_cell else None


@dataclass
class _QualityCounts:
    """What the quality figures of a set of stays are made of, counted in one pass."""

    stays: int = 0
    referral_id: int = 0
    destined: int = 0
    destination_id: int = 0
    with_errors: int = 0
    admission_hours: list[float] = field(default_factory=list)
    discharge_hours: list[float] = field(default_factory=list)
    reports: int = 0
    timely: int = 0
    open_long: int = 0

    def add(self, t: TrackedStay, erroneous: bool, reference: date | None) -> None:
        r = t.record
        self.stays += 1
        self.referral_id += r.referral_orgnr or r.referral_herid
        if r.discharged_at is not None and r.destination:
            self.destined += 1
            self.destination_id += r.destination_orgnr or r.destination_herid
        self.with_errors += erroneous
        for hours, into in ((_hours(t.admission_reported_at, r.admitted_at), self.admission_hours),
                            (_hours(t.discharge_reported_at, r.discharged_at), self.discharge_hours)):
            if hours is not None:
                into.append(hours)
                self.reports += 1
                self.timely += hours <= IN_TIME_HOURS
        if (reference is not None and r.discharged_at is None and not r.discharge_invalid
                and (reference - r.admitted_day).days > OPEN_DAYS):
            self.open_long += 1


def quality_per_month(tracked: list[TrackedStay], members: list[int], erroneous: set, reference: date | None,
                      min_cell: int) -> list[QualityMonth]:
    """Quality by month of admission of the stays in ``members``."""
    by_month: dict[str, _QualityCounts] = defaultdict(_QualityCounts)
    for i in members:
        t = tracked[i]
        day = t.record.admitted_day
        by_month[f"{day.year:04d}-{day.month:02d}"].add(t, (t.unit, t.stay_id) in erroneous, reference)
    return [QualityMonth(month, count(q.stays, min_cell), share(q.referral_id, q.stays, min_cell),
                         share(q.destination_id, q.destined, min_cell), share(q.with_errors, q.stays, min_cell),
                         _median(q.admission_hours, min_cell), _median(q.discharge_hours, min_cell),
                         share(q.timely, q.reports, min_cell))
            for month, q in sorted(by_month.items())]


def _percent(part: int, whole: int, min_cell: int) -> float | None:
    return share(part, whole, min_cell).percent


def unit_scores(tracked: list[TrackedStay], erroneous: set, reference: date | None, min_cell: int) -> list[UnitScore]:
    """Each unit's score: the mean of completeness, validity, timeliness and closure (each in %).

    - completeness: the mean of the shares with the referrer's and the destination's id given;
    - validity: the share of stays without an open error;
    - timeliness: the share of admissions and discharges reported within IN_TIME_HOURS;
    - closure: the share of stays that are not still open more than OPEN_DAYS after admission.

    A component that would reveal a small count (or has nothing to count) is left out of the
    mean, and shown as missing.
    """
    per_unit: dict[str, _QualityCounts] = defaultdict(_QualityCounts)
    for t in tracked:
        per_unit[t.unit].add(t, (t.unit, t.stay_id) in erroneous, reference)
    scores = []
    for unit in sorted(per_unit):
        q = per_unit[unit]
        shares = [x for x in (_percent(q.referral_id, q.stays, min_cell),
                              _percent(q.destination_id, q.destined, min_cell)) if x is not None]
        components = {
            "completeness": round(sum(shares) / len(shares), 1) if shares else None,
            "validity": _percent(q.stays - q.with_errors, q.stays, min_cell),
            "timeliness": _percent(q.timely, q.reports, min_cell),
            "closure": _percent(q.stays - q.open_long, q.stays, min_cell),
        }
        shown = [v for v in components.values() if v is not None]
        scores.append(UnitScore(unit, count(q.stays, min_cell), components,
                                round(sum(shown) / len(shown), 1) if shown else None))
    return scores


# -- all of it ------------------------------------------------------------------------------------
def feedback(tracked: list[TrackedStay], unit: str | None, findings, reference: date | None,
             period: tuple[date | None, date | None], referral_order: list[str], min_cell: int) -> Feedback:
    """The register's sections for ``unit`` (None: every unit) among all units' ``tracked`` stays.

    ``findings`` are the open list's (RuleHit, ``file`` being the unit); a stay has an error when
    one of its open findings is an error.
    """
    erroneous = {(f.file, f.opphold_id) for f in findings if f.severity == "error" and f.opphold_id}
    members = [i for i, t in enumerate(tracked) if unit is None or t.unit == unit]
    own = [tracked[i].record for i in members]
    flags = readmitted_flags(tracked, reference)
    groups, similar = comparison(tracked, unit, flags, referral_order, min_cell)
    scores = unit_scores(tracked, erroneous, reference, min_cell)
    if unit is not None:
        scores = [s for s in scores if s.unit == unit]
    open_count = sum(1 for f in findings if unit is None or f.file == unit)
    return Feedback(
        unit=unit, period=period, per_year=per_year(own, min_cell), months_by_year=months_by_year(own, min_cell),
        year_to_date=year_to_date([tracked[i] for i in members], reference, min_cell),
        comparison=groups, similar_units=similar,
        quality_per_month=quality_per_month(tracked, members, erroneous, reference, min_cell),
        scores=scores, open_findings=count(open_count, min_cell),
    )
