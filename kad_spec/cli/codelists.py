"""`kad-spec codelists …`: list, show, look up, import and export code lists.

Exit codes: 0 success; 1 `lookup` found the code not valid (or unknown); 2 bad input or usage.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path
from typing import Optional

import typer

from kad_spec.output import echo
from kad_spec.spec.text import LANGUAGES, NB, Text, language

from kad_spec.codelists import load_codelists
from kad_spec.codelists.importers import FORMATS, ImportError_, export
from kad_spec.codelists.conversion import (
    SYSTEM_OF_LIST,
    TITLES,
    Conversion,
    conversions_dir,
    load_conversion,
    read_navikt_conversion,
    write_conversion,
)
from kad_spec.codelists.store import CodeListFormatError, CodeLists, Edition, write_codelist

app = typer.Typer(help="Kodeverk: vis, slå opp, importer og eksporter.", no_args_is_help=True,
                  add_completion=False)

MESSAGES = {
    "unknown_list": Text("Ukjent kodeverk: {name}. Tilgjengelige: {names}",
                         "Unknown code list: {name}. Available: {names}"),
    "bad_date": Text("Ugyldig dato {value!r}: bruk ÅÅÅÅ-MM-DD", "Invalid date {value!r}: use YYYY-MM-DD"),
    "bad_format": Text("Ukjent format {fmt!r}: velg {formats}", "Unknown format {fmt!r}: choose {formats}"),
    "no_code": Text("{code} finnes ikke i {name}", "{code} is not in {name}"),
    "need_from": Text("Oppgi --valid-from når utgaven ({label}) ikke er et årstall",
                      "Give --valid-from when the edition ({label}) is not a year"),
    "imported": Text("Importerte {count} koder fra {file} til {path} som utgave {label} ({start}–{end})",
                     "Imported {count} codes from {file} into {path} as edition {label} ({start}–{end})"),
    "exported": Text("Skrev {name} som {fmt} til {path}", "Wrote {name} as {fmt} to {path}"),
    "error": Text("Feil: {detail}", "Error: {detail}"),
    "need_into": Text("Oppgi --into MAPPE: kad-spec kjører fra en installert pakke, og kodeverkene i den "
                      "(site-packages) endres ikke. Bruk codelists/ i en klone av prosjektet.",
                      "Give --into FOLDER: kad-spec runs from an installed package, whose code lists "
                      "(site-packages) are not changed. Use codelists/ in a clone of the project."),
    "official": Text("Offisiell skrivemåte: {official} (slått opp som {code})",
                     "Official spelling: {official} (looked up as {code})"),
    "converted": Text("{system}: {codes} ({title}, utgave {edition})",
                      "{system}: {codes} ({title}, edition {edition})"),
    "imported_conversion": Text("Importerte {count} koder fra {file} til {path} som utgave {label}",
                                "Imported {count} codes from {file} into {path} as edition {label}"),
}


EXCLUSIVE = Text("--partial og --complete utelukker hverandre", "--partial and --complete exclude each other")


def msg(key: str, lang: str, **values: object) -> str:
    return MESSAGES[key].format(lang, **values)


def fail(text: str, code: int = 2) -> None:
    echo(text, err=True)
    raise typer.Exit(code)


@app.callback()
def main(ctx: typer.Context,
         lang: str = typer.Option("nb", "--lang", help="Språk for meldinger: nb eller en.")) -> None:
    ctx.obj = language(lang)  # each command reads it with lang_of(ctx)


def lang_of(ctx: typer.Context) -> str:
    """The --lang of the group, which a command's context inherits as its ``obj``."""
    return ctx.obj if ctx.obj in LANGUAGES else NB


def _parse_day(value: Optional[str], lang: str) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(msg("bad_date", lang, value=value))
    return None


def _lists(folder: Optional[Path]) -> CodeLists:
    return load_codelists(folder) if folder else load_codelists()


def _get(lists: CodeLists, name: str, lang: str):
    try:
        return lists[name]
    except KeyError:
        fail(msg("unknown_list", lang, name=name, names=", ".join(lists.names())))
    except CodeListFormatError as exc:
        fail(msg("error", lang, detail=exc))


def _edition_text(ed: Edition) -> str:
    start = ed.valid_from.isoformat() if ed.valid_from else "…"
    end = ed.valid_to.isoformat() if ed.valid_to else "…"
    return f"{ed.label} ({start}–{end})"


FolderOption = typer.Option(None, "--from", help="Mappe med kodeverk (standard: de medfølgende).")
RepositoryOption = typer.Option(None, "--repository", help="Kildens depot (proveniens for utgaven).")
SourcePathOption = typer.Option(None, "--source-path", help="Filens sti i depotet (proveniens).")
CommitOption = typer.Option(None, "--commit", help="Depotets commit (proveniens).")


def _provenance(file: Path, repository, source_path, commit, licence, **extra) -> tuple[tuple[str, str], ...]:
    """An edition's provenance: the options as given, and the file's sha256 (computed here)."""
    fields = (("repository", repository), ("path", source_path), ("commit", commit), ("licence", licence),
              ("sha256", hashlib.sha256(file.read_bytes()).hexdigest()), *extra.items())
    return tuple((key, value or "") for key, value in fields)


@app.command("list")
def list_command(ctx: typer.Context, folder: Optional[Path] = FolderOption) -> None:
    """Vis alle kodeverk med OID, utgaver og antall koder."""
    lang = lang_of(ctx)
    lists = _lists(folder)
    for name in lists.names():
        lst = _get(lists, name, lang)
        editions = "; ".join(_edition_text(e) for e in lst.editions)
        title = Text(lst.title_nb, lst.title_en).get(lang)
        echo(f"{name}\t{title}\tOID {lst.oid or '-'}\t{len(lst)} koder\t{editions}")


@app.command("show")
def show_command(ctx: typer.Context, name: str,
                 on: Optional[str] = typer.Option(None, "--date", help="Bare koder gyldige denne datoen."),
                 limit: int = typer.Option(0, "--limit", help="Vis høyst så mange koder (0 = alle)."),
                 folder: Optional[Path] = FolderOption) -> None:
    """Vis metadata, utgaver og koder i ett kodeverk."""
    lang = lang_of(ctx)
    lst = _get(_lists(folder), name, lang)
    day = _parse_day(on, lang)
    echo(f"# {lst.name}: {lst.title_nb} / {lst.title_en}")
    echo(f"# OID: {lst.oid or '-'}\n# kilde: {lst.source}\n# lisens: {lst.licence}\n# hentet: {lst.retrieved}")
    for ed in lst.editions:
        # The sha256 stays in the file header and on the docs site: long digit runs in a
        # terminal look like person numbers to the privacy scanners vendors run on logs; the commit
        # is shown short, as git does.
        provenance = "".join(f"; {key}={value[:12] if key == 'commit' else value}" for key, value in ed.provenance
                             if value and key != "sha256")
        echo(f"# utgave: {_edition_text(ed)} {ed.source}{provenance}")
    shown = 0
    for code in sorted(lst.codes()):
        for entry in lst.entries(code):
            if day and not entry.valid_on(day):
                continue
            successor = f" → {' '.join(entry.successor)}" if entry.successor else ""
            kind = f" [{entry.kind}]" if entry.kind else ""
            echo(f"{entry.code}\t{entry.text}\t{entry.period_text()}{successor}{kind}")
            shown += 1
            if limit and shown >= limit:
                return


@app.command("lookup")
def lookup_command(ctx: typer.Context, name: str, code: str,
                   on: Optional[str] = typer.Option(None, "--date", help="Sjekk gyldighet denne datoen."),
                   folder: Optional[Path] = FolderOption) -> None:
    """Slå opp en kode; med --date: er den gyldig den dagen? Avslutter med 1 hvis ikke."""
    lang = lang_of(ctx)
    lst = _get(_lists(folder), name, lang)
    lookup_code = code.strip().replace(".", "") if name == "icd10" else code.strip()
    lookup_code = lst.official_spelling(lookup_code) or lookup_code  # I210A finds I210a
    day = _parse_day(on, lang)
    entries = lst.entries(lookup_code)
    for entry in entries:
        successor = f", etterfølger {' '.join(entry.successor)}" if entry.successor else ""
        echo(f"{entry.code} {entry.text}: gyldig {entry.period_text()}{successor}")
    if entries and lookup_code != code.strip():
        echo(msg("official", lang, code=code, official=lookup_code))
    _echo_conversions(name, lookup_code, folder, lang)
    if day is None:
        if not entries:
            fail(msg("no_code", lang, code=code, name=name), 1)
        return
    result = lst.check(lookup_code, day)
    echo(result.describe(lang))
    if not result.ok:
        raise typer.Exit(1)


def _echo_conversions(name: str, code: str, folder: Optional[Path], lang: str) -> None:
    """The counterparts in the other system, from the bundled conversion tables."""
    for source, target in (("icpc2", "icd10"), ("icd10", "icpc2")):
        if source != name:
            continue
        try:
            conversion = load_conversion(source, target, folder)
        except CodeListFormatError as exc:
            fail(msg("error", lang, detail=exc))
            return
        codes = conversion.lookup(code) if conversion else ()
        if codes:
            edition = conversion.edition.label if conversion.edition else "-"
            title = Text(conversion.title_nb, conversion.title_en).get(lang)
            echo(msg("converted", lang, system=SYSTEM_OF_LIST[target], codes=" ".join(codes), title=title,
                           edition=edition))


def _default_period(label: str, fmt: str, start: Optional[date], end: Optional[date],
                    lang: str) -> tuple[date, Optional[date]]:
    year = re.fullmatch(r"\d{4}", label)
    if start is None:
        if not year:
            fail(msg("need_from", lang, label=label))
        start = date(int(label), 1, 1)
    if end is None and year and fmt != "klass-csv":
        end = date(int(label), 12, 31)  # diagnosis editions are yearly
    return start, end


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Fil å importere (endres ikke)."),
    fmt: str = typer.Option(..., "--format", help=f"Format: {', '.join(FORMATS)}."),
    edition: str = typer.Option(..., "--edition", help="Navn på utgaven, f.eks. 2027."),
    list_name: Optional[str] = typer.Option(None, "--list", help="Kodeverk (icd10, icpc2, kommunenummer, …)."),
    valid_from: Optional[str] = typer.Option(None, "--valid-from", help="Utgaven gjelder fra (standard 1.1. i året)."),
    valid_to: Optional[str] = typer.Option(None, "--valid-to", help="Utgaven gjelder til (standard 31.12.; Klass: åpen)."),
    source: Optional[str] = typer.Option(None, "--source", help="Kildebeskrivelse for utgaven."),
    licence: Optional[str] = typer.Option(None, "--licence", help="Lisens (settes på kodeverket)."),
    into: Optional[Path] = typer.Option(None, "--into", help="Mappe som oppdateres (standard: codelists/ i prosjektet du står i)."),
    successors: Optional[Path] = typer.Option(
        None, "--successors", help="Etterfølgere for avsluttede koder: Klass-endringstabell (oldCode, newCode) eller CSV old,new."),
    partial: bool = typer.Option(False, "--partial", help="Filen er bare en del av kodeverket: koder som mangler, beholdes."),
    complete: bool = typer.Option(False, "--complete", help="Filen er hele utgaven, selv om den er liten: koder som mangler, avsluttes."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Vis hva importen ville endre, men skriv ingenting."),
    repository: Optional[str] = RepositoryOption,
    source_path: Optional[str] = SourcePathOption,
    commit: Optional[str] = CommitOption,
    carry_over: Optional[str] = typer.Option(
        None, "--carry-over", help="Koder som mangler i filen ved en kjent feil og føres videre fra forrige utgave "
                                   "(mellomrom- eller kommaseparert); krever --note."),
    note: Optional[str] = typer.Option(None, "--note", help="Merknad til utgaven (f.eks. en feil i kilden og hva som ble gjort)."),
) -> None:
    """Legg til en ny utgave fra en offisiell nedlasting; eldre utgaver beholdes.

    Viser først hva importen endrer (nye, avsluttede og omdøpte koder, etterfølgere). En fil med
    under halvparten av kodene avvises uten --partial (eller --complete). Utgaven får proveniens:
    depot, sti, commit, lisens, merknad og filens sha256 (regnes ut her). Exit-kode 0: importert
    (eller vist med --dry-run); 2: feil i inndata eller bruk, ingenting skrevet.
    """
    lang = lang_of(ctx)
    from kad_spec.codelists.safety import UnsafeValue, check_header_field, check_list_name
    from kad_spec.codelists.successors import SuccessorError
    from kad_spec.codelists.update import partial_message, plan_import, render_preview, text

    if fmt not in FORMATS:
        fail(msg("bad_format", lang, fmt=fmt, formats=", ".join(FORMATS)))
    try:
        if list_name is not None:
            check_list_name(list_name)
        check_header_field("--edition", edition, edition_part=True)
        check_header_field("--source", source, edition_part=True)
        check_header_field("--licence", licence)
        for option, value in (("--repository", repository), ("--source-path", source_path), ("--commit", commit),
                              ("--note", note)):
            check_header_field(option, value, edition_part=True)
    except UnsafeValue as exc:
        fail(msg("error", lang, detail=exc))
    folder = into or _default_import_folder(lang)
    if carry_over and not note:
        fail(msg("error", lang, detail="--carry-over needs --note (why the codes are missing from the file)"))
    start, end = _default_period(edition, fmt, _parse_day(valid_from, lang), _parse_day(valid_to, lang), lang)
    try:
        provenance = _provenance(file, repository, source_path, commit, licence, note=note)
        new_edition = Edition(edition, start, end, source or f"{fmt}: {file.name}", provenance)
        plan = plan_import(file, fmt, list_name, new_edition, folder, partial=partial, successors=successors,
                           carry_over=carry_over.replace(",", " ").split() if carry_over else ())
    except (ImportError_, CodeListFormatError, SuccessorError, UnsafeValue, OSError) as exc:
        fail(msg("error", lang, detail=exc))
        return
    if partial and complete:
        fail(msg("error", lang, detail=EXCLUSIVE.get(lang)))
    if plan.looks_partial and not complete:
        fail(partial_message(plan, file, lang))
    echo(render_preview(plan, lang))
    if dry_run:
        echo(text(lang)["dry"])
        return
    codelist = plan.after
    if licence:
        codelist.licence = licence
    if source and not codelist.source:
        codelist.source = source
    codelist.retrieved = date.today().isoformat()
    write_codelist(codelist, plan.path)
    from kad_spec.codelists import clear_cache

    clear_cache()
    stored = plan.edition
    echo(msg("imported", lang, count=plan.records, file=file, path=plan.path, label=stored.label,
                   start=stored.valid_from or "…", end=stored.valid_to or "…"))


def _default_import_folder(lang: str) -> Path:
    """codelists/ of the checkout you stand in (or kad-spec runs from); never an installed package's copy."""
    from kad_spec.spec.resources import codelists_dir, data_root

    here = Path.cwd()
    if (here / "codelists").is_dir() and (here / "model" / "kad.yaml").is_file() and (here / "pyproject.toml").is_file():
        return here / "codelists"
    if data_root().name == "_data":
        fail(msg("need_into", lang))
    return codelists_dir()


@app.command("import-conversion")
def import_conversion_command(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Konverteringsfil (NAVs JSON med mapsTo; endres ikke)."),
    source_list: str = typer.Option(..., "--from", help="Kodeverket det konverteres fra: icpc2 eller icd10."),
    edition: str = typer.Option(..., "--edition", help="Utgave, f.eks. 2019."),
    repository: Optional[str] = RepositoryOption,
    source_path: Optional[str] = SourcePathOption,
    commit: Optional[str] = CommitOption,
    licence: Optional[str] = typer.Option(None, "--licence", help="Lisens."),
    source: Optional[str] = typer.Option(None, "--source", help="Kildebeskrivelse for utgaven."),
    into: Optional[Path] = typer.Option(None, "--into", help="Kodeverksmappe (standard: de medfølgende)."),
) -> None:
    """Importer en konverteringstabell ICPC-2 → ICD-10 eller ICD-10 → ICPC-2 (erstatter forrige utgave)."""
    lang = lang_of(ctx)
    if source_list not in ("icpc2", "icd10"):
        fail(msg("error", lang, detail=f"--from must be icpc2 or icd10, not {source_list!r}"))
    target = "icd10" if source_list == "icpc2" else "icpc2"
    name = f"{source_list}-{target}"
    if not file.is_file():
        fail(msg("error", lang, detail=f"{file}: file not found"))
    try:
        texts, targets = read_navikt_conversion(file, source_list)
    except ImportError_ as exc:
        fail(msg("error", lang, detail=exc))
        return
    provenance = _provenance(file, repository, source_path, commit, licence)
    from kad_spec.codelists.safety import UnsafeValue, check_header_field

    try:
        for option, value in (("--edition", edition), ("--source", source), ("--repository", repository),
                              ("--source-path", source_path), ("--commit", commit), ("--licence", licence)):
            check_header_field(option, value, edition_part=True)
    except UnsafeValue as exc:
        fail(msg("error", lang, detail=exc))
    title_nb, title_en = TITLES[name]
    conversion = Conversion(name, source_list, target, title_nb, title_en, licence or "",
                            [Edition(edition, None, None, source or file.name, provenance)], texts, targets)
    path = conversions_dir(into) / f"{name}.csv"
    write_conversion(conversion, path)
    from kad_spec.codelists.conversion import clear_cache

    clear_cache()
    echo(msg("imported_conversion", lang, count=len(targets), file=file, path=path, label=edition))


@app.command("export")
def export_command(
    ctx: typer.Context,
    name: str,
    fmt: str = typer.Option(..., "--format", help=f"Format: {', '.join(FORMATS)}."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Fil (standard: skriv til standard ut)."),
    folder: Optional[Path] = FolderOption,
    on: Optional[str] = typer.Option(None, "--date", help="Bare kodene som gjelder denne dagen (ÅÅÅÅ-MM-DD), f.eks. én utgave."),
    force: bool = typer.Option(False, "--force", help="Skriv over en eksisterende fil."),
) -> None:
    """Skriv et kodeverk i et av importformatene (for kontroll og rundtur)."""
    lang = lang_of(ctx)
    if fmt not in FORMATS:
        fail(msg("bad_format", lang, fmt=fmt, formats=", ".join(FORMATS)))
    lst = _get(_lists(folder), name, lang)
    text = export(lst, fmt, _parse_day(on, lang))
    if output is None:
        echo(text, nl=False)
        return
    from kad_spec.output.files import OutputRefused, write_atomic

    try:
        write_atomic(output, text, force=force)
    except OutputRefused as error:
        fail(str(error))
    except OSError as error:
        fail(f"kan ikke skrive {output}: {error.strerror or error}")
    echo(msg("exported", lang, name=name, fmt=fmt, path=output))


if __name__ == "__main__":
    app()
