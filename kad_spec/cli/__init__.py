"""The ``kad-spec`` command: thin functions over the library."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from typer.core import TyperGroup

from kad_spec import __version__
from kad_spec.cli.support import LANG_OPTION, Lang, fail, write_report
from kad_spec.output import echo


class _RootGroup(TyperGroup):
    """The root command: the argument parser's own errors pass the output boundary too.

    The parser echoes what it was given (``--format 05893810066``, a path), so its errors are
    worded here and written with :func:`kad_spec.output.echo`, however ``kad-spec`` is called.

    The commands beyond validate are mounted when another name is asked for, or the list of
    commands (``--help``): ``validate`` needs none of their imports, nor typer's work of
    reading their parameters.
    """

    def list_commands(self, ctx):
        self._mount_the_others()
        return super().list_commands(ctx)

    def get_command(self, ctx, name):
        if name not in self.commands:
            self._mount_the_others()
        return super().get_command(ctx, name)

    def _mount_the_others(self) -> None:
        if _mount_subcommands():
            self.commands = dict(typer.main.get_group(app).commands)  # in the order of the help

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except (KeyboardInterrupt, typer.Abort):
            echo("avbrutt", err=True)
            code = 2
        except Exception as error:
            if not _is_parser_error(error):
                raise
            if error.format_message():  # empty when the help was shown for a bare command
                echo(_parser_message(error), err=True)
            code = 2
        sys.exit(code if isinstance(code, int) else 0)


def _is_parser_error(error: Exception) -> bool:
    return callable(getattr(error, "format_message", None)) and isinstance(getattr(error, "exit_code", None), int)


def _parser_message(error) -> str:
    ctx = getattr(error, "ctx", None)
    lines = []
    if ctx is not None:
        lines += [ctx.get_usage(), f"Se «{ctx.command_path} --help».", ""]
    return "\n".join(lines + [f"kad-spec: {error.format_message()}"])


app = typer.Typer(
    cls=_RootGroup,
    name="kad-spec",
    help="Spesifikasjon, kodeverk og validator for rapportering fra KAD/ØHD til KPR.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Format(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"
    sarif = "sarif"
    apprec = "apprec"


class ReportFormat(str, Enum):
    html = "html"
    json = "json"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"


def _version_callback(value: bool) -> None:
    if value:
        from kad_spec.spec.model import model

        echo(f"kad-spec {__version__} (spesifikasjon {model().version})")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                 help="Vis versjon av verktøyet og spesifikasjonen."),
) -> None:
    """Spesifikasjon, kodeverk og validator for rapportering fra KAD/ØHD til KPR."""


@app.command()
def validate(
    # readable=False: an unreadable file is a finding (KAD-FIL-001), not a usage error that stops the run.
    paths: List[Path] = typer.Argument(..., readable=False, help="Filer eller mapper med meldinger (JSON eller XML)."),
    format: Format = typer.Option(Format.text, "--format", "-f", help="Rapportformat."),
    lang: Lang = LANG_OPTION,
    fail_on: FailOn = typer.Option(FailOn.error, "--fail-on", help="Hvilken alvorlighet som gir exit-kode 1."),
    max_findings: Optional[int] = typer.Option(None, "--max-findings", min=1,
                                               help="Høyst så mange funn per regel og fil vises (standard 1000); resten telles."),
    config: Optional[Path] = typer.Option(None, "--config", readable=False, help="YAML-fil med endret alvorlighet og unntak."),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o",
        help="Skriv rapporten til fil i stedet for standard ut (apprec med flere filer: en mappe, én kvittering per fil)."),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0,
                             help="Antall prosesser: filer samtidig, og store filer i deler (0: én per kjerne)."),
    force: bool = typer.Option(False, "--force", help="Skriv over en eksisterende --output-fil (aldri en inndatafil)."),
) -> None:
    """Valider meldingsfiler mot struktur, kodeverk og forretningsregler.

    Exit-kode 0: ingen feil; 1: minst én feil (eller advarsel med --fail-on warning);
    2: bruksfeil, manglende fil eller intern feil.
    """
    from kad_spec.cli.validate import run_validation

    import os

    workers = jobs or os.cpu_count() or 1
    code = run_validation(paths, format.value, lang.value, fail_on.value, max_findings, config, output, workers,
                          force=force)
    raise typer.Exit(code)


def generate(
    check: bool = typer.Option(False, "--check", help="Ikke skriv; exit 1 og navngi filer som ikke stemmer med modellen."),
    out: Optional[Path] = typer.Option(None, "--out", help="Mappe å skrive til (standard: generated/)."),
    model_directory: Optional[Path] = typer.Option(None, "--model", help="Modellmappe (standard: model/)."),
    lang: Lang = LANG_OPTION,
    force: bool = typer.Option(False, "--force", help="Skriv over filer i --out som ikke ble skrevet av generate."),
) -> None:
    """Generer JSON Schema, XSD, Python-klasser og dokumentasjon fra modellen.

    Exit-kode 0: skrevet (eller i takt); 1: --check fant utdaterte filer; 2: bruksfeil, LinkML mangler.
    """
    from kad_spec import generate as gen
    from kad_spec.cli.extras import require_linkml
    from kad_spec.spec.resources import generated_dir

    require_linkml("generate --check" if check else "generate", lang.value)

    if model_directory is not None and not (model_directory / "kad.yaml").is_file():
        fail(f"finner ikke modellen {model_directory / 'kad.yaml'}")
    target = out or generated_dir()
    files = gen.artefacts(model_directory)
    if check:
        drift = gen.check(target, files)
        for item in drift:
            echo(f"utdatert: {target / item.path} ({item.reason})")
        if drift:
            echo(f"{len(drift)} generert(e) fil(er) stemmer ikke med modellen; kjør `kad-spec generate`.")
            raise typer.Exit(1)
        echo(f"{len(files)} genererte filer stemmer med modellen.")
        return
    from kad_spec.output.files import OutputRefused

    try:
        written = gen.write(target, files, force)
    except OutputRefused as error:
        fail(str(error))
    for rel in written:
        echo(f"skrev {target / rel}")
    echo(f"{len(files)} filer, {len(written)} endret.")


def report(
    # readable=False: an unreadable file is a finding (KAD-FIL-001), not a usage error that stops the run.
    paths: Optional[List[Path]] = typer.Argument(None, readable=False, help="Filer eller mapper med meldinger (JSON eller XML)."),
    db: Optional[str] = typer.Option(None, "--db", metavar="URL",
                                     help="Les oppholdene fra registeret (kad-spec register) i stedet for fra filer."),
    unit: Optional[str] = typer.Option(None, "--unit", metavar="ORGNR", help="Med --db: bare denne virksomheten."),
    period: Optional[str] = typer.Option(None, "--period", metavar="FRA..TIL",
                                         help="Med --db: bare opphold innlagt i perioden, f.eks. 2017-01-01..2026-11-30 "
                                              "(én side kan stå tom); siste dag er referansedag."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Skriv rapporten hit (standard: standard ut)."),
    csv_folder: Optional[Path] = typer.Option(None, "--csv", metavar="MAPPE",
                                              help="Skriv også hver tabell som CSV-fil (<id>.csv) i denne mappen."),
    format: ReportFormat = typer.Option(ReportFormat.html, "--format", "-f", help="html (selvstendig side) eller json."),
    min_cell: int = typer.Option(5, "--min-cell", min=1, help="Skjul tall under så mange opphold."),
    lang: Lang = typer.Option(Lang.nb, "--lang", help="Språk i HTML-rapporten: nb (bokmål) eller en."),
    today: Optional[str] = typer.Option(None, "--today", metavar="ÅÅÅÅ-MM-DD",
                                        help="Referansedag for pågående opphold (standard: siste dag i dataene)."),
    no_validation: bool = typer.Option(False, "--no-validation", help="Ikke valider; ingen funn per regel."),
    force: bool = typer.Option(False, "--force", help="Skriv over en eksisterende --out-fil (aldri en inndatafil)."),
) -> None:
    """Lag en aktivitets- og datakvalitetsrapport (HTML eller JSON) fra meldingsfiler, eller fra registeret (--db).

    Tall under --min-cell opphold skjules, slik at rapporten kan deles. Rapporten viser aldri
    personidentifikatorer. Definisjoner: docs/aktivitetsrapport.md; fra registeret: docs/register.md.
    """
    from datetime import date

    from kad_spec.activity import build_report, render_html, render_json
    from kad_spec.output.files import OutputRefused, check_target
    from kad_spec.validation.engine import UsageError

    try:
        reference = date.fromisoformat(today) if today else None
    except ValueError:
        fail(f"--today må være en dato som ÅÅÅÅ-MM-DD, ikke «{today}»")
    if bool(paths) == (db is not None):
        fail("oppgi filer eller mapper med meldinger, eller --db for registeret (ikke begge)")
    if unit is not None and db is None:
        fail("--unit gjelder bare med --db")
    if period is not None and db is None:
        fail("--period gjelder bare med --db")
    span = _period(period) if period is not None else (None, None)
    if db is not None:
        from kad_spec.cli.register import register_inputs

        paths = register_inputs(db)  # the register's file, if it is one: never written over
    try:
        if out is not None:
            check_target(out, paths, force)
        if csv_folder is not None:
            check_csv_folder(csv_folder, paths, force)
    except OutputRefused as error:
        fail(str(error))
    if db is not None:
        from kad_spec.cli.register import activity_report

        result = activity_report(db, unit, min_cell, reference, not no_validation, lang.value, span)
    else:
        try:
            result = build_report(paths, min_cell=min_cell, today=reference, validate=not no_validation)
        except UsageError as error:
            fail(str(error))
    text = render_json(result) if format is ReportFormat.json else render_html(result, lang.value)
    write_report(text, out, force=force, inputs=paths)
    if out is not None:
        echo(f"skrev {out}", err=True)
    if csv_folder is not None:
        from kad_spec.activity.tables import write_csv_folder

        try:
            written = write_csv_folder(result, csv_folder, lang.value, force=force)
        except OutputRefused as error:
            fail(str(error))
        except OSError as error:
            fail(f"kan ikke skrive {csv_folder}: {error.strerror or error}")
        echo(f"skrev {len(written)} CSV-filer i {csv_folder}", err=True)


def _period(text: str):
    """``FRA..TIL`` as two dates (either side may be empty); a usage error otherwise."""
    from kad_spec.activity.from_register import PeriodError, parse_period

    try:
        return parse_period(text)
    except PeriodError as error:
        if error.backwards:
            fail(f"--period {text}: første dag er etter siste dag")
        fail(f"--period må være FRA..TIL med datoer som ÅÅÅÅ-MM-DD, f.eks. 2017-01-01..2026-11-30, ikke «{text}»")


def check_csv_folder(folder: Path, inputs, force: bool) -> None:
    """Refuse a CSV folder that is an input, not a folder, or (without --force) not empty, before the work."""
    from kad_spec.output.files import OutputRefused, check_owned_folder
    from kad_spec.activity.tables import CSV_MARKER

    if any(folder.resolve() == Path(p).resolve() for p in inputs or ()):
        raise OutputRefused(f"{folder} er en av inndatamappene og blir aldri skrevet over; velg en annen mappe")
    check_owned_folder(folder, CSV_MARKER)
    if not force and folder.is_dir() and any(folder.iterdir()):
        raise OutputRefused(f"{folder} finnes fra før og er ikke tom; bruk --force for å erstatte den")


_mounted = False


def _mount_subcommands() -> bool:
    """Add the other commands to ``app`` once; True when this call added them."""
    global _mounted
    if _mounted:
        return False
    _mounted = True
    from kad_spec.cli.codelists import app as codelists_app
    from kad_spec.cli.docs import docs_command
    from kad_spec.cli.tools import register

    app.command()(generate)
    app.command()(report)
    app.command("docs")(docs_command)
    register(app)
    app.add_typer(codelists_app, name="codelists", help="Vis, slå opp, importer og eksporter kodeverk.")
    from kad_spec.cli.envelope import app as envelope_app

    app.add_typer(envelope_app, name="envelope", help="Legg en KAD-melding i en hodemelding (MsgHead 1.2), eller ta den ut.")
    from kad_spec.cli.register import app as register_app

    app.add_typer(register_app, name="register", help="Registeret over opphold: ta inn meldinger over tid, se status.")
    from kad_spec.cli.serve import app as serve_app

    app.add_typer(serve_app, name="serve", help="Valideringstjenesten over HTTP: API og nettsider.")
    return True


def main() -> None:
    """The console entry point: every byte the command writes passes the output boundary."""
    import os

    from kad_spec import output

    # numpy's OpenBLAS starts a thread per core as it loads, and the threads spin for a while
    # waiting for work; the commands do no threaded linear algebra, and on two cores the spin
    # costs a small run about a sixth of its time. A value the user set is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    output.install()
    code = 0
    try:
        app()
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 2)
    except Exception as error:  # noqa: BLE001 - no traceback: it would show paths and data as they are
        echo(f"kad-spec: intern feil: {type(error).__name__}: {error}", err=True)
        code = 2
    finally:
        output.finish()
    sys.exit(code)
