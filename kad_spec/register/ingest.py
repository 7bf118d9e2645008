"""Messages into the register: each validated by the engine, then applied in one transaction.

For every message of a call, in the order of (``virksomhet``, ``opprettet``, ``melding_id``):

1. a message whose ``melding_id`` the register has, with the same bytes, changes nothing
   (already received); with other bytes it is refused (KAD-REG-008);
2. the engine validates it (kad_spec.validation, the same findings as ``kad-spec validate``),
   and hands over each batch of stays as it checks them: each stay is kept as a compact record
   (the person already a pseudonym, the id never kept), so memory grows with the stays, not with
   the file;
3. in one transaction: the message is recorded; if the engine would take it in, each stay's
   version is judged by the history rules (kad_spec.register.history) against the register's
   current version and applied (N adds, M replaces, C cancels), kept out (late) or refused;
   a stay with an error finding from the engine is refused. The findings of each stay's
   latest version replace its earlier open findings on the unit's open list; last, the unit's
   stays still open after 30 days are looked at (KAD-REG-005).

A crash or a kill before the commit leaves the register as it was before that message.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from kad_spec.output import mask
from kad_spec.spec.findings import ERROR, Hit, stay_index

from kad_spec.register import history, store, utc
from kad_spec.register.history import CANCEL, Version
from kad_spec.register.keys import pseudonym
from kad_spec.register.store import Register

TAKEN_IN, REFUSED, ALREADY, NOT_STORED = "tatt_inn", "avvist", "allerede_mottatt", "ikke_lagret"
# Tests only: the file named here is made once a message is applied but not committed, and the
# ingest then waits (a minute at most) to be killed, so that a test can kill it at that point.
PAUSE_ENV = "KAD_SPEC_TEST_PAUSE_BEFORE_COMMIT"


@dataclass
class IngestOptions:
    today: date | None = None  # the engine's as-of date, and KAD-REG-005's (else the unit's latest message)


@dataclass(frozen=True)
class Opened:
    """A finding this message put on the unit's open list."""

    rule_id: str
    severity: str
    opphold_id: str | None
    params: dict


@dataclass
class MessageOutcome:
    path: str
    result: str  # TAKEN_IN | REFUSED | ALREADY | NOT_STORED
    melding_id: str | None = None
    virksomhet: str | None = None
    opprettet: str | None = None
    stays: int = 0
    applied: int = 0
    kept: int = 0  # late versions, not applied (KAD-REG-003)
    refused: int = 0
    errors: int = 0  # the engine's findings at error level
    warnings: int = 0
    rule: str | None = None  # the rule that refused the whole message
    opened: list[Opened] = field(default_factory=list)
    closed: int = 0
    internal_error: str | None = None


@dataclass
class IngestResult:
    messages: list[MessageOutcome] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 ok; 1 a message refused, or a finding at error level; 2 an internal error."""
        if any(m.internal_error for m in self.messages):
            return 2
        failed = any(m.result in (REFUSED, NOT_STORED) or m.refused or m.errors
                     or any(o.severity == ERROR for o in m.opened) for m in self.messages)
        return 1 if failed else 0


def ingest(paths: Iterable[Path], register: Register, key: bytes, options: IngestOptions | None = None,
           on_message: Callable[[MessageOutcome], None] | None = None) -> IngestResult:
    """Take the messages in ``paths`` (files, folders) into ``register``, in the order of their units
    and ``opprettet``; ``on_message`` is told each outcome as it is known."""
    from kad_spec.validation import message_files

    options = options or IngestOptions()
    files = message_files(paths)
    with register.transaction() as connection:
        register.check_key(connection, key)
    result = IngestResult()
    messages = ordered(files)
    with Ahead(messages, register, key, options.today or date.today()) as ahead:
        for position, (path, facts) in enumerate(messages):
            ahead.reach(position)
            outcome = ingest_file(path, register, key, options, early=facts, validated=lambda: ahead.result(position))
            ahead.forget(position)
            register.keep_statistics(outcome.stays * 2)  # a version and, mostly, a stay written for each
            result.messages.append(outcome)
            if on_message is not None:
                on_message(outcome)
    return result


# -- order -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Facts:
    """What the header says, where it says it as text."""

    melding_id: str | None
    virksomhet: str | None
    opprettet: str | None
    virksomhet_navn: str | None = None

    @property
    def opprettet_utc(self) -> str | None:
        return utc.as_utc(self.opprettet)

    @property
    def complete(self) -> bool:
        return None not in (self.melding_id, self.virksomhet, self.opprettet)


def facts_of(header: dict | None) -> Facts:
    header = header if isinstance(header, dict) else {}
    info = header.get("meldingsinfo") if isinstance(header.get("meldingsinfo"), dict) else {}
    unit = header.get("virksomhet") if isinstance(header.get("virksomhet"), dict) else {}
    return Facts(_text(info.get("melding_id")), _text(unit.get("organisasjonsnummer")), _text(info.get("opprettet")),
                 _text(unit.get("navn")))


def in_order(files: list[Path]) -> list[Path]:
    """The files in the order their messages are applied: per unit, by opprettet, then melding_id."""
    return [path for path, _ in ordered(files)]


def ordered(files: list[Path]) -> list[tuple[Path, Facts]]:
    """The files in the order their messages are applied, each with what its header says.

    The header is read before the stays; a file whose header comes after its stays is validated
    once for it."""
    from kad_spec.validation import check_document, read_header

    keyed = []
    for position, path in enumerate(files):
        facts = facts_of(read_header(path))
        if not facts.complete:
            facts = facts_of(check_document(path).header)
        keyed.append(((facts.virksomhet or "", facts.opprettet_utc or "", facts.melding_id or "", position), path, facts))
    return [(path, facts) for _, path, facts in sorted(keyed, key=lambda item: item[0])]


# -- one message -------------------------------------------------------------------------------
def ingest_file(path: Path, register: Register, key: bytes, options: IngestOptions,
                on_checked: Callable[[object, list[StayRecord]], None] | None = None,
                early: Facts | None = None, validated: Callable[[], tuple | None] | None = None) -> MessageOutcome:
    """One message into the register. ``on_checked(result, stays)`` is given the engine's result and
    the stays as kept, before anything is stored: a caller answers from the same validation (the
    service's receipt), and may stop the ingest there by raising. ``early``: what its header says,
    if read already (see ordered); ``validated()``: the message validated already (see Ahead), or None."""
    from kad_spec.validation import read_header

    try:
        digest = _sha256(path)
    except OSError:  # cannot be read: nothing to take in (kad-spec validate says why)
        return MessageOutcome(str(path), NOT_STORED, rule="KAD-FIL-001")
    if early is None:
        early = facts_of(read_header(path))
    if early.melding_id is not None:
        with register.transaction() as connection:
            earlier = store.message_by_melding_id(connection, early.melding_id)
            if earlier is not None:  # no need to validate: already received, or refused for its id
                return _received_before(connection, path, early, earlier, digest)
    checked, records = (validated and validated()) or validate(path, key, options.today or date.today())
    if on_checked is not None:
        on_checked(checked, records)
    facts = facts_of(checked.header)
    outcome = MessageOutcome(str(path), NOT_STORED, facts.melding_id, facts.virksomhet, facts.opprettet,
                             stays=checked.stays, errors=checked.count(ERROR), warnings=checked.count("warning"))
    if checked.internal_error:
        outcome.internal_error = checked.internal_error
        return outcome
    unreadable = _unreadable(checked.findings)
    if facts.melding_id is None or facts.virksomhet is None or unreadable:
        # Nothing to know it by, nor whose it is; or a file that is no whole message (cut short,
        # say): not received, so that the whole file can be sent again under the same melding_id.
        outcome.rule = unreadable or _first_error(checked.findings)
        return outcome
    with register.transaction() as connection:
        earlier = store.message_by_melding_id(connection, facts.melding_id)
        if earlier is not None:  # taken in by another ingest meanwhile
            return _received_before(connection, path, facts, earlier, digest)
        Application(connection, facts, checked, records, digest, options, outcome).run()
        _pause_for_tests()
    return outcome


def validate(path: Path, key: bytes, today: date) -> tuple:
    """(the engine's result on one message, its stays as the register keeps them: StayRecords)."""
    from kad_spec.validation import Options, check_document

    stays = StayCollector(key)
    checked = check_document(path, Options(today=today, max_findings=None), on_batch=stays.add)
    return checked, stays.records


# -- the next message validated while this one is applied -------------------------------------
AHEAD_MIN_FILES = 8  # fewer messages are validated in this process: a second one costs more than it saves
AHEAD_MAX_BYTES = 16 << 20  # a larger file is validated here, so that two of its stays are never held at once


class Ahead:
    """The messages of one call validated one ahead, in a second process, while this process
    applies the message before: on a machine with two cores the engine's work on the next
    message and the store's on this one go on at once. The result is the same: the same
    function validates the same file; a message the register has (by melding_id) when the call
    starts is not validated; should the second process fail, the message is validated here.
    Only for calls of many messages (a backfill, a week's files), and only with two cores."""

    def __init__(self, messages: list[tuple[Path, Facts]], register: Register, key: bytes, today: date):
        self.key, self.today = key, today
        self.pool = None
        self.futures: dict[int, object] = {}
        self.worth: list[bool] = []
        if len(messages) < AHEAD_MIN_FILES or _cores() < 2:
            return
        with register.transaction() as connection:
            known = store.known_melding_ids(connection, [f.melding_id for _, f in messages if f.melding_id])
        self.paths = [path for path, _ in messages]
        self.worth = [facts.melding_id not in known and _size(path) <= AHEAD_MAX_BYTES for path, facts in messages]
        if sum(self.worth) >= AHEAD_MIN_FILES:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context(method))

    def __enter__(self) -> "Ahead":
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def reach(self, position: int) -> None:
        """The validations of this message and the next started (called outside any transaction)."""
        if self.pool is None:
            return
        for i in (position, position + 1):
            if i < len(self.worth) and self.worth[i] and i not in self.futures:
                self.futures[i] = self.pool.submit(validate, self.paths[i], self.key, self.today)

    def result(self, position: int) -> tuple | None:
        future = self.futures.get(position)
        if future is None:
            return None
        try:
            return future.result()
        except Exception:  # noqa: BLE001 - the second process failed: the message is validated here
            return None

    def forget(self, position: int) -> None:
        future = self.futures.pop(position, None)
        if future is not None:
            future.cancel()  # not needed (the message was received before): its result is dropped


def _cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return AHEAD_MAX_BYTES + 1  # validated here, where a file that cannot be read is reported


def _received_before(connection, path: Path, facts: Facts, earlier, digest: str) -> MessageOutcome:
    outcome = MessageOutcome(str(path), ALREADY, facts.melding_id, facts.virksomhet or earlier.virksomhet,
                             facts.opprettet)
    hits = history.same_id_other_content(earlier.melding_id, earlier.sha256, digest)
    if not hits:
        return outcome
    outcome.result, outcome.rule = REFUSED, history.REG_008
    unit = facts.virksomhet or earlier.virksomhet
    when = facts.opprettet_utc or utc.now()
    for hit in hits:
        row = _finding_row(unit, None, hit.rule_id, _severity(hit.rule_id), hit.pointer, hit.params, earlier.id, when)
        already_open = [r for r in store.open_findings_of_rule(connection, unit, hit.rule_id)
                        if r.melding == earlier.id and r.parametre == row["parametre"]]
        if not already_open:
            store.add_findings(connection, [row])
            outcome.opened.append(Opened(hit.rule_id, row["alvorlighet"], None, hit.params))
    return outcome


def _pause_for_tests() -> None:
    marker = os.environ.get(PAUSE_ENV)
    if marker:
        Path(marker).write_text("applied, not committed\n", encoding="utf-8")
        time.sleep(60)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- the stays as the engine reads them --------------------------------------------------------
@dataclass(slots=True)
class StayRecord:
    """One stay of a message as the register keeps it: no personal id, only its pseudonym."""

    index: int
    opphold_id: str
    status: str | None
    person: str | None
    id_type: str | None
    fodselsdato: str | None
    kjonn: str | None
    alder: int | None
    bostedskommune: str | None
    innlagt: str | None
    innlagt_utc: str | None
    utskrevet: str | None
    utskrevet_utc: str | None
    henvist_fra: tuple
    utskrevet_til: tuple
    innskrivningsdiagnoser: str | None
    utskrivningsdiagnoser: str | None


PLACE_FIELDS = ("kategori", "organisasjonsnummer", "her_id")


class StayCollector:
    """``add(batch)`` for the engine's ``on_batch``: every stay with a text opphold_id, as a StayRecord."""

    def __init__(self, key: bytes):
        from kad_spec.ids import personnr
        from kad_spec.ids.exceptions import ValidationError

        self.key = key
        self.records: list[StayRecord] = []
        self._classify, self._not_an_id = personnr.classify, ValidationError

    def add(self, batch) -> None:
        column, start, as_utc, person_of, append = batch.column, batch.start, utc.as_utc, self._person, self.records.append
        people = zip(column("pasient.id_type"), column("pasient.id"), column("pasient.kjonn"),
                     column("pasient.alder"), column("pasient.bostedskommune"))
        places = zip(*(column(f"henvist_fra.{name}") for name in PLACE_FIELDS))
        destinations = zip(*(column(f"utskrevet_til.{name}") for name in PLACE_FIELDS))
        rows = zip(column("opphold_id"), column("status"), people, column("innleggelsestidspunkt"),
                   column("utskrivningstidspunkt"), places, destinations, _diagnoses(batch, "innskrivningsdiagnoser"),
                   _diagnoses(batch, "utskrivningsdiagnoser"))
        for i, (stay_id, status, person, admitted, discharged, place, destination, first, last) in enumerate(rows):
            if type(stay_id) is not str:
                continue  # the engine reports it; a stay without an id cannot be kept
            id_type, number, sex, age, home = person
            person_key, born, derived_sex = person_of(_text(id_type), _text(number))
            if type(admitted) is not str:
                admitted = None
            if type(discharged) is not str:
                discharged = None
            append(StayRecord(
                start + i, stay_id, _code(status), person_key, _code(id_type), born,
                _code(sex) or derived_sex, age if type(age) is int else None, _code(home), admitted,
                as_utc(admitted), discharged, as_utc(discharged), _place(place), _place(destination), first, last))

    def _person(self, id_type: str | None, number: str | None) -> tuple[str | None, str | None, str | None]:
        """(pseudonym, birth date, sex) of a person; the id itself goes no further than here."""
        if id_type is None or number is None:
            return None, None, None
        born = sex = None
        if len(number) == 11:
            try:
                facts = self._classify(number)
                born = facts.birth_date.isoformat() if facts.birth_date else None
                sex = facts.sex
            except self._not_an_id:
                pass
        return pseudonym(self.key, id_type, number), born, sex


def _diagnoses(batch, path: str) -> list[str | None]:
    """Per stay, its diagnoses as JSON text ``[[kodeverk, kode], ...]``; None where there is no list."""
    owners, _, _ = batch.items(path)
    systems, codes = batch.item_column(path, "kodeverk"), batch.item_column(path, "kode")
    lists: list = [None if type(value) is not list else [] for value in batch.column(path)]
    for owner, system, code in zip(owners, systems, codes):
        lists[owner].append([_text(system), _text(code)])
    return [None if value is None else _json_pairs(value) for value in lists]


_PLAIN = re.compile(r'[^"\\\x00-\x1f\x7f-\x9f\u2028\u2029]*')  # text json.dumps writes as it is


def _json_pairs(pairs: list) -> str:
    """``json.dumps(pairs, ensure_ascii=False, separators=(",", ":"))`` for a list of [kodeverk, kode]:
    written out directly when every text is plain (codes are), which is a third of the time."""
    if all(type(text) is str and _PLAIN.fullmatch(text) for pair in pairs for text in pair):
        return "[" + ",".join(f'["{system}","{code}"]' for system, code in pairs) + "]"
    return json.dumps(pairs, ensure_ascii=False, separators=(",", ":"))


def _text(value) -> str | None:
    return value if type(value) is str else None


def _code(value) -> str | None:
    """A code many stays share (id type, municipality, category): one string for all of them."""
    return sys.intern(value) if type(value) is str else None


NO_PLACE = (None, None, None)


def _place(values) -> tuple:
    place = tuple(map(_code, values))
    return NO_PLACE if place == NO_PLACE else place


# -- applying one message ----------------------------------------------------------------------
FindingKey = tuple  # (regel, peker, parametre): a finding on the open list is the same when these are
WRITE_ROWS = 1000  # rows written in one statement


class Application:
    """One message applied, inside the transaction the caller holds."""

    def __init__(self, connection, facts: Facts, checked, records: list[StayRecord], digest: str,
                 options: IngestOptions, outcome: MessageOutcome):
        self.connection = connection
        self.facts = facts
        self.unit = facts.virksomhet
        self.checked = checked
        self.records = records
        self.digest = digest
        self.options = options
        self.outcome = outcome
        self.received = utc.now()
        self.version_utc = facts.opprettet_utc or ""  # worked out once: every stay's version has it
        self.when = self.version_utc or self.received  # the time findings open and close at
        self.message_id: int | None = None
        self.by_stay: dict[int, list] = {}
        self.about_message: list = []
        for finding in checked.findings:
            index = stay_index(finding.pointer)
            (self.about_message if index is None else self.by_stay.setdefault(index, [])).append(finding)

    def run(self) -> None:
        from kad_spec.validation import refused_stays, refuses_message

        # Refused as a whole (its header, say): no stay is looked at. A message all of whose stays
        # are refused is refused too, but each stay's findings are the unit's to see.
        whole = refuses_message(self.checked)
        self.outcome.result = TAKEN_IN if self.checked.verdict != "rejected" else REFUSED
        self.message_id = store.add_message(self.connection, {
            "melding_id": self.facts.melding_id, "virksomhet": self.unit, "virksomhet_navn": self.facts.virksomhet_navn,
            "opprettet": self.facts.opprettet or "",
            "opprettet_utc": self.version_utc or None, "mottatt_utc": self.received, "sha256": self.digest,
            "antall_opphold": self.checked.stays, "resultat": self.outcome.result,
            "feil": self.outcome.errors, "advarsler": self.outcome.warnings})
        if self.outcome.result == REFUSED:
            self.outcome.rule = _first_error(self.about_message) or _first_error(self.checked.findings)
        if not whole:
            self.apply_stays(refused_stays(self.checked))
        else:
            self.refuse_every_stay()
        self.settle_message_findings()
        self.settle_open_stays()

    # -- stays ------------------------------------------------------------------------------
    def apply_stays(self, refused: frozenset[int]) -> None:
        records = self.records
        in_message = {r.opphold_id for r in records}
        current = {sid: _version(row) for sid, row in store.current_stays(self.connection, self.unit, list(in_message)).items()}
        stored = {sid: version.person for sid, version in current.items()}  # the person each stored stay has
        others: dict[str, list[Version]] = {}
        persons = sorted({r.person for r in records if r.person is not None})
        # The stays of this message are not compared with each other here: that is KAD-OPH-002's.
        for row in store.stays_of_persons(self.connection, self.unit, persons, besides=in_message):
            others.setdefault(row.person, []).append(_version(row))
        applied: dict[str, StayRecord] = {}  # the version each stay has at the end of the message
        versions: list[tuple] = []  # (opphold_id, status, handling, regel) per version, in file order
        replaced: dict[str, list[FindingKey]] = {}
        added: dict[str, list[FindingKey]] = {}
        reported: list[tuple] = []  # versions kept out as late: they may be the first report (timeliness)
        for record in records:
            new = self._version_of(record)
            found, judgement = self._judge(record, new, current.get(record.opphold_id), refused, others)
            if judgement.action == history.APPLIED:
                current[record.opphold_id] = new
                applied[record.opphold_id] = record
            elif judgement.action == history.KEPT and self.version_utc:
                reported.append((record.opphold_id, self.version_utc, self.version_utc if record.utskrevet_utc else None))
            versions.append((record.opphold_id, record.status, judgement.action, judgement.rule))
            self._count(judgement.action)
            if found or judgement.replaces:
                (replaced if judgement.replaces else added).setdefault(record.opphold_id, []).extend(found)
        self._write_stays(applied, stored)
        store.note_reported(self.connection, self.unit, reported)
        self._write_versions(versions)
        self.settle_stay_findings(replaced, added)

    def _write_stays(self, applied: dict[str, StayRecord], stored: dict[str, str | None]) -> None:
        """New stays added, known ones replaced: a thousand rows at a time, so that a yearly file's
        rows are never all made at once. A stay whose person is the same keeps its place in the
        index of persons (the person is not written again; see store.replace_stays)."""
        order = sorted(applied)
        for start in range(0, len(order), WRITE_ROWS):
            chunk = order[start:start + WRITE_ROWS]
            store.add_stays(self.connection, [self._row(applied[sid]) for sid in chunk if sid not in stored])
            same, other = [], []
            for sid in chunk:
                if sid in stored:
                    (same if stored[sid] == applied[sid].person else other).append(self._row(applied[sid]))
            store.replace_stays(self.connection, same, same_person=True)
            store.replace_stays(self.connection, other)

    def _write_versions(self, versions: list[tuple]) -> None:
        for start in range(0, len(versions), WRITE_ROWS):
            store.add_versions(self.connection, [
                {"virksomhet": self.unit, "opphold_id": sid, "melding": self.message_id, "status": status,
                 "handling": action, "regel": rule} for sid, status, action, rule in versions[start:start + WRITE_ROWS]])

    def _judge(self, record: StayRecord, new: Version, current: Version | None, refused: frozenset[int],
               others: dict[str, list[Version]]):
        """(the version's findings, what the register does with it)."""
        engine = [self._key_of_finding(f) for f in self.by_stay.get(record.index, [])]
        if record.index in refused:
            late = history.older_version(new, current)
            if late:
                return self._keys(late), history.Judgement(history.KEPT, tuple(late), history.REG_003, replaces=False)
            rule = _first_error(self.by_stay[record.index])
            return engine, history.Judgement(history.REFUSED, (), rule)
        judgement = history.judge(new, current)
        hits = list(judgement.hits)
        if judgement.action == history.APPLIED and new.status != CANCEL:
            hits += history.overlapping_stays(new, others.get(new.person, ()))
        return (engine if judgement.with_engine else []) + self._keys(hits), judgement

    def refuse_every_stay(self) -> None:
        """The engine refuses the whole message: every stay is recorded as refused, none is applied."""
        versions = []
        for record in self.records:
            rule = _first_error(self.by_stay.get(record.index, [])) or self.outcome.rule
            versions.append((record.opphold_id, record.status, history.REFUSED, rule))
            self._count(history.REFUSED)
        self._write_versions(versions)

    def _count(self, action: str) -> None:
        if action == history.APPLIED:
            self.outcome.applied += 1
        elif action == history.KEPT:
            self.outcome.kept += 1
        else:
            self.outcome.refused += 1

    def _version_of(self, record: StayRecord) -> Version:
        return Version(record.opphold_id, record.status, record.person, record.innlagt, record.innlagt_utc,
                       record.utskrevet_utc, self.version_utc, self.facts.opprettet or "",
                       annullert=record.status == CANCEL)

    def _row(self, record: StayRecord) -> dict:
        referred, discharged_to = record.henvist_fra, record.utskrevet_til
        return {
            "virksomhet": self.unit, "opphold_id": record.opphold_id, "status": record.status or "",
            "annullert": record.status == CANCEL, "melding": self.message_id,
            "versjon_utc": self.version_utc, "person": record.person, "id_type": record.id_type,
            "fodselsdato": record.fodselsdato, "kjonn": record.kjonn, "alder": record.alder,
            "bostedskommune": record.bostedskommune, "innlagt": record.innlagt, "innlagt_utc": record.innlagt_utc,
            "utskrevet": record.utskrevet, "utskrevet_utc": record.utskrevet_utc,
            **{f"henvist_fra_{name}": value for name, value in zip(PLACE_FIELDS, referred)},
            **{f"utskrevet_til_{name}": value for name, value in zip(PLACE_FIELDS, discharged_to)},
            "innskrivningsdiagnoser": record.innskrivningsdiagnoser,
            "utskrivningsdiagnoser": record.utskrivningsdiagnoser,
            "forst_mottatt_utc": self.received, "sist_endret_utc": self.received,
            "innlagt_meldt_utc": self.version_utc or None,
            "utskrevet_meldt_utc": (self.version_utc or None) if record.utskrevet_utc else None,
        }

    # -- the open list ------------------------------------------------------------------------
    def settle_stay_findings(self, replaced: dict[str, list[FindingKey]], added: dict[str, list[FindingKey]]) -> None:
        """Each stay's latest version's findings replace its open ones; a late version's are added."""
        have: dict[str, dict[FindingKey, object]] = {}
        for row in store.open_findings_of_stays(self.connection, self.unit, sorted(set(replaced) | set(added))):
            if row.regel != history.REG_005:  # the unit's look at open stays settles those (settle_open_stays)
                have.setdefault(row.opphold_id, {})[(row.regel, row.peker, row.parametre)] = row
        closing, opening = [], []
        for sid in sorted(set(replaced) | set(added)):
            open_now = have.get(sid, {})
            wanted = _unique(replaced.get(sid, []) + added.get(sid, []))
            if sid in replaced:
                closing += [row.id for key, row in open_now.items() if key not in wanted]
            opening += [(sid, key, severity) for key, severity in wanted.items() if key not in open_now]
        self._close(closing)
        self._open([(sid, key, severity, self.message_id, self.when) for sid, key, severity in opening])

    def settle_message_findings(self) -> None:
        """The engine's findings about the message (not one stay) replace the unit's open ones."""
        wanted = _unique([self._key_of_finding(f) for f in self.about_message])
        open_now = {(row.regel, row.peker, row.parametre): row
                    for row in store.open_findings_of_message_level(self.connection, self.unit)
                    if row.regel != history.REG_008}  # about another message: no later one settles it
        self._close([row.id for key, row in open_now.items() if key not in wanted])
        self._open([(None, key, severity, self.message_id, self.when) for key, severity in wanted.items()
                    if key not in open_now])

    def settle_open_stays(self) -> None:
        """KAD-REG-005 for the unit: as of --today, else as of its latest message taken in."""
        as_of = utc.start_of(self.options.today) if self.options.today else store.latest_message_utc(self.connection, self.unit)
        if as_of is None:
            return
        # Only the changes are read: most of these stays are on the list already, and stay there.
        before = history.open_too_long_before(as_of)
        self._close(store.listed_not_open_since_before(self.connection, self.unit, before, history.REG_005))
        new = store.open_since_before_not_listed(self.connection, self.unit, before, history.REG_005)
        rows = store.current_stays(self.connection, self.unit, new)
        self._open([(sid, key, severity, None, as_of) for sid in new
                    for key, severity in _unique(self._keys(history.open_too_long(_version(rows[sid]), as_of))).items()])

    def _close(self, ids: list[int]) -> None:
        if ids:
            store.close_findings(self.connection, ids, self.when, self.message_id)
            self.outcome.closed += len(ids)

    def _open(self, items: list) -> None:
        rows = []
        for sid, (rule_id, pointer, params), severity, message, when in items:
            rows.append({"virksomhet": self.unit, "opphold_id": sid, "regel": rule_id, "alvorlighet": severity,
                         "melding": message, "peker": pointer, "apnet_utc": when, "lukket_utc": None,
                         "lukket_av": None, "parametre": params})
            self.outcome.opened.append(Opened(rule_id, severity, sid, json.loads(params)))
        store.add_findings(self.connection, rows)

    def _key_of_finding(self, finding) -> tuple[FindingKey, str]:
        return (finding.rule_id, _within_stay(finding.pointer), _params_text(finding.params)), finding.severity

    @staticmethod
    def _keys(hits: Iterable[Hit]) -> list[tuple[FindingKey, str]]:
        return [((hit.rule_id, hit.pointer, _params_text(hit.params)), _severity(hit.rule_id)) for hit in hits]


def _version(row) -> Version:
    """The register's current version of a stay (a row of ``opphold`` with its message's opprettet)."""
    return Version(row.opphold_id, row.status, row.person, row.innlagt, row.innlagt_utc, row.utskrevet_utc,
                   row.versjon_utc, row.melding_opprettet, annullert=bool(row.annullert))


def _unique(items: list[tuple[FindingKey, str]]) -> dict[FindingKey, str]:
    """Each finding once, in the order first given, with its severity."""
    found: dict[FindingKey, str] = {}
    for key, severity in items:
        found.setdefault(key, severity)
    return found


def _within_stay(pointer: str) -> str:
    """``/opphold/3/pasient/id`` → ``/pasient/id``: the same field in every version of the stay."""
    if stay_index(pointer) is None:
        return pointer or ""
    rest = pointer.split("/", 3)
    return "/" + rest[3] if len(rest) > 3 else ""


def _params_text(params: dict) -> str:
    """A finding's facts as stored: JSON with its keys in order, every personal id masked."""
    return mask(json.dumps(params, ensure_ascii=False, sort_keys=True, default=str))


def _finding_row(unit, opphold_id, rule_id, severity, pointer, params, message, when) -> dict:
    return {"virksomhet": unit, "opphold_id": opphold_id, "regel": rule_id, "alvorlighet": severity,
            "melding": message, "peker": pointer, "apnet_utc": when, "lukket_utc": None, "lukket_av": None,
            "parametre": _params_text(params)}


def _severity(rule_id: str) -> str:
    from kad_spec.spec.catalogue import catalogue

    rule = catalogue().get(rule_id)
    return rule.severity if rule else ERROR


def _unreadable(findings) -> str | None:
    """The rule that says the file cannot be read as a message (area ``fil``), if one does."""
    from kad_spec.spec.catalogue import catalogue

    rules = catalogue()
    return next((f.rule_id for f in findings if f.severity == ERROR and getattr(rules.get(f.rule_id), "area", None) == "fil"),
                None)


def _first_error(findings) -> str | None:
    return next((f.rule_id for f in findings if f.severity == ERROR and not f.waived), None)
