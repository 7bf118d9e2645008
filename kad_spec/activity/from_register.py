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
from datetime import date

from kad_spec.activity.build import RuleHit, report_of, small_list
from kad_spec.activity.columns import RegisterColumns, StayColumns, fast_select, slow_select
from kad_spec.activity.feedback import feedback
from kad_spec.activity.figures import ActivityReport
from kad_spec.activity.records import Collected, local_day_and_seconds

Period = tuple[date | None, date | None]


class PeriodError(ValueError):
    """A period that is not ``FRA..TIL`` with ISO dates (``backwards``: it ends before it begins)."""

    def __init__(self, backwards: bool = False):
        super().__init__("the period ends before it begins" if backwards else "not FROM..TO with ISO dates")
        self.backwards = backwards


def parse_period(text: str) -> Period:
    """``2017-01-01..2026-11-30`` as (first day, last day); either side may be empty."""
    first, dots, last = text.partition("..")
    try:
        if not dots:
            raise ValueError
        span = (date.fromisoformat(first) if first else None, date.fromisoformat(last) if last else None)
    except ValueError:
        raise PeriodError() from None
    if span[0] and span[1] and span[0] > span[1]:
        raise PeriodError(backwards=True)
    return span
READ_ROWS = 20000  # rows fetched at a time


def read_columns(connection) -> tuple[StayColumns, list[str]]:
    """Every unit's current stays not cancelled as columns (kad_spec.activity.columns), read with
    the driver's own cursor a batch at a time: a row object per stay would cost more than all the
    figures, and no row outlives its batch."""
    from kad_spec.register import schema

    driver = connection.connection.dbapi_connection
    columns = RegisterColumns()
    # On PostgreSQL a server-side cursor: psycopg's own would hold the whole result in memory.
    # It is planned for the whole result (cursor_tuple_fraction 1), as a plain query would be,
    # not for its first rows.
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
    cursor = driver.cursor(name="kad_rapport") if postgres else driver.cursor()
    try:
        cursor.execute(fast_select(schema.opphold.name, connection.dialect.name))
        while batch := cursor.fetchmany(READ_ROWS):
            columns.add(batch)
    finally:
        cursor.close()
    cursor = driver.cursor()
    try:
        cursor.execute(slow_select(schema.opphold.name))
        return columns.finish(cursor.fetchall())
    finally:
        cursor.close()


def stay_columns(connection, period: Period = (None, None)) -> tuple[StayColumns, Counter]:
    """Every unit's current stays admitted in ``period`` as columns, and per unit the stays
    without a usable admission."""
    stays, unusable = read_columns(connection)
    first, last = period
    if first is not None or last is not None:
        keep = ((stays.admitted_day >= (first.toordinal() if first else 0))
                & (stays.admitted_day <= (last.toordinal() if last else date.max.toordinal())))
        stays = stays.take(keep)
    return stays, Counter(unusable)


def collect_register(connection, unit: str | None = None, stays: StayColumns | None = None,
                     unusable: Counter | None = None) -> tuple[Collected, int]:
    """The register's stays (of ``unit``, or all) as the report's columns, and the number of messages taken in."""
    from kad_spec.register import store
    from kad_spec.register.export import version_counts

    if stays is None:
        stays, unusable = stay_columns(connection)
    unusable = unusable or Counter()
    if unit is not None:
        code = stays.units.labels.index(unit) if unit in stays.units.labels else -1
        stays = stays.take(stays.unit == code)
    collected = Collected(unusable=unusable[unit] if unit is not None else sum(unusable.values()), columns=stays)
    if len(stays):
        latest = max(int(stays.admitted_day.max()), int(stays.discharged_day.max()))
        _note_day(collected, date.fromordinal(latest))
    units = store.unit_status(connection, unit)
    names = store.unit_names(connection, unit)
    for facts in units:
        collected.units[facts["virksomhet"]] = names.get(facts["virksomhet"])
        collected.cancelled += facts["stays"]["cancelled"]
        created = local_day_and_seconds(facts["last_created"])
        if created:
            _note_day(collected, created[0])
    versions, counted = version_counts(connection, unit)
    collected.records_read, collected.replaced = versions, versions - counted
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
    stays, unusable = stay_columns(connection, period)
    collected, messages = collect_register(connection, unit, stays, unusable)
    all_findings = open_findings(connection) if validate else []
    findings = [f for f in all_findings if unit is None or f.file == unit]
    reference = today or period[1]
    report = report_of(collected, findings, min_cell=min_cell, today=reference, files=messages, files_unreadable=0,
                       validated=validate)
    referral_order = [code for code, _, _ in small_list("tjenester_og_vesen")]
    report.feedback = feedback(stays, unit, all_findings, report.reference_day, period, referral_order, min_cell)
    return report


def _note_day(collected: Collected, day: date) -> None:
    if collected.latest_day is None or day > collected.latest_day:
        collected.latest_day = day
