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
  found in a file (``validate=False`` leaves them out).
"""

from __future__ import annotations

from datetime import date

from kad_spec.activity.build import RuleHit, report_of
from kad_spec.activity.figures import ActivityReport
from kad_spec.activity.records import Collected, local_day_and_seconds, to_record


def collect_register(connection, unit: str | None = None) -> tuple[Collected, int]:
    """The register's stays as the report's records, and the number of messages taken in."""
    from kad_spec.register import store
    from kad_spec.register.export import as_message_stay, current_stays, version_counts

    collected = Collected()
    for row in current_stays(connection, unit):
        record = to_record(as_message_stay(row))
        if record is None:
            collected.unusable += 1
            continue
        collected.stays.append(record)
        _note_day(collected, record.admitted_day)
        if record.discharged_day:
            _note_day(collected, record.discharged_day)
    units = store.unit_status(connection, unit)
    for facts in units:
        collected.units[facts["virksomhet"]] = None  # the register keeps no unit names
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
                               *, validate: bool = True) -> ActivityReport:
    """The activity report of the register's stays (of ``unit``, or of every unit), read on
    ``connection`` (one transaction of kad_spec.register.store.Register)."""
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    collected, messages = collect_register(connection, unit)
    findings = open_findings(connection, unit) if validate else []
    return report_of(collected, findings, min_cell=min_cell, today=today, files=messages, files_unreadable=0,
                     validated=validate)


def _note_day(collected: Collected, day: date) -> None:
    if collected.latest_day is None or day > collected.latest_day:
        collected.latest_day = day
