"""The report's figures, computed from collected stays. Every count passes through the
small-number protection in :mod:`kad_spec.activity.suppression` before it is stored here."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np

from kad_spec.activity.chapters import chapter, icd10_chapter
from kad_spec.activity.columns import StayColumns, from_records
from kad_spec.activity.records import KNOWN_SYSTEMS, Collected
from kad_spec.activity.suppression import Cell, Share, Table, share, suppress_series, suppress_table
from kad_spec.codelists.conversion import icd10_for
from kad_spec.spec.findings import mask_digits

AGE_GROUPS = (("0–17", 0, 17), ("18–49", 18, 49), ("50–66", 50, 66), ("67–79", 67, 79), ("80+", 80, 200))
UNKNOWN = "ukjent"
SEX_CODES = ("1", "2", "0", "9")
# Length of stay in days: [lower, upper) per bucket.
LOS_BUCKETS = (("<1", 0, 1), ("1–<2", 1, 2), ("2–<3", 2, 3), ("3–<5", 3, 5), ("5–<7", 5, 7),
               ("7–<14", 7, 14), ("14+", 14, math.inf))
HOSPITAL = ("31", "34")  # Volven 7300: somatic hospital in Norway / abroad
OWN_INSTITUTION = ("21", "23")  # other unit at the unit's own institution
ONGOING = "pågår"
OPEN_DAYS = 30
TOP_CODES = 10
SIDES = ("innskrivning", "utskrivning")


@dataclass(frozen=True)
class Series:
    """Labelled counts with their total (a 1-D table)."""

    labels: list[str]
    cells: list[Cell]
    total: Cell

    def to_json(self) -> dict:
        return {"labels": self.labels, "cells": [c.to_json() for c in self.cells], "total": self.total.to_json()}


@dataclass(frozen=True)
class LabelledTable:
    rows: list[str]
    columns: list[str]
    table: Table

    def to_json(self) -> dict:
        return {"rows": self.rows, "columns": self.columns, **self.table.to_json()}


@dataclass(frozen=True)
class LengthOfStay:
    discharged: Cell
    median_days: float | None
    p90_days: float | None
    buckets: Series

    def to_json(self) -> dict:
        return {"discharged": self.discharged.to_json(), "median_days": self.median_days,
                "p90_days": self.p90_days, "buckets": self.buckets.to_json()}


@dataclass(frozen=True)
class Occupancy:
    first_day: date | None
    days: list[str]
    cells: list[Cell]
    mean: float | None
    peak: Cell

    def to_json(self) -> dict:
        return {"first_day": self.first_day.isoformat() if self.first_day else None, "days": self.days,
                "cells": [c.to_json() for c in self.cells], "mean": self.mean, "peak": self.peak.to_json()}


@dataclass(frozen=True)
class CodeCount:
    code: str
    text: str
    count: Cell

    def to_json(self) -> dict:
        return {"code": self.code, "text": self.text, "count": self.count.to_json()}


@dataclass(frozen=True)
class TopCodes:
    system: str
    side: str  # "innskrivning" | "utskrivning"
    codes: list[CodeCount]
    hidden_codes: int  # codes with stays, but under the threshold, not listed
    stays_with_code: Cell  # stays with at least one code of this system on this side

    def to_json(self) -> dict:
        return {"system": self.system, "side": self.side, "codes": [c.to_json() for c in self.codes],
                "hidden_codes": self.hidden_codes, "stays_with_code": self.stays_with_code.to_json()}


@dataclass(frozen=True)
class ChapterChange:
    """First admission vs first discharge diagnosis, in stays where both use ``system``."""

    system: str
    same: Cell
    changed: Cell
    comparable: Cell
    share_changed: float | None

    def to_json(self) -> dict:
        return {"system": self.system, "same": self.same.to_json(), "changed": self.changed.to_json(),
                "comparable": self.comparable.to_json(), "share_changed_percent": self.share_changed}


@dataclass(frozen=True)
class Icd10Chapters:
    """Stays per ICD-10 chapter and side, both systems together: ICPC-2 through the 2019 conversion.

    A stay counts once per chapter and side. ``unmapped_codes`` counts the distinct codes that gave
    no chapter (ICPC-2 codes the conversion lacks, e.g. R991 from 2020), ``unmapped_diagnoses``
    the diagnoses with such a code.
    """

    table: LabelledTable
    unmapped_codes: int
    unmapped_diagnoses: Cell

    def to_json(self) -> dict:
        return {**self.table.to_json(), "unmapped_codes": self.unmapped_codes,
                "unmapped_diagnoses": self.unmapped_diagnoses.to_json()}


@dataclass(frozen=True)
class Completeness:
    field: str  # e.g. "henvist_fra.organisasjonsnummer"
    share: Share

    def to_json(self) -> dict:
        return {"field": self.field, **self.share.to_json()}


@dataclass(frozen=True)
class RuleCount:
    rule_id: str
    title: str
    title_en: str
    severity: str
    findings: Cell
    stays: Cell
    percent: float | None = None  # of the report's stays

    def to_json(self) -> dict:
        return {"rule_id": self.rule_id, "title": self.title, "title_en": self.title_en,
                "severity": self.severity, "findings": self.findings.to_json(), "stays": self.stays.to_json(),
                "stays_percent": self.percent}


@dataclass
class ActivityReport:
    min_cell: int
    reference_day: date | None
    first_day: date | None
    files: int
    files_unreadable: int
    validated: bool
    records_read: Cell
    replaced: Cell
    cancelled: Cell
    unusable: Cell
    stays: Cell
    per_month: Series
    occupancy: Occupancy
    length_of_stay: LengthOfStay
    age_sex: LabelledTable
    top_codes: list[TopCodes]
    chapter_changes: list[ChapterChange]
    not_comparable: Cell
    icd10_chapters: Icd10Chapters
    flows: LabelledTable
    to_hospital: Share
    to_hospital_or_own: Share
    completeness: list[Completeness]
    rules: list[RuleCount]
    ongoing: Cell
    open_over_30_days: Cell
    discharge_invalid: Cell
    texts: dict[str, dict[str, str]] = field(default_factory=dict)  # code list -> code -> text
    units: list[tuple[str, str | None]] = field(default_factory=list)  # (organisation number, name)
    tool_version: str = ""
    spec_version: str = ""
    feedback: object | None = None  # kad_spec.activity.feedback.Feedback: from the register only


def count(value: int, min_cell: int) -> Cell:
    return suppress_series([int(value)], int(value), min_cell)[1]


EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def month_numbers(ordinals: np.ndarray) -> np.ndarray:
    """year × 12 + month − 1 of date ordinals."""
    months = (ordinals.astype(np.int64) - EPOCH_ORDINAL).astype("datetime64[D]").astype("datetime64[M]")
    return months.astype(np.int64) + 1970 * 12


def years_of(ordinals: np.ndarray) -> np.ndarray:
    return month_numbers(ordinals) // 12


def stays_per_month(stays: StayColumns, min_cell: int) -> Series:
    if not len(stays):
        return Series([], [], count(0, min_cell))
    months = month_numbers(stays.admitted_day)
    first, last = int(months.min()), int(months.max())
    counts = np.bincount(months - first, minlength=last - first + 1)
    labels = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, last + 1)]
    cells, total = suppress_series(counts.tolist(), len(stays), min_cell)
    return Series(labels, cells, total)


def occupancy(stays: StayColumns, reference: date | None, min_cell: int) -> Occupancy:
    """Stays in progress at the end of each day (midnight census), first admission to reference day.

    A stay counts on day D when it was admitted on or before D and not discharged on or before D;
    a stay without discharge counts through the reference day.
    """
    if not len(stays) or reference is None:
        return Occupancy(None, [], [], None, count(0, min_cell))
    first_ordinal = int(stays.admitted_day.min())
    first = date.fromordinal(first_ordinal)
    if reference < first:
        return Occupancy(None, [], [], None, count(0, min_cell))
    length = (reference - first).days + 1
    start = stays.admitted_day.astype(np.int64) - first_ordinal
    end = np.where(stays.discharged, np.minimum(stays.discharged_day.astype(np.int64) - first_ordinal, length), length)
    counted = (start < length) & (end > start)  # discharged the day it came: never in at midnight
    change = (np.bincount(start[counted], minlength=length + 1)[:length + 1]
              - np.bincount(end[counted], minlength=length + 1)[:length + 1])
    values = np.cumsum(change[:length]).tolist()
    cells, _ = suppress_series(values, sum(values), min_cell)
    labels = [date.fromordinal(first_ordinal + i).isoformat() for i in range(length)]
    return Occupancy(first, labels, cells, round(sum(values) / length, 1), count(max(values), min_cell))


def quantile(sorted_values, q: float) -> float:
    """Linear interpolation between closest ranks (position (n − 1)·q), as numpy's default."""
    position = (len(sorted_values) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return float(sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low))


def median_of_sorted(values) -> float:
    """As statistics.median: the middle value, or the mean of the two middle ones."""
    n = len(values)
    middle = n // 2
    return float(values[middle]) if n % 2 else (float(values[middle - 1]) + float(values[middle])) / 2


def length_of_stay(stays: StayColumns, min_cell: int) -> LengthOfStay:
    lengths = stays.lengths()
    edges = [low for _, low, _ in LOS_BUCKETS[1:]]
    buckets = np.bincount(np.searchsorted(edges, lengths, side="right"), minlength=len(LOS_BUCKETS)).tolist()
    cells, total = suppress_series(buckets, len(lengths), min_cell)
    enough = len(lengths) >= min_cell and len(lengths) > 0
    median = round(median_of_sorted(lengths), 1) if enough else None
    p90 = round(quantile(lengths, 0.9), 1) if enough else None
    return LengthOfStay(total, median, p90, Series([b[0] for b in LOS_BUCKETS], cells, total))


AGE_LABELS = tuple(g[0] for g in AGE_GROUPS)


def age_groups(ages: np.ndarray) -> np.ndarray:
    """Index into AGE_LABELS of each age, len(AGE_LABELS) for unknown."""
    index = np.searchsorted([low for _, low, _ in AGE_GROUPS[1:]], ages, side="right")
    return np.where((ages < 0) | (ages > AGE_GROUPS[-1][2]), len(AGE_GROUPS), index)


def crosstab(rows: np.ndarray, columns: np.ndarray, n_rows: int, n_columns: int) -> np.ndarray:
    return np.bincount(rows * n_columns + columns, minlength=n_rows * n_columns).reshape(n_rows, n_columns)


def by_age_and_sex(stays: StayColumns, min_cell: int) -> LabelledTable:
    sexes = [stays.sexes.get(code) for code in range(len(stays.sexes.labels))]
    wanted = [*SEX_CODES, UNKNOWN]
    sex_column = np.array([wanted.index(s) if s in SEX_CODES else len(SEX_CODES) for s in sexes] or [0], np.int64)
    sex_index = np.where(stays.sex >= 0, sex_column[np.maximum(stays.sex, 0)], len(SEX_CODES))
    table = crosstab(age_groups(stays.age), sex_index, len(AGE_GROUPS) + 1, len(wanted))
    rows = list(AGE_LABELS) + ([UNKNOWN] if table[-1].any() else [])
    present = {wanted[c] for c in range(len(wanted)) if table[:, c].any()}
    columns = [c for c in wanted if c in present or c in ("1", "2")]
    counts = [[int(table[r, wanted.index(c)]) for c in columns] for r in range(len(rows))]
    return LabelledTable(rows, [mask_digits(c) for c in columns], suppress_table(counts, min_cell))


def _stays_per_tuple(codes: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(codes, minlength=size)


def code_counts(stays: StayColumns) -> dict[tuple[str, str], tuple[Counter, int]]:
    """(system, side) -> (stays per code, stays with any code); a code counts once per stay."""
    counters = {(system, side): (Counter(), [0]) for system in KNOWN_SYSTEMS for side in SIDES}
    for side, codes in (("innskrivning", stays.admission_dx), ("utskrivning", stays.discharge_dx)):
        per_tuple = _stays_per_tuple(codes, len(stays.diagnoses))
        for index in np.flatnonzero(per_tuple):
            diagnoses, n = stays.diagnoses[index], int(per_tuple[index])
            for system in {sys for sys, _ in diagnoses}:
                per_code, with_code = counters[(system, side)]
                for code in {code for sys, code in diagnoses if sys == system}:
                    per_code[code] += n
                with_code[0] += n
    return {key: (per_code, with_code[0]) for key, (per_code, with_code) in counters.items()}


def top_codes(per_code: Counter, with_code: int, system: str, side: str, texts: dict[str, str],
              min_cell: int) -> TopCodes:
    ranked = sorted(per_code.items(), key=lambda item: (-item[1], item[0]))
    shown = [(code, n) for code, n in ranked if n >= min_cell][:TOP_CODES]
    # Codes come from the messages: mask anything that looks like a person id written there.
    listed = [CodeCount(mask_digits(code), texts.get(code, ""), Cell(n)) for code, n in shown]
    hidden = sum(1 for _, n in ranked if n < min_cell)
    return TopCodes(system, side, listed, hidden, count(with_code, min_cell))


def chapter_changes(stays: StayColumns, min_cell: int) -> tuple[list[ChapterChange], Cell]:
    """Compare the first admission and first discharge diagnosis when both use the same system."""
    same: Counter = Counter()
    changed: Counter = Counter()
    discharged = stays.discharged
    size = len(stays.diagnoses)
    pairs = stays.admission_dx[discharged].astype(np.int64) * size + stays.discharge_dx[discharged]
    found, counts = np.unique(pairs, return_counts=True)
    not_comparable = 0
    for pair, n in zip(found.tolist(), counts.tolist()):
        admission, discharge = stays.diagnoses[pair // size], stays.diagnoses[pair % size]
        if not admission or not discharge:
            not_comparable += n
            continue
        (sys_in, code_in), (sys_out, code_out) = admission[0], discharge[0]
        first, last = chapter(sys_in, code_in), chapter(sys_out, code_out)
        if sys_in != sys_out or first is None or last is None:
            not_comparable += n
        elif first == last:
            same[sys_in] += n
        else:
            changed[sys_in] += n
    results = []
    for system in KNOWN_SYSTEMS:
        (same_cell, changed_cell), total = suppress_series([same[system], changed[system]],
                                                           same[system] + changed[system], min_cell)
        comparable = same[system] + changed[system]
        percent = None
        if not (same_cell.suppressed or changed_cell.suppressed or total.suppressed) and comparable:
            percent = round(100.0 * changed[system] / comparable, 1)
        results.append(ChapterChange(system, same_cell, changed_cell, total, percent))
    return results, count(not_comparable, min_cell)


ICD10_CHAPTER_ORDER = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV",
                       "XV", "XVI", "XVII", "XVIII", "XIX", "XX", "XXI", "XXII")


def icd10_chapters(stays: StayColumns, min_cell: int) -> Icd10Chapters:
    """Admission and discharge diagnoses of both systems under one ICD-10 chapter (see Icd10Chapters)."""
    pairs: Counter = Counter()
    unmapped: set[tuple[str, str]] = set()
    unmapped_diagnoses = 0
    for side, codes in (("innskrivning", stays.admission_dx), ("utskrivning", stays.discharge_dx)):
        per_tuple = _stays_per_tuple(codes, len(stays.diagnoses))
        for index in np.flatnonzero(per_tuple):
            n, found = int(per_tuple[index]), set()
            for diagnosis in stays.diagnoses[index]:
                chapters = _icd10_chapters_of(*diagnosis)
                if not chapters:
                    unmapped.add(diagnosis)
                    unmapped_diagnoses += n
                found |= chapters
            for name in found:
                pairs[(name, side)] += n
    rows = [c for c in ICD10_CHAPTER_ORDER if any(pairs.get((c, side)) for side in SIDES)]
    counts = [[pairs.get((r, side), 0) for side in SIDES] for r in rows]
    return Icd10Chapters(LabelledTable(rows, list(SIDES), suppress_table(counts, min_cell)), len(unmapped),
                         count(unmapped_diagnoses, min_cell))


@lru_cache(maxsize=None)
def _icd10_chapters_of(system: str, code: str) -> frozenset[str]:
    return frozenset(c for target in icd10_for(system, code) if (c := icd10_chapter(target)))


def flows(stays: StayColumns, referral_order: list[str], destination_order: list[str],
          min_cell: int) -> LabelledTable:
    """Referral category × discharge category; stays not yet discharged in a column of their own."""
    labels = stays.categories.labels
    size = len(labels) + 2  # the categories, then UNKNOWN, then ONGOING
    referral = np.where(stays.referral >= 0, stays.referral, len(labels))
    destination = np.where(stays.discharged, np.where(stays.destination >= 0, stays.destination, len(labels)),
                           len(labels) + 1)
    table = crosstab(referral, destination, size, size)
    names = [*labels, UNKNOWN, ONGOING]
    pairs = {(names[r], names[c]): int(table[r, c]) for r, c in zip(*np.nonzero(table))}
    referrals = {r for r, _ in pairs}
    destinations = {d for _, d in pairs}
    rows = [r for r in referral_order if r in referrals] + sorted(referrals - set(referral_order))
    known = [d for d in destination_order if d in destinations]
    rest = sorted(destinations - set(destination_order) - {ONGOING})
    columns = known + rest + ([ONGOING] if ONGOING in destinations else [])
    counts = [[pairs.get((r, c), 0) for c in columns] for r in rows]
    # Categories come from the messages: mask anything that looks like a person id written there.
    return LabelledTable([mask_digits(r) for r in rows], [mask_digits(c) for c in columns],
                         suppress_table(counts, min_cell))


def category_mask(stays: StayColumns, values: np.ndarray, categories: tuple[str, ...]) -> np.ndarray:
    wanted = [stays.categories.code(c) for c in categories if c in stays.categories.labels]
    return np.isin(values, wanted) if wanted else np.zeros(len(values), bool)


def discharged_to(stays: StayColumns, categories: tuple[str, ...], min_cell: int) -> Share:
    with_destination = stays.discharged & (stays.destination >= 0)
    part = int((with_destination & category_mask(stays, stays.destination, categories)).sum())
    return share(part, int(with_destination.sum()), min_cell)


def completeness(stays: StayColumns, min_cell: int) -> list[Completeness]:
    """How often the voluntary ids are given: referrer over all stays, destination over discharges."""
    destined = stays.discharged & (stays.destination >= 0)
    everyone = np.ones(len(stays), bool)
    rows = [
        ("henvist_fra.organisasjonsnummer", everyone, stays.referral_orgnr),
        ("henvist_fra.her_id", everyone, stays.referral_herid),
        ("henvist_fra.organisasjonsnummer_eller_her_id", everyone, stays.referral_orgnr | stays.referral_herid),
        ("utskrevet_til.organisasjonsnummer", destined, stays.destination_orgnr),
        ("utskrevet_til.her_id", destined, stays.destination_herid),
        ("utskrevet_til.organisasjonsnummer_eller_her_id", destined,
         stays.destination_orgnr | stays.destination_herid),
    ]
    return [Completeness(name, share(int((group & has).sum()), int(group.sum()), min_cell)) for name, group, has in rows]


def open_stays(stays: StayColumns, reference: date | None, min_cell: int) -> tuple[Cell, Cell]:
    """Stays without discharge, and those of them admitted more than 30 days before the reference day."""
    ongoing = ~stays.discharged & ~stays.discharge_invalid
    if reference is None:
        return count(int(ongoing.sum()), min_cell), count(0, min_cell)
    old = int((ongoing & (reference.toordinal() - stays.admitted_day > OPEN_DAYS)).sum())
    return count(int(ongoing.sum()), min_cell), count(old, min_cell)


def rule_counts(findings, titles, min_cell: int, stays: int = 0) -> list[RuleCount]:
    """Findings per rule with the number of distinct stays they concern, and their share of ``stays``."""
    per_rule: Counter = Counter()
    stays_per_rule: dict[str, set] = {}
    severity: dict[str, str] = {}
    for finding in findings:
        per_rule[finding.rule_id] += 1
        severity.setdefault(finding.rule_id, finding.severity)
        if finding.opphold_id:
            stays_per_rule.setdefault(finding.rule_id, set()).add((finding.file, finding.opphold_id))
    result = []
    for rule_id in sorted(per_rule):
        title, title_en = titles(rule_id)
        concerned = len(stays_per_rule.get(rule_id, ()))
        result.append(RuleCount(rule_id, title, title_en, severity[rule_id], count(per_rule[rule_id], min_cell),
                                count(concerned, min_cell), share(min(concerned, stays), stays, min_cell).percent))
    return result


def compute(collected: Collected, findings, *, min_cell: int, today: date | None, files: int,
            files_unreadable: int, validated: bool, code_texts, titles, orders) -> ActivityReport:
    """All figures; ``code_texts(system)`` gives code -> text, ``titles(rule_id)`` (nb, en)."""
    stays = collected.columns if collected.columns is not None else from_records(collected.stays)
    reference = today or collected.latest_day
    first_day = date.fromordinal(int(stays.admitted_day.min())) if len(stays) else None
    counted = code_counts(stays)
    diagnoses = [top_codes(*counted[(system, side)], system, side, code_texts(system), min_cell)
                 for system in KNOWN_SYSTEMS for side in SIDES]
    changes, not_comparable = chapter_changes(stays, min_cell)
    ongoing, old = open_stays(stays, reference, min_cell)
    return ActivityReport(
        min_cell=min_cell,
        reference_day=reference,
        first_day=first_day,
        files=files,
        files_unreadable=files_unreadable,
        validated=validated,
        records_read=count(collected.records_read, min_cell),
        replaced=count(collected.replaced, min_cell),
        cancelled=count(collected.cancelled, min_cell),
        unusable=count(collected.unusable, min_cell),
        stays=count(len(stays), min_cell),
        per_month=stays_per_month(stays, min_cell),
        occupancy=occupancy(stays, reference, min_cell),
        length_of_stay=length_of_stay(stays, min_cell),
        age_sex=by_age_and_sex(stays, min_cell),
        top_codes=diagnoses,
        chapter_changes=changes,
        not_comparable=not_comparable,
        icd10_chapters=icd10_chapters(stays, min_cell),
        flows=flows(stays, orders["tjenester_og_vesen"], orders["ut_til"], min_cell),
        to_hospital=discharged_to(stays, HOSPITAL, min_cell),
        to_hospital_or_own=discharged_to(stays, HOSPITAL + OWN_INSTITUTION, min_cell),
        completeness=completeness(stays, min_cell),
        rules=rule_counts(findings, titles, min_cell, len(stays)),
        ongoing=ongoing,
        open_over_30_days=old,
        discharge_invalid=count(int(stays.discharge_invalid.sum()), min_cell),
        units=sorted(collected.units.items()),
    )
