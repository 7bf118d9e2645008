"""The units' open list: what the register has found about each unit's stays, and what is resolved.

The model is the daily accumulated error list the Danish patient register sends its reporters:
per unit, every finding still open (rule, severity, stay, since when, the text), and, when
asked, every finding a later version resolved, and when. ``register findings`` shows it; the
service will hand it to the units.

A finding opens and closes at the ``opprettet`` of the message that brought it or resolved it
(in UTC), so the list follows the unit's reporting, not when the register read the message.
The list holds no personal id: a finding's facts are stored with ids masked
(kad_spec.register.ingest), and the stays are named by their ``opphold_id``.

Order, the same on every store: per unit (organisation number); within a unit the findings about
a message before those about one stay, then by ``opphold_id``, the time it opened, rule, field.
The resolved ones are ordered by when they were resolved, then as the open ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from kad_spec.register import schema


@dataclass(frozen=True, slots=True)
class ListedFinding:
    """One finding on a unit's list; ``closed_utc`` is None while it is open."""

    virksomhet: str
    opphold_id: str | None  # None: about a message, not one stay
    rule_id: str
    severity: str  # error | warning
    pointer: str  # the field within the stay (or the message); "" for all of it
    params: dict
    opened_utc: str
    found_in: str | None  # melding_id of the message it was found in (None for KAD-REG-005)
    closed_utc: str | None = None
    closed_by: str | None = None  # melding_id of the message that resolved it

    @property
    def is_open(self) -> bool:
        return self.closed_utc is None

    def message(self, lang: str = "nb") -> str:
        """The rule's message with the finding's facts, in bokmål or English."""
        from kad_spec.spec.catalogue import catalogue

        rule = catalogue().get(self.rule_id)
        return rule.message(lang, self.params) if rule else self.rule_id

    def open_order(self) -> tuple:
        return (self.opphold_id is not None, self.opphold_id or "", self.opened_utc, self.rule_id, self.pointer,
                json.dumps(self.params, sort_keys=True))

    def resolved_order(self) -> tuple:
        return (self.closed_utc or "",) + self.open_order()


@dataclass
class UnitList:
    """One unit's list: open findings and (when asked for) resolved ones."""

    virksomhet: str
    last_created: str | None = None  # opprettet of the unit's latest message taken in: the list is as of then
    open: list[ListedFinding] = field(default_factory=list)
    resolved: list[ListedFinding] = field(default_factory=list)

    def open_by_rule(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for finding in self.open:
            counts[finding.rule_id] = counts.get(finding.rule_id, 0) + 1
        return dict(sorted(counts.items()))


def unit_lists(connection, unit: str | None = None, resolved: bool = False) -> list[UnitList]:
    """Every unit's list (or ``unit``'s): the units the register has messages or findings from,
    each with its open findings, and with ``resolved`` also those a later version resolved."""
    units = {name: UnitList(name) for name in _units(connection, unit)}
    for name, created in _latest_created(connection, unit):
        units[name].last_created = created
    for finding in _findings(connection, unit, resolved):
        listed = units.setdefault(finding.virksomhet, UnitList(finding.virksomhet))
        (listed.open if finding.is_open else listed.resolved).append(finding)
    for listed in units.values():
        listed.open.sort(key=ListedFinding.open_order)
        listed.resolved.sort(key=ListedFinding.resolved_order)
    return [units[name] for name in sorted(units)]


def _units(connection, unit: str | None) -> list[str]:
    import sqlalchemy

    m = schema.melding
    query = sqlalchemy.select(m.c.virksomhet).distinct()
    if unit is not None:
        query = query.where(m.c.virksomhet == unit)
    return [row[0] for row in connection.execute(query.order_by(m.c.virksomhet))]


def _latest_created(connection, unit: str | None) -> list[tuple[str, str]]:
    """(unit, opprettet as written) of each unit's latest message taken in."""
    import sqlalchemy

    m = schema.melding
    latest = (sqlalchemy.select(m.c.virksomhet, sqlalchemy.func.max(m.c.opprettet_utc).label("utc"))
              .where(m.c.resultat == "tatt_inn", *([m.c.virksomhet == unit] if unit is not None else []))
              .group_by(m.c.virksomhet).subquery())
    query = (sqlalchemy.select(m.c.virksomhet, m.c.opprettet)
             .join(latest, sqlalchemy.and_(m.c.virksomhet == latest.c.virksomhet, m.c.opprettet_utc == latest.c.utc))
             .where(m.c.resultat == "tatt_inn")
             .order_by(m.c.virksomhet, m.c.melding_id))
    found: dict[str, str] = {}
    for name, created in connection.execute(query):
        found[name] = created  # of two messages made at the same time, the one applied last
    return sorted(found.items())


def _findings(connection, unit: str | None, resolved: bool) -> list[ListedFinding]:
    import sqlalchemy

    f, m = schema.funn, schema.melding
    found_in, closed_by = m.alias("funnet_i"), m.alias("lukket_av")
    query = (sqlalchemy.select(f, found_in.c.melding_id.label("found_in"), closed_by.c.melding_id.label("closed_by"))
             .outerjoin(found_in, found_in.c.id == f.c.melding)
             .outerjoin(closed_by, closed_by.c.id == f.c.lukket_av)
             .order_by(f.c.id))
    if unit is not None:
        query = query.where(f.c.virksomhet == unit)
    if not resolved:
        query = query.where(f.c.lukket_utc.is_(None))
    return [ListedFinding(row.virksomhet, row.opphold_id, row.regel, row.alvorlighet, row.peker,
                          json.loads(row.parametre), row.apnet_utc, row.found_in, row.lukket_utc, row.closed_by)
            for row in connection.execute(query)]


# -- the list as data: JSON for the service, rows for a spreadsheet ----------------------------------
CSV_COLUMNS = ("virksomhet", "state", "opphold_id", "rule_id", "pointer", "severity", "opened_utc", "closed_utc",
               "found_in", "closed_by", "message")
OPEN, RESOLVED = "open", "resolved"


def finding_dict(finding: ListedFinding, lang: str = "nb") -> dict:
    return {"rule_id": finding.rule_id, "severity": finding.severity, "opphold_id": finding.opphold_id,
            "pointer": finding.pointer, "opened_utc": finding.opened_utc, "found_in": finding.found_in,
            "closed_utc": finding.closed_utc, "closed_by": finding.closed_by, "message": finding.message(lang),
            "params": finding.params}


def lists_document(lists: list[UnitList], lang: str = "nb", resolved: bool = False) -> dict:
    """The lists as one JSON document; ``resolved`` is null for each unit unless it was asked for."""
    return {"schema_version": schema.SCHEMA_VERSION, "units": [{
        "virksomhet": listed.virksomhet, "last_created": listed.last_created,
        "open": {"total": len(listed.open), "by_rule": listed.open_by_rule(),
                 "findings": [finding_dict(f, lang) for f in listed.open]},
        "resolved": {"total": len(listed.resolved), "findings": [finding_dict(f, lang) for f in listed.resolved]}
        if resolved else None,
    } for listed in lists]}


def csv_rows(lists: list[UnitList], lang: str = "nb"):
    """One row per finding (the columns of CSV_COLUMNS), the open ones of a unit before its resolved ones."""
    for listed in lists:
        for state, findings in ((OPEN, listed.open), (RESOLVED, listed.resolved)):
            for f in findings:
                yield (listed.virksomhet, state, f.opphold_id, f.rule_id, f.pointer, f.severity, f.opened_utc,
                       f.closed_utc, f.found_in, f.closed_by, f.message(lang))
