"""What a validation process does for ``POST /api/v1/innsending``: the message taken into the register
for the caller's unit, and the answer: the receipt and the findings.

On the request's memory file (never a disk file), in the worker process (kad_spec.service.pool):

1. **Whose message.** The header's ``virksomhet`` (read before the stays) must be the caller's
   unit; another unit's message is refused and nothing is stored. When the header names no unit
   but a ``melding_id`` (its header after the stays), the message is validated first, so that a
   message received before is never judged for a unit the header has not been read for.
2. **The register's ingest** of one message (:func:`kad_spec.register.ingest.ingest_file`, what
   ``kad-spec register ingest`` does for each file), which validates it and applies it in one
   transaction. Its validation is handed back before anything is stored (``on_checked``); the
   unit is checked again there on the whole header.
3. **The answer** from that one validation: the receipt (AppRec) as the register decided, on the
   engine's findings and the history rules' refusals (a stay refused for KAD-REG-004 or 007, the
   message for KAD-REG-008); the JSON report of the same findings; and what the register did.

The register's decisions rest on the engine's findings as they are (``register ingest`` takes no
validation config), so the service's ``--config`` is not applied here. The answer lists at most
DEFAULT_MAX_FINDINGS findings per rule, as ``validate`` does; the rest are counted.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import orjson

from kad_spec import output
from kad_spec.spec.findings import DEFAULT_MAX_FINDINGS, ERROR, WARNING, Finding, Omitted

FOREIGN, NO_REGISTER = "foreign", "no_register"  # Answer.refusal
_registers: dict[str, object] = {}  # per process: url -> kad_spec.service.store.ServiceRegister, key checked


class ForeignUnit(Exception):
    """The message is another unit's: stop before anything is stored."""


@dataclass
class Answer:
    status: int
    content: bytes = b""
    media_type: str = "application/json"
    refusal: str | None = None  # FOREIGN | NO_REGISTER: the server answers with the error
    result: str | None = None  # the register's: tatt_inn | avvist | allerede_mottatt | ikke_lagret
    verdict: str | None = None  # the receipt's status
    errors: int = 0
    warnings: int = 0
    stays: int = 0


class Checked:
    """``on_checked`` for the ingest: the engine's result kept for the answer, the unit checked again."""

    def __init__(self, unit: str):
        self.unit = unit
        self.file = None
        self.index: dict[str, int] = {}  # opphold_id -> the stay's index in the message (its first)

    def keep(self, result, stays) -> None:
        from kad_spec.register.ingest import facts_of

        if facts_of(result.header).virksomhet not in (None, self.unit):
            raise ForeignUnit()
        self.file = result
        for stay in reversed(stays):
            self.index[stay.opphold_id] = stay.index

    def validate(self, path: Path, options) -> None:
        """For a message the ingest did not validate (received before): the same validation, here."""
        from kad_spec.validation import check_document

        def ids(batch) -> None:
            for offset, stay_id in enumerate(batch.column("opphold_id")):
                if type(stay_id) is str:
                    self.index.setdefault(stay_id, batch.start + offset)

        self.file = check_document(path, options, on_batch=ids)


def submit(path: Path, unit: str, db_url: str, key: bytes, fmt: str, lang: str, name: str) -> Answer:
    """Take the message at ``path`` into the register for ``unit``; the answer in ``fmt`` (json | apprec)."""
    import sqlalchemy

    from kad_spec.codelists import load_codelists
    from kad_spec.register.ingest import IngestOptions, ingest_file
    from kad_spec.register.store import RegisterError

    if _unit_of(path) not in (None, unit):
        return Answer(403, refusal=FOREIGN)
    load_codelists().reset_usage()  # the editions this message used, for the report
    checked = Checked(unit)
    try:
        register = _register(db_url, key)
        outcome = ingest_file(path, register.register(), key, IngestOptions(), on_checked=checked.keep)
        if checked.file is None:
            checked.validate(path, _options())
        extra = register_refusals(register, outcome, checked.index, name)
    except ForeignUnit:
        return Answer(403, refusal=FOREIGN)
    except (RegisterError, sqlalchemy.exc.DBAPIError):
        _registers.pop(db_url, None)  # opened again next time: the database may be back
        return Answer(503, refusal=NO_REGISTER)
    return _answer(checked.file, extra, outcome, fmt, lang, name)


def _unit_of(path: Path) -> str | None:
    """The message's unit as far as it must be known before the ingest; None: the ingest's check decides."""
    from kad_spec.register.ingest import facts_of
    from kad_spec.validation import check_document, read_header

    facts = facts_of(read_header(path))
    if facts.virksomhet is None and facts.melding_id is not None:
        facts = facts_of(check_document(path).header)
    return facts.virksomhet


def _register(url: str, key: bytes):
    from kad_spec.service.store import ServiceRegister

    register = _registers.get(url)
    if register is None:
        register = ServiceRegister(url)
        with register.register().transaction() as connection:
            register.register().check_key(connection, key)
        _registers[url] = register
    return register


def _options():
    from kad_spec.validation import Options

    return Options(today=date.today(), max_findings=None)  # as the ingest validates


# -- the register's refusals, as findings of the receipt ----------------------------------------
def register_refusals(register, outcome, index: dict[str, int], name: str) -> list[Finding]:
    """What the history rules refused in this message, as findings the receipt's status rests on:
    KAD-REG-008 for the message, KAD-REG-004/007 for each stay (with the facts the open list has)."""
    from kad_spec.register.history import REG_008
    from kad_spec.register.ingest import NOT_STORED, REFUSED

    if outcome.result == REFUSED and outcome.rule == REG_008:
        return [Finding(REG_008, ERROR, name, "/meldingsinfo/melding_id", {"melding_id": outcome.melding_id})]
    if outcome.result == NOT_STORED or outcome.melding_id is None:
        return []
    with register.reading() as connection:
        refused = _refused_versions(connection, outcome.melding_id)
        facts = _open_facts(connection, outcome.virksomhet, refused)
    found = []
    for stay_id, rule_id in refused:
        where = f"/opphold/{index[stay_id]}" if stay_id in index else ""
        for pointer, params in facts.get((stay_id, rule_id)) or [("", {"opphold_id": stay_id})]:
            found.append(Finding(rule_id, ERROR, name, where + pointer, params, opphold_id=stay_id))
    return found


def _refused_versions(connection, melding_id: str) -> list[tuple[str, str]]:
    """(opphold_id, rule) of each version of the message a history rule refused, in file order."""
    import sqlalchemy

    from kad_spec.register import schema

    m, v = schema.melding, schema.versjon
    query = (sqlalchemy.select(v.c.opphold_id, v.c.regel).join(m, m.c.id == v.c.melding)
             .where(m.c.melding_id == melding_id, v.c.handling == "avvist", v.c.regel.like("KAD-REG-%"))
             .order_by(v.c.id))
    return [(row.opphold_id, row.regel) for row in connection.execute(query)]


def _open_facts(connection, unit: str, refused: list[tuple[str, str]]) -> dict:
    """(opphold_id, rule) -> [(pointer, params)] of those findings on the unit's open list."""
    import sqlalchemy

    from kad_spec.register import schema

    if not refused:
        return {}
    f = schema.funn
    query = (sqlalchemy.select(f.c.opphold_id, f.c.regel, f.c.peker, f.c.parametre)
             .where(f.c.virksomhet == unit, f.c.lukket_utc.is_(None),
                    f.c.opphold_id.in_(sorted({stay for stay, _ in refused})),
                    f.c.regel.in_(sorted({rule for _, rule in refused})))
             .order_by(f.c.id))
    facts: dict = {}
    for row in connection.execute(query):
        facts.setdefault((row.opphold_id, row.regel), []).append((row.peker, orjson.loads(row.parametre)))
    return facts


# -- the answer ---------------------------------------------------------------------------------
def _answer(file, extra: list[Finding], outcome, fmt: str, lang: str, name: str) -> Answer:
    from kad_spec.validation.verdict import classify

    _name(file, name)
    if extra:
        file.findings.extend(extra)
        file.verdict = None
        file.verdict = classify(file)  # on the engine's findings and the register's refusals
    _cap(file)
    options = _options()
    receipt, result = _render(file, "apprec", lang, options)
    counts = {"result": outcome.result, "verdict": file.verdict, "errors": result.count(ERROR),
              "warnings": result.count(WARNING), "stays": file.stays}
    if fmt == "apprec":
        return Answer(200, receipt, "application/xml", **counts)
    report, _ = _render(file, "json", lang, options)
    document = {"register": outcome_json(outcome, lang), "apprec": receipt.decode("utf-8"),
                "rapport": orjson.loads(report)}
    return Answer(200, orjson.dumps(cleaned(document)), **counts)


def _name(file, name: str) -> None:
    """The report names the message as the request did, not by the memory file's path."""
    file.path = name
    for finding in file.findings:
        finding.file = name


def _cap(file) -> None:
    """At most DEFAULT_MAX_FINDINGS findings of a rule listed; the rest counted (the status is decided)."""
    kept, counted, seen = [], {}, {}
    for finding in file.findings:
        seen[finding.rule_id] = seen.get(finding.rule_id, 0) + 1
        if seen[finding.rule_id] <= DEFAULT_MAX_FINDINGS:
            kept.append(finding)
        else:
            key = (finding.rule_id, finding.severity, finding.waived)
            counted[key] = counted.get(key, 0) + 1
    if counted:
        file.findings = kept
        file.omitted.extend(Omitted(rule_id, n, None, severity, waived)
                            for (rule_id, severity, waived), n in counted.items())
        file.truncated = True


def _render(file, fmt: str, lang: str, options):
    """The report of ``file`` in ``fmt`` through the writer ``validate`` uses, and the run around it."""
    from kad_spec.reports import writer_for
    from kad_spec.validation import Validator

    writer = writer_for(fmt, lang)
    writer.add_file(file)
    result = Validator(options).run_result([file.counted()])
    binary = io.BytesIO()
    if writer.own_output:  # the receipt: bytes, masked as they are made
        writer.finish(result, binary)
    else:
        with output.cleaned_into(binary) as text:
            writer.finish(result, text)
    return binary.getvalue(), result


def outcome_json(outcome, lang: str) -> dict:
    """What the register did, with the keys of ``kad-spec register ingest --format json``; of the
    findings it opened, the history rules' (the engine's are in the report)."""
    from kad_spec.spec.catalogue import catalogue

    rules = catalogue()

    def message(opened) -> str:
        rule = rules.get(opened.rule_id)
        return rule.message(lang, opened.params) if rule else opened.rule_id

    history = [o for o in outcome.opened if o.rule_id.startswith("KAD-REG-")]
    return {"result": outcome.result, "melding_id": outcome.melding_id, "virksomhet": outcome.virksomhet,
            "opprettet": outcome.opprettet, "stays": outcome.stays, "applied": outcome.applied,
            "kept": outcome.kept, "refused": outcome.refused, "errors": outcome.errors,
            "warnings": outcome.warnings, "rule": outcome.rule, "opened": len(outcome.opened),
            "closed": outcome.closed,
            "history": [{"rule_id": o.rule_id, "severity": o.severity, "opphold_id": o.opphold_id,
                         "message": message(o)} for o in history]}


def cleaned(value):
    """Every text in a JSON value through the output boundary (ids masked), keys too; a number long
    enough to be an id becomes its masked text."""
    if isinstance(value, str):
        return output.clean(value)
    if isinstance(value, dict):
        return {output.clean(str(k)): cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cleaned(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10 ** 10:
        return output.clean(str(value))
    return value
