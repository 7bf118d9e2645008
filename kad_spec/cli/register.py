"""``kad-spec register``: the register of stays, thin commands over kad_spec.register.

Exit codes: 0 done; 1 a message refused, or a finding at error level; 2 usage, no key, not a
register, or the register cannot be reached. Nothing here imports SQLAlchemy until a command runs.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from kad_spec.cli.support import LANG_OPTION, Lang, fail, write_data, write_report
from kad_spec.output import echo
from kad_spec.spec.text import Text, texts

app = typer.Typer(no_args_is_help=True, help="Registeret over opphold: meldinger tatt inn over tid.")
key_app = typer.Typer(no_args_is_help=True, help="Nøkkelen registeret lager pseudonymer for pasientene med.")
app.add_typer(key_app, name="key")


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


DB_OPTION = typer.Option(..., "--db", metavar="URL",
                         help="Registeret: sqlite:///sti.db (en fil, lages om den ikke finnes) eller postgresql://bruker@vert/database.")
FORMAT_OPTION = typer.Option(OutputFormat.text, "--format", "-f", help="Utdataformat: text eller json.")
SHOWN_ENGINE_FINDINGS = 10  # per message in the text output; the rest are counted (kad-spec validate lists them)

WORDS = texts({
    "tatt_inn": ("tatt inn", "taken in"),
    "avvist": ("avvist", "refused"),
    "allerede_mottatt": ("allerede mottatt", "already received"),
    "ikke_lagret": ("ikke tatt inn", "not taken in"),
    "error": ("feil", "error"),
    "warning": ("advarsel", "warning"),
})
# A time is followed by a word, never by a number: the output boundary would take the digits for an id.
TAKEN_IN_LINE = Text("{path}: tatt inn: melding {melding_id} fra virksomhet {virksomhet}, opprettet {opprettet}; "
                     "opphold i meldingen {stays}, tatt inn {applied}, for gamle {kept}, avvist {refused}; "
                     "nye funn {opened}, lukket {closed}",
                     "{path}: taken in: message {melding_id} from unit {virksomhet}, created {opprettet}; "
                     "stays in the message {stays}, taken in {applied}, too old {kept}, refused {refused}; "
                     "new findings {opened}, closed {closed}")
ALREADY_LINE = Text("{path}: allerede mottatt (melding {melding_id}, samme innhold); ingenting er endret",
                    "{path}: already received (message {melding_id}, same content); nothing changed")
REFUSED_LINE = Text("{path}: avvist: melding {melding_id} fra virksomhet {virksomhet}, opprettet {opprettet}; "
                    "regel {rule}; ingen opphold er tatt inn",
                    "{path}: refused: message {melding_id} from unit {virksomhet}, created {opprettet}; "
                    "rule {rule}; no stay is taken in")
NOT_STORED_LINE = Text("{path}: ikke tatt inn: filen kan ikke leses som en KAD-melding med melding_id og virksomhet "
                       "({rule}); kad-spec validate viser hvorfor",
                       "{path}: not taken in: the file cannot be read as a KAD message with a melding_id and a unit "
                       "({rule}); kad-spec validate shows why")
INTERNAL_LINE = Text("{path}: intern feil i kad-spec: {error}", "{path}: internal error in kad-spec: {error}")
MORE_FINDINGS = Text("  … og {n} funn til fra valideringen (kad-spec validate viser alle)",
                     "  … and {n} more findings from the validation (kad-spec validate shows them all)")
SUMMARY = Text("{n} meldinger: {tatt_inn} tatt inn, {avvist} avvist, {allerede_mottatt} allerede mottatt, "
               "{ikke_lagret} ikke tatt inn.",
               "{n} messages: {tatt_inn} taken in, {avvist} refused, {allerede_mottatt} already received, "
               "{ikke_lagret} not taken in.")


@key_app.command("new")
def key_new() -> None:
    """Skriv en ny tilfeldig nøkkel (64 heksadesimale tegn) til standard ut: kad-spec register key new > register.key"""
    from kad_spec.register.keys import new_key

    # Data, not a report: the key is written whole (the output boundary would mask a run of digits in it).
    write_data((new_key() + "\n").encode("ascii"), None)


@app.command("ingest")
def ingest_command(
    # readable=False: an unreadable file is reported with the others, not a usage error that stops the run.
    paths: List[Path] = typer.Argument(..., readable=False, help="Filer eller mapper med meldinger (JSON eller XML)."),
    db: str = DB_OPTION,
    key_file: Optional[Path] = typer.Option(None, "--key-file", readable=False,
                                            help="Filen med registerets nøkkel (ellers miljøvariabelen KAD_SPEC_REGISTER_KEY)."),
    format: OutputFormat = FORMAT_OPTION,
    lang: Lang = LANG_OPTION,
    today: Optional[str] = typer.Option(None, "--today", metavar="ÅÅÅÅ-MM-DD",
                                        help="Valider per denne dagen, og se etter opphold åpne i over 30 dager per den "
                                             "(standard: i dag, og virksomhetens siste melding)."),
) -> None:
    """Ta meldinger inn i registeret: valider hver med motoren og bruk den i én transaksjon.

    Meldingene tas inn i rekkefølgen de er opprettet, per virksomhet. Exit-kode 0: tatt inn;
    1: en melding eller et opphold avvist, eller et funn på feilnivå; 2: bruksfeil, ingen nøkkel,
    ikke et register, eller registeret svarer ikke.
    """
    from kad_spec.register.ingest import IngestOptions, ingest
    from kad_spec.validation import UsageError

    key = _key(key_file, lang.value)
    options = IngestOptions(today=_day(today))
    show = None if format is OutputFormat.json else (lambda outcome: echo(_outcome_text(outcome, lang.value)))
    with _register(db, lang.value) as register:
        try:
            result = ingest(paths, register, key, options, on_message=show)
        except UsageError as error:
            fail(str(error))
        except _register_errors() as error:
            fail(error.text(lang.value))
    if format is OutputFormat.json:
        write_report(json.dumps(_ingest_json(result, lang.value), ensure_ascii=False, indent=2) + "\n", None)
    else:
        echo(_summary(result, lang.value))
    raise typer.Exit(result.exit_code)


@app.command("status")
def status_command(
    db: str = DB_OPTION,
    unit: Optional[str] = typer.Option(None, "--unit", metavar="ORGNR", help="Bare denne virksomheten (organisasjonsnummer)."),
    format: OutputFormat = FORMAT_OPTION,
    lang: Lang = LANG_OPTION,
) -> None:
    """Tall per virksomhet: meldinger, opphold (gjeldende, åpne, annullerte), åpne funn per regel, siste melding.

    Exit-kode 0: vist; 2: ikke et register, eller registeret svarer ikke.
    """
    from kad_spec.register import schema, store

    with _register(db, lang.value) as register:
        try:
            with register.transaction() as connection:
                units = store.unit_status(connection, unit)
        except _register_errors() as error:
            fail(error.text(lang.value))
    if format is OutputFormat.json:
        document = {"schema_version": schema.SCHEMA_VERSION, "units": units}
        write_report(json.dumps(document, ensure_ascii=False, indent=2) + "\n", None)
        return
    write_report(_status_text(units, lang.value, unit), None)


# -- helpers --------------------------------------------------------------------------------------
def _key(key_file: Path | None, lang: str) -> bytes:
    from kad_spec.register.keys import RegisterKeyError, load_key

    try:
        return load_key(key_file)
    except RegisterKeyError as error:
        fail(error.text(lang))


def _day(text: str | None):
    from datetime import date

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--today må være en dato som ÅÅÅÅ-MM-DD, ikke «{text}»")


def _register_errors():
    from kad_spec.register.store import RegisterError

    return RegisterError


class _register:
    """``Register.open(db)`` for a command: a register that cannot be opened ends it with exit code 2."""

    def __init__(self, db: str, lang: str):
        self.db, self.lang = db, lang
        self.register = None

    def __enter__(self):
        from kad_spec.register.store import Register, RegisterError

        try:
            self.register = Register.open(self.db)
        except RegisterError as error:
            fail(error.text(self.lang))
        return self.register

    def __exit__(self, *exc) -> None:
        self.register.close()


def _outcome_text(outcome, lang: str) -> str:
    from kad_spec.register.ingest import ALREADY, NOT_STORED, REFUSED

    facts = {"path": outcome.path, "melding_id": outcome.melding_id or "?", "virksomhet": outcome.virksomhet or "?",
             "opprettet": outcome.opprettet or "?", "rule": outcome.rule or "?"}
    if outcome.internal_error:
        return INTERNAL_LINE.format(lang, path=outcome.path, error=outcome.internal_error)
    if outcome.result == ALREADY:
        return ALREADY_LINE.format(lang, **facts)
    if outcome.result == NOT_STORED:
        return NOT_STORED_LINE.format(lang, **facts)
    if outcome.result == REFUSED:
        lines = [REFUSED_LINE.format(lang, **facts)]
    else:
        lines = [TAKEN_IN_LINE.format(lang, **facts, stays=outcome.stays, applied=outcome.applied, kept=outcome.kept,
                                      refused=outcome.refused, opened=len(outcome.opened), closed=outcome.closed)]
    history = [o for o in outcome.opened if o.rule_id.startswith("KAD-REG-")]
    engine = [o for o in outcome.opened if not o.rule_id.startswith("KAD-REG-")]
    lines += [_finding_line(o, lang) for o in history + engine[:SHOWN_ENGINE_FINDINGS]]
    if len(engine) > SHOWN_ENGINE_FINDINGS:
        lines.append(MORE_FINDINGS.format(lang, n=len(engine) - SHOWN_ENGINE_FINDINGS))
    return "\n".join(lines)


def _finding_line(opened, lang: str) -> str:
    where = f" [{opened.opphold_id}]" if opened.opphold_id else ""
    return f"  {WORDS[opened.severity].get(lang)} {opened.rule_id}{where}: {_message(opened, lang)}"


def _message(opened, lang: str) -> str:
    from kad_spec.spec.catalogue import catalogue

    rule = catalogue().get(opened.rule_id)
    return rule.message(lang, opened.params) if rule else opened.rule_id


def _summary(result, lang: str) -> str:
    counts = {name: sum(1 for m in result.messages if m.result == name)
              for name in ("tatt_inn", "avvist", "allerede_mottatt", "ikke_lagret")}
    return SUMMARY.format(lang, n=len(result.messages), **counts)


def _ingest_json(result, lang: str) -> dict:
    messages = []
    for m in result.messages:
        messages.append({
            "path": m.path, "result": m.result, "melding_id": m.melding_id, "virksomhet": m.virksomhet,
            "opprettet": m.opprettet, "stays": m.stays, "applied": m.applied, "kept": m.kept, "refused": m.refused,
            "errors": m.errors, "warnings": m.warnings, "rule": m.rule, "closed": m.closed,
            "opened": [{"rule_id": o.rule_id, "severity": o.severity, "opphold_id": o.opphold_id,
                        "message": _message(o, lang)} for o in m.opened],
            "internal_error": m.internal_error,
        })
    counts = {name: sum(1 for m in result.messages if m.result == name)
              for name in ("tatt_inn", "avvist", "allerede_mottatt", "ikke_lagret")}
    return {"messages": messages, "summary": {"messages": len(messages), "by_result": counts}, "exit_code": result.exit_code}


STATUS_TEXT = texts({
    "unit": ("Virksomhet {virksomhet}", "Unit {virksomhet}"),
    "messages": ("  meldinger: {total} ({taken_in} tatt inn, {refused} avvist); siste opprettet {last_created}, "
                 "siste mottatt {last_received_utc}",
                 "  messages: {total} ({taken_in} taken in, {refused} refused); last created {last_created}, "
                 "last received {last_received_utc}"),
    "stays": ("  opphold: {current} gjeldende, {open} av dem åpne (uten utskrivning), {cancelled} annullert",
              "  stays: {current} current, {open} of them open (without discharge), {cancelled} cancelled"),
    "findings": ("  åpne funn: {n}{rules}", "  open findings: {n}{rules}"),
    "empty": ("Registeret har ingen meldinger ennå.", "The register has no messages yet."),
    "no_unit": ("Registeret har ingen meldinger fra virksomheten {unit}.", "The register has no messages from the unit {unit}."),
})


def _status_text(units: list[dict], lang: str, unit: str | None = None) -> str:
    if not units:
        return (STATUS_TEXT["no_unit"].format(lang, unit=unit) if unit else STATUS_TEXT["empty"].get(lang)) + "\n"
    lines = []
    for unit in units:
        found = unit["open_findings"]
        rules = (" (" + ", ".join(f"{rule_id}: {n}" for rule_id, n in found.items()) + ")") if found else ""
        lines += [STATUS_TEXT["unit"].format(lang, virksomhet=unit["virksomhet"]),
                  STATUS_TEXT["messages"].format(lang, **unit["messages"], last_created=unit["last_created"] or "–",
                                                 last_received_utc=unit["last_received_utc"] or "–"),
                  STATUS_TEXT["stays"].format(lang, **unit["stays"]),
                  STATUS_TEXT["findings"].format(lang, n=sum(found.values()), rules=rules)]
    return "\n".join(lines) + "\n"


# -- register findings: the units' open list ----------------------------------------------------
class ListFormat(str, Enum):
    text = "text"
    json = "json"
    csv = "csv"


LIST_TEXT = texts({
    # The time last on its line: a number after it would be read together with its digits as an id.
    "unit": ("Virksomhet {virksomhet}: {n} åpne funn{rules}; siste melding opprettet {last_created}",
             "Unit {virksomhet}: {n} open findings{rules}; latest message created {last_created}"),
    "open": ("  {severity} {rule_id}{where} åpent siden {opened_utc}{found_in}: {message}",
             "  {severity} {rule_id}{where} open since {opened_utc}{found_in}: {message}"),
    "found_in": (", funnet i melding {melding_id}", ", found in message {melding_id}"),
    "resolved_head": ("  Løst ({n}):", "  Resolved ({n}):"),
    "resolved": ("  {severity} {rule_id}{where} løst {closed_utc} av melding {closed_by} (åpnet {opened_utc}): {message}",
                 "  {severity} {rule_id}{where} resolved {closed_utc} by message {closed_by} (opened {opened_utc}): {message}"),
})


@app.command("findings")
def findings_command(
    db: str = DB_OPTION,
    unit: Optional[str] = typer.Option(None, "--unit", metavar="ORGNR", help="Bare denne virksomheten (organisasjonsnummer)."),
    format: ListFormat = typer.Option(ListFormat.text, "--format", "-f", help="Utdataformat: text, json eller csv."),
    lang: Lang = LANG_OPTION,
    resolved: bool = typer.Option(False, "--all", help="Ta med funnene som er løst (lukket av en senere versjon), og når."),
) -> None:
    """Virksomhetenes åpne liste: per virksomhet hvert funn som står åpent (regel, alvorlighet, opphold,
    siden når, teksten); med --all også det som er løst, og når.

    Exit-kode 0: vist; 2: ikke et register, eller registeret svarer ikke.
    """
    from kad_spec.register import openlist

    with _register(db, lang.value) as register:
        try:
            with register.transaction() as connection:
                lists = openlist.unit_lists(connection, unit, resolved=resolved)
        except _register_errors() as error:
            fail(error.text(lang.value))
    if format is ListFormat.json:
        document = openlist.lists_document(lists, lang.value, resolved=resolved)
        write_report(json.dumps(document, ensure_ascii=False, indent=2) + "\n", None)
    elif format is ListFormat.csv:
        write_data(_csv_bytes(openlist.CSV_COLUMNS, openlist.csv_rows(lists, lang.value)), None)
    elif not lists:
        write_report((STATUS_TEXT["no_unit"].format(lang.value, unit=unit) if unit
                      else STATUS_TEXT["empty"].get(lang.value)) + "\n", None)
    else:
        write_report("\n".join(_list_lines(listed, lang.value) for listed in lists) + "\n", None)


def _list_lines(listed, lang: str) -> str:
    by_rule = listed.open_by_rule()
    rules = (" (" + ", ".join(f"{rule_id}: {n}" for rule_id, n in by_rule.items()) + ")") if by_rule else ""
    lines = [LIST_TEXT["unit"].format(lang, virksomhet=listed.virksomhet, last_created=listed.last_created or "–",
                                      n=len(listed.open), rules=rules)]
    for f in listed.open:
        found_in = LIST_TEXT["found_in"].format(lang, melding_id=f.found_in) if f.found_in else ""
        lines.append(LIST_TEXT["open"].format(lang, **_finding_facts(f, lang), found_in=found_in))
    if listed.resolved:
        lines.append(LIST_TEXT["resolved_head"].format(lang, n=len(listed.resolved)))
        lines += [LIST_TEXT["resolved"].format(lang, **_finding_facts(f, lang), closed_utc=f.closed_utc,
                                               closed_by=f.closed_by or "–") for f in listed.resolved]
    return "\n".join(lines)


def _finding_facts(finding, lang: str) -> dict:
    return {"severity": WORDS[finding.severity].get(lang), "rule_id": finding.rule_id,
            "where": f" [{finding.opphold_id}]" if finding.opphold_id else "", "opened_utc": finding.opened_utc,
            "message": finding.message(lang)}


def _csv_bytes(columns, rows) -> bytes:
    """CSV with each value cleaned on its own (no personal id shown, no control character acting):
    a pass over the whole text would read the digits of neighbouring fields as one number."""
    import csv
    import io

    from kad_spec.output import clean

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(["" if value is None else clean(value) for value in row] for row in rows)
    return text.getvalue().encode("utf-8")


# -- register export: the stays for analysis ----------------------------------------------------
class ExportFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"


EXPORTED = Text("skrev {n} opphold til {out}", "wrote {n} stays to {out}")


@app.command("export")
def export_command(
    db: str = DB_OPTION,
    format: ExportFormat = typer.Option(..., "--format", "-f", help="csv (én rad per opphold) eller jsonl (én linje per opphold)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Skriv hit (standard: standard ut)."),
    unit: Optional[str] = typer.Option(None, "--unit", metavar="ORGNR", help="Bare denne virksomheten (organisasjonsnummer)."),
    force: bool = typer.Option(False, "--force", help="Skriv over en eksisterende --out-fil (aldri registeret selv)."),
    lang: Lang = LANG_OPTION,
) -> None:
    """Gjeldende versjon av hvert opphold som ikke er annullert, for analyse: virksomhet, opphold_id,
    status, tidspunktene, kodene, fødselsår, kjønn, id-type og pasientens pseudonym (aldri id-en),
    ordnet etter virksomhet og opphold_id.

    Exit-kode 0: skrevet; 2: bruksfeil, ikke et register, eller registeret svarer ikke.
    """
    from kad_spec.output.files import OutputRefused, check_target, open_atomic
    from kad_spec.register.export import write_export

    inputs = register_inputs(db)
    if out is not None:
        try:
            check_target(out, inputs, force)  # before the work: a refused target costs nothing
        except OutputRefused as error:
            fail(str(error))
    with _register(db, lang.value) as register:
        try:
            with register.transaction() as connection:
                if out is None:
                    _export_to_stdout(connection, format.value, unit)
                    return
                with open_atomic(out, force=force, inputs=inputs) as target:
                    written = write_export(connection, target, format.value, unit)
        except _register_errors() as error:
            fail(error.text(lang.value))
        except OutputRefused as error:
            fail(str(error))
        except OSError as error:
            fail(f"kan ikke skrive {out}: {error.strerror or error}")
    echo(EXPORTED.format(lang.value, n=written, out=out), err=True)


def register_inputs(db: str) -> list[Path]:
    """The register's own file, when it is a SQLite file: never written over by an export."""
    from kad_spec.register.store import RegisterError, engine_url

    try:
        address = engine_url(db)
    except RegisterError:
        return []
    return [Path(address.removeprefix("sqlite:///"))] if address.startswith("sqlite:///") else []


def _export_to_stdout(connection, fmt: str, unit: str | None) -> None:
    """The export as data on standard output; a reader that stops early (``| head``) ends it quietly."""
    import os
    import sys

    from kad_spec.output import data_stdout
    from kad_spec.register.export import write_export

    sys.stdout.flush()
    out = data_stdout()
    try:
        write_export(connection, out, fmt, unit)
        out.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())  # nothing more to say to a reader gone


# -- kad-spec report --db: the activity report of the register's stays ----------------------------
def activity_report(db: str, unit: str | None, min_cell: int, today, validate: bool, lang: str,
                    period=(None, None)):
    """The activity report (kad_spec.activity) of the register's current stays; a register that
    cannot be read ends the command with exit code 2."""
    from kad_spec.activity.from_register import build_report_from_register

    with _register(db, lang) as register:
        try:
            with register.transaction() as connection:
                return build_report_from_register(connection, unit, min_cell, today, validate=validate, period=period)
        except _register_errors() as error:
            fail(error.text(lang))
