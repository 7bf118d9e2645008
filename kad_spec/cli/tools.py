"""Typer commands for the tools: thin functions over the library modules.

``register(app)`` adds them all to the ``kad-spec`` application. Exit codes: 0 done (no
errors), 1 the tool found what it checks for (errors, breaking changes, invalid input),
2 usage error.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from kad_spec.cli.support import LANG_OPTION, Lang, fail, write_data, write_report
from kad_spec.output import data_stdout, echo


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


class DiffFormat(str, Enum):
    markdown = "markdown"
    json = "json"


class MessageFormat(str, Enum):
    json = "json"
    xml = "xml"


class Level(str, Enum):
    breaking = "breaking"
    non_breaking = "non-breaking"
    documentation = "documentation"


def lint(
    model_dir: Optional[Path] = typer.Argument(None, help="Modellmappen (standard: modellen som følger med)."),
    format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="Utdataformat: text eller json."),
    codelists: Optional[Path] = typer.Option(None, "--codelists", help="Kodeverksmappen (standard: codelists/ ved siden av modellen)."),
    no_linkml: bool = typer.Option(False, "--no-linkml", help="Hopp over LinkML-linteren (raskere)."),
    lang: Lang = LANG_OPTION,
) -> None:
    """Kontroller at modellen og regelkatalogen er komplette (LINT-001 …).

    Exit-kode 0: ingen feil; 1: minst én feil; 2: bruksfeil.
    """
    from kad_spec.cli.extras import require_linkml
    from kad_spec.tools.lint import lint_model, render_json, render_text

    if not no_linkml:
        require_linkml("lint", lang.value)
    if model_dir is not None and not model_dir.is_dir():
        fail(f"Finner ikke modellmappen {model_dir}", 2)
    result = lint_model(model_dir, codelists, linkml=not no_linkml)
    write_report(render_json(result) if format is OutputFormat.json else render_text(result), None)
    raise typer.Exit(result.exit_code)


def convert(
    input: Path = typer.Argument(..., help="Meldingen som skal konverteres (JSON eller XML)."),
    output: Path = typer.Argument(..., help="Filen som skal skrives (.json eller .xml)."),
    to: Optional[MessageFormat] = typer.Option(None, "--to", help="Utdataformat, når filendelsen ikke sier det."),
    force: bool = typer.Option(False, "--force", help="Skriv over en eksisterende utdatafil (aldri inndatafilen)."),
) -> None:
    """Konverter en melding mellom JSON og XML uten tap (kanonisk form).

    Inndatafilen endres aldri. Exit-kode 0: konvertert; 1: ugyldig inndata; 2: bruksfeil.
    """
    from kad_spec.message.convert import ConvertError, ConvertUsageError, convert_file

    try:
        fmt = convert_file(input, output, to.value if to else None, force)
    except ConvertUsageError as exc:
        fail(str(exc), 2)
    except ConvertError as exc:
        fail(str(exc), 1)
    except OSError as exc:
        fail(f"{exc.filename or input}: {exc.strerror or exc}", 1)
    echo(f"skrev {output} ({fmt.upper()})")


def example(
    count: Optional[int] = typer.Option(
        None, "--count", "-n", min=0,
        help="Antall opphold i alt (standard 10); med --daily per virksomhet (standard 20 per dag)."),
    seed: int = typer.Option(1, "--seed", help="Frø: samme frø og valg gir samme fil, byte for byte."),
    format: Optional[MessageFormat] = typer.Option(
        None, "--format", "-f", help="json eller xml (standard: filendelsen til --out, ellers json)."),
    year: Optional[int] = typer.Option(None, "--year", help="Året oppholdene gjelder (standard: i fjor)."),
    stays_per_message: Optional[int] = typer.Option(
        None, "--stays-per-message", min=1, help="Del oppholdene i flere meldinger (én fil hver) med høyst så mange opphold."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Fil eller mappe å skrive til (standard: standard ut)."),
    defect: Optional[str] = typer.Option(None, "--defect", help="Skriv en melding som bryter nøyaktig denne regelen (regel-id)."),
    envelope: bool = typer.Option(False, "--envelope", help="Skriv hver melding i en hodemelding (MsgHead 1.2, alltid XML)."),
    daily: bool = typer.Option(False, "--daily", help="Skriv én melding per virksomhet per dag i perioden --from–--to, med fasit (sekvens.jsonl)."),
    first: Optional[str] = typer.Option(None, "--from", metavar="ÅÅÅÅ-MM-DD", help="Med --daily: første dag (standard: fire uker før --to)."),
    last: Optional[str] = typer.Option(None, "--to", metavar="ÅÅÅÅ-MM-DD", help="Med --daily: siste dag (standard: i går)."),
    units: Optional[int] = typer.Option(None, "--units", min=1, help="Med --daily: antall virksomheter (standard 1)."),
    readmissions: Optional[float] = typer.Option(
        None, "--readmissions", min=0.0, max=1.0, metavar="ANDEL",
        help="Med --daily: andelen nye opphold som er gjeninnleggelser av en pasient utskrevet fra enheten siste 29 døgn (standard 0)."),
    force: bool = typer.Option(False, "--force", help="Skriv over eksisterende filer."),
) -> None:
    """Lag syntetiske testmeldinger med realistisk form, en melding med én bestemt feil, eller
    daglige meldinger for en periode (--daily).

    Alle personer er syntetiske (Tenor), alle organisasjonsnumre er testnumre.
    Exit-kode 0: skrevet; 2: bruksfeil (ukjent regel, ugyldig år, …).
    """
    from datetime import date, datetime, time

    from kad_spec.output.files import OutputRefused, inside
    from kad_spec.tools.example import ExampleError, ExampleOptions, write_examples
    from kad_spec.tools.example import defect as make_defect

    if daily:
        used = [name for name, given in (("--year", year is not None), ("--stays-per-message", stays_per_message is not None),
                                         ("--defect", defect is not None), ("--envelope", envelope)) if given]
        if used:
            fail(f"--daily kan ikke brukes sammen med {' eller '.join(used)}", 2)
        return _daily_example(first, last, units, count, seed, format.value if format else "json", out, force,
                              readmissions or 0.0)
    if first is not None or last is not None or units is not None or readmissions is not None:
        fail("--from, --to, --units og --readmissions gjelder bare med --daily", 2)
    count = 10 if count is None else count
    fmt = format.value if format else _suffix_format(out)
    if envelope:
        return _enveloped_example(count, seed, year, stays_per_message, out, defect, fmt, force)
    try:
        if defect:
            made = make_defect(defect, fmt)
            target = out if out is None or not out.is_dir() else inside(out, f"{defect}.{made.format}")
            write_data(made.data, target, force=force)
            if out is not None:
                echo(f"skrev {out} ({defect}, {made.format.upper()})", err=True)
            return
        options = ExampleOptions(
            count=count, seed=seed, year=year, format=fmt or "json", stays_per_message=stays_per_message,
            until=datetime.combine(date.today(), time()),
        )
        written = write_examples(options, out if out is not None else data_stdout(), force=force)
    except (ExampleError, OutputRefused) as exc:
        fail(str(exc), 2)
    except OSError as exc:
        fail(f"{exc.filename or out}: {exc.strerror or exc}", 2)
    for path in written:
        echo(f"skrev {path}", err=True)


def _daily_example(first: str | None, last: str | None, units: int | None, count: int | None, seed: int,
                   fmt: str, out: Path | None, force: bool, readmissions: float = 0.0) -> None:
    """``kad-spec example --daily``: the daily messages of a period, and the manifest of their truth."""
    from datetime import date, timedelta

    from kad_spec.output.files import OutputRefused
    from kad_spec.tools.example import ExampleError
    from kad_spec.tools.sequence import MANIFEST, Rates, SequenceOptions, write_sequence

    if out is None:
        fail("--daily skriver en mappe med mange filer; oppgi den med --out", 2)
    to = _day("--to", last) if last is not None else date.today() - timedelta(days=1)
    start = _day("--from", first) if first is not None else to - timedelta(days=27)
    options = SequenceOptions(start, to, units=units or 1, count=count, seed=seed, format=fmt,
                              rates=Rates(readmission=readmissions))
    try:
        made = write_sequence(options, out, force=force)
    except (ExampleError, OutputRefused) as exc:
        fail(str(exc), 2)
    except OSError as exc:
        fail(f"{exc.filename or out}: {exc.strerror or exc}", 2)
    echo(f"skrev {made.files} filer ({made.messages} meldinger, {made.stays} opphold, "
         f"{made.units} virksomhet{'er' if made.units > 1 else ''}) i {out}; fasit i {out / MANIFEST}", err=True)


def _day(option: str, text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} må være en dato som ÅÅÅÅ-MM-DD, ikke «{text}»", 2)


def _enveloped_example(count, seed, year, stays_per_message, out, defect, fmt, force: bool) -> None:
    """``kad-spec example --envelope``: the same messages, each in its MsgHead envelope (XML)."""
    import io
    from datetime import date, datetime, time

    from kad_spec.message.envelope import EnvelopeError
    from kad_spec.output.files import OutputRefused, inside
    from kad_spec.message.convert import ConvertError
    from kad_spec.cli.envelope import envelop_bytes, envelop_files
    from kad_spec.tools.example import ExampleError, ExampleOptions, write_examples
    from kad_spec.tools.example import defect as make_defect

    if fmt == "json":
        fail("--envelope skriver alltid XML (hodemeldingen er XML); bruk --format xml eller en .xml-fil", 2)
    try:
        if defect:
            from kad_spec.spec.catalogue import catalogue

            made = make_defect(defect, "xml")
            rule = catalogue().get(defect)
            data = made.data if rule is not None and rule.area == "konvolutt" else envelop_bytes(made.data)
            write_data(data, out if out is None or not out.is_dir() else inside(out, f"{defect}.xml"), force=force)
            return
        options = ExampleOptions(count=count, seed=seed, year=year, format="xml", stays_per_message=stays_per_message,
                                 until=datetime.combine(date.today(), time()))
        if out is None:
            buffer = io.BytesIO()
            write_examples(options, buffer)
            write_data(envelop_bytes(buffer.getvalue()), None)
            return
        written = write_examples(options, out, force=force)
        envelop_files(written)
    except OutputRefused as exc:
        fail(str(exc), 2)
    except (EnvelopeError, ConvertError) as exc:
        fail(f"kan ikke legges i en konvolutt: {exc}", 2)
    except ExampleError as exc:
        fail(str(exc), 2)
    except OSError as exc:
        fail(f"{exc.filename or out}: {exc.strerror or exc}", 2)
    for path in written:
        echo(f"skrev {path}", err=True)


def _suffix_format(out: Path | None) -> str | None:
    suffix = out.suffix.lower().lstrip(".") if out is not None else ""
    return suffix if suffix in ("json", "xml") else None


def release(
    out: Path = typer.Option(Path("dist"), "--out", "-o", help="Mappen zip-filen skrives til."),
    model_dir: Optional[Path] = typer.Option(None, "--model", help="Modellmappen (standard: modellen som følger med)."),
    lang: Lang = LANG_OPTION,
    force: bool = typer.Option(False, "--force", help="Skriv over en eksisterende zip av samme versjon."),
) -> None:
    """Bygg en versjonert, reproduserbar zip med skjema, klasser, dokumentasjon, eksempler og kodeverk.

    Samme modell gir samme bytes. Exit-kode 0: bygget; 1: modellen kan ikke publiseres; 2: bruksfeil.
    """
    from kad_spec.cli.extras import require_linkml
    from kad_spec.output.files import OutputRefused
    from kad_spec.tools.release import ReleaseError, build_release

    require_linkml("release", lang.value)
    if model_dir is not None and not (model_dir / "kad.yaml").is_file():
        fail(f"Finner ikke modellen {model_dir / 'kad.yaml'}", 2)
    try:
        made, notes = build_release(out, model_dir, force=force)
    except OutputRefused as exc:
        fail(str(exc), 2)
    except ReleaseError as exc:
        fail(str(exc), 1)
    except OSError as exc:
        fail(f"{exc.filename or out}: {exc.strerror or exc}", 2)
    for note in notes:
        echo(f"merk: {note}", err=True)
    echo(f"{made.path} ({made.files} filer, versjon {made.version})")
    echo(f"SHA-256 {made.sha256}")


def diff(
    old: str = typer.Argument(..., help="Gammel versjon: modellmappe (eller mappe med model/) eller git-ref."),
    new: str = typer.Argument(..., help="Ny versjon: modellmappe (eller mappe med model/) eller git-ref."),
    format: DiffFormat = typer.Option(DiffFormat.markdown, "--format", "-f", help="markdown eller json."),
    fail_on: Optional[Level] = typer.Option(
        None, "--fail-on", help="Exit 1 ved endringer på dette nivået eller høyere: breaking, non-breaking, documentation."),
    changelog: bool = typer.Option(False, "--changelog", help="Skriv en post til model/endringslogg.yaml (YAML) i stedet for rapporten."),
    repo: Optional[Path] = typer.Option(None, "--repo", help="Git-depotet for git-refer (standard: depotet du står i)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Skriv til fil i stedet for standard ut."),
    force: bool = typer.Option(False, "--force", help="Skriv over en eksisterende --output-fil."),
) -> None:
    """Klassifiser endringene mellom to versjoner av modellen: brytende, ikke-brytende, dokumentasjon.

    Kontrollerer også at versjonsøkningen passer (DIFF-013). Exit-kode 0: ferdig; 1: versjonen
    passer ikke, eller endringer på --fail-on-nivået; 2: bruksfeil.
    """
    from kad_spec.tools.diff import DiffError, diff as run_diff, render_changelog, render_json, render_markdown

    try:
        result = run_diff(old, new, repo)
    except DiffError as exc:
        fail(str(exc), 2)
    if changelog:
        text = render_changelog(result)
    else:
        text = render_json(result) if format is DiffFormat.json else render_markdown(result)
    write_report(text, output, force=force)
    raise typer.Exit(1 if result.fails(fail_on.value if fail_on else None) else 0)


COMMANDS = [lint, diff, release, example, convert]


def register(app: typer.Typer) -> None:
    """Add the tool commands (lint, diff, release, example, convert) to ``app``."""
    for command in COMMANDS:
        app.command()(command)
