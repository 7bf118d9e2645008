"""The activity report from the register of stays (kad_spec.register) instead of message files.

The register already holds what the report would work out from the files: the current version
of every stay, after every replacement and cancellation. Its stays not cancelled are read in
the shape a message gives them and made into the report's records as a file's stays are
(kad_spec.activity.records.to_record), so the same stays give the same figures.

What differs, because a register is not a pile of files:

- "files read" are the messages the register took in; a message received again is not read
  again, so neither its records nor its replacements are counted twice;
- "records read" are the versions of stays the register received (taken in, kept out as late,
  or refused), "replaced" those of them that are not the stay's latest;
- the findings per rule are the units' open list: what is still open now, not everything ever
  found in a file (``validate=False`` leaves them out);
- the sections only a register can give (kad_spec.activity.feedback): the years, the unit
  against all units and units of its size, quality per month, the score. They need every
  unit's stays, so every unit's stays are read, also for one unit's report.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from kad_spec.activity.build import RuleHit, report_of, small_list
from kad_spec.activity.feedback import TrackedStay, feedback
from kad_spec.activity.figures import ActivityReport
from kad_spec.activity.records import Collected, local_day_and_seconds, to_record

Period = tuple[date | None, date | None]


def _utc_seconds(text: str | None) -> float | None:
    """POSIX seconds of the register's fixed-width UTC text (``2025-03-01T13:35:00Z``)."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def _in_period(day: date, period: Period) -> bool:
    first, last = period
    return (first is None or day >= first) and (last is None or day <= last)


def tracked_stays(connection, period: Period = (None, None)) -> tuple[list[TrackedStay], Counter]:
    """Every unit's current stays admitted in ``period``, and per unit those without a usable admission."""
    from kad_spec.register.export import as_message_stay, current_stays

    tracked, unusable = [], Counter()
    for row in current_stays(connection):
        record = to_record(as_message_stay(row))
        if record is None:
            unusable[row.virksomhet] += 1
            continue
        if _in_period(record.admitted_day, period):
            tracked.append(TrackedStay(record, row.virksomhet, row.opphold_id, row.person,
                                       _utc_seconds(row.innlagt_meldt_utc), _utc_seconds(row.utskrevet_meldt_utc)))
    return tracked, unusable


def collect_register(connection, unit: str | None = None, tracked: list[TrackedStay] | None = None,
                     unusable: Counter | None = None) -> tuple[Collected, int]:
    """The register's stays (of ``unit``, or all) as the report's records, and the number of messages taken in."""
    from kad_spec.register import store
    from kad_spec.register.export import version_counts

    if tracked is None:
        tracked, unusable = tracked_stays(connection)
    unusable = unusable or Counter()
    collected = Collected(unusable=unusable[unit] if unit is not None else sum(unusable.values()))
    for t in tracked:
        if unit is None or t.unit == unit:
            collected.stays.append(t.record)
            _note_day(collected, t.record.admitted_day)
            if t.record.discharged_day:
                _note_day(collected, t.record.discharged_day)
    units = store.unit_status(connection, unit)
    names = store.unit_names(connection, unit)
    for facts in units:
        collected.units[facts["virksomhet"]] = names.get(facts["virksomhet"])
        collected.cancelled += facts["stays"]["cancelled"]
        created = local_day_and_seconds(facts["last_created"])
        if created:
            _note_day(collected, created[0])
    versions, stays = version_counts(connection, unit)
    collected.records_read, collected.replaced = versions, versions - stays
    return collected, sum(facts["messages"]["taken_in"] for facts in units)


def open_findings(connection, unit: str | None = None) -> list[RuleHit]:
    """The units' open list as the report's findings: one per finding, each with its stay."""
    from kad_spec.register.openlist import unit_lists

    return [RuleHit(f.rule_id, f.severity, f.virksomhet, f.opphold_id)
            for listed in unit_lists(connection, unit) for f in listed.open]


def build_report_from_register(connection, unit: str | None = None, min_cell: int = 5, today: date | None = None,
                               *, validate: bool = True, period: Period = (None, None)) -> ActivityReport:
    """The activity report of the register's stays (of ``unit``, or of every unit), read on
    ``connection`` (one transaction of kad_spec.register.store.Register), with the register's
    own sections (``report.feedback``). ``period`` (first day, last day; either may be None)
    limits the stays to those admitted in it; its last day is the reference day unless ``today``
    is given."""
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    tracked, unusable = tracked_stays(connection, period)
    collected, messages = collect_register(connection, unit, tracked, unusable)
    all_findings = open_findings(connection) if validate else []
    findings = [f for f in all_findings if unit is None or f.file == unit]
    reference = today or period[1]
    report = report_of(collected, findings, min_cell=min_cell, today=reference, files=messages, files_unreadable=0,
                       validated=validate)
    referral_order = [code for code, _, _ in small_list("tjenester_og_vesen")]
    report.feedback = feedback(tracked, unit, all_findings, report.reference_day, period, referral_order, min_cell)
    return report


def _note_day(collected: Collected, day: date) -> None:
    if collected.latest_day is None or day > collected.latest_day:
        collected.latest_day = day
