"""`kad-spec codelists …`: list, show, look up, import and export code lists.

Exit codes: 0 success; 1 `lookup` found the code not valid (or unknown); 2 bad input or usage.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Optional

import typer

from . import load_codelists
from .importers import FORMATS, ImportError_, export
from .store import CodeListFormatError, CodeLists, Edition, write_codelist

app = typer.Typer(help="Kodeverk: vis, slå opp, importer og eksporter.", no_args_is_help=True,
                  add_completion=False)

_state = {"lang": "nb"}

MESSAGES = {
    "unknown_list": ("Ukjent kodeverk: {name}. Tilgjengelige: {names}", "Unknown code list: {name}. Available: {names}"),
    "bad_date": ("Ugyldig dato {value!r}: bruk ÅÅÅÅ-MM-DD", "Invalid date {value!r}: use YYYY-MM-DD"),
    "bad_format": ("Ukjent format {fmt!r}: velg {formats}", "Unknown format {fmt!r}: choose {formats}"),
    "no_code": ("{code} finnes ikke i {name}", "{code} is not in {name}"),
    "need_from": ("Oppgi --valid-from når utgaven ({label}) ikke er et årstall",
                  "Give --valid-from when the edition ({label}) is not a year"),
    "imported": ("Importerte {count} koder fra {file} til {path} som utgave {label} ({start}–{end})",
                 "Imported {count} codes from {file} into {path} as edition {label} ({start}–{end})"),
    "exported": ("Skrev {name} som {fmt} til {path}", "Wrote {name} as {fmt} to {path}"),
    "error": ("Feil: {detail}", "Error: {detail}"),
    "need_into": ("Oppgi --into MAPPE: kad-spec kjører fra en installert pakke, og kodeverkene i den "
                  "(site-packages) endres ikke. Bruk codelists/ i en klone av prosjektet.",
                  "Give --into FOLDER: kad-spec runs from an installed package, whose code lists (site-packages) "
                  "are not changed. Use codelists/ in a clone of the project."),
}


def msg(key: str, **values: object) -> str:
    nb, en = MESSAGES[key]
    return (nb if _state["lang"] == "nb" else en).format(**values)


def fail(text: str, code: int = 2) -> None:
    typer.echo(text, err=True)
    raise typer.Exit(code)


@app.callback()
def main(lang: str = typer.Option("nb", "--lang", help="Språk for meldinger: nb eller en.")) -> None:
    _state["lang"] = "en" if lang.lower().startswith("en") else "nb"


def _parse_day(value: Optional[str]) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(msg("bad_date", value=value))
    return None


def _lists(folder: Optional[Path]) -> CodeLists:
    return load_codelists(folder) if folder else load_codelists()


def _get(lists: CodeLists, name: str):
    try:
        return lists[name]
    except KeyError:
        fail(msg("unknown_list", name=name, names=", ".join(lists.names())))
    except CodeListFormatError as exc:
        fail(msg("error", detail=exc))


def _edition_text(ed: Edition) -> str:
    start = ed.valid_from.isoformat() if ed.valid_from else "…"
    end = ed.valid_to.isoformat() if ed.valid_to else "…"
    return f"{ed.label} ({start}–{end})"


FolderOption = typer.Option(None, "--from", help="Mappe med kodeverk (standard: de medfølgende).")


@app.command("list")
def list_command(folder: Optional[Path] = FolderOption) -> None:
    """Vis alle kodeverk med OID, utgaver og antall koder."""
    lists = _lists(folder)
    for name in lists.names():
        lst = _get(lists, name)
        editions = "; ".join(_edition_text(e) for e in lst.editions)
        title = lst.title_nb if _state["lang"] == "nb" else (lst.title_en or lst.title_nb)
        typer.echo(f"{name}\t{title}\tOID {lst.oid or '-'}\t{len(lst)} koder\t{editions}")


@app.command("show")
def show_command(name: str, on: Optional[str] = typer.Option(None, "--date", help="Bare koder gyldige denne datoen."),
                 limit: int = typer.Option(0, "--limit", help="Vis høyst så mange koder (0 = alle)."),
                 folder: Optional[Path] = FolderOption) -> None:
    """Vis metadata, utgaver og koder i ett kodeverk."""
    lst = _get(_lists(folder), name)
    day = _parse_day(on)
    typer.echo(f"# {lst.name}: {lst.title_nb} / {lst.title_en}")
    typer.echo(f"# OID: {lst.oid or '-'}\n# kilde: {lst.source}\n# lisens: {lst.licence}\n# hentet: {lst.retrieved}")
    for ed in lst.editions:
        typer.echo(f"# utgave: {_edition_text(ed)} {ed.source}")
    shown = 0
    for code in sorted(lst.codes()):
        for entry in lst.entries(code):
            if day and not entry.valid_on(day):
                continue
            successor = f" → {' '.join(entry.successor)}" if entry.successor else ""
            kind = f" [{entry.kind}]" if entry.kind else ""
            typer.echo(f"{entry.code}\t{entry.text}\t{entry.period_text()}{successor}{kind}")
            shown += 1
            if limit and shown >= limit:
                return


@app.command("lookup")
def lookup_command(name: str, code: str,
                   on: Optional[str] = typer.Option(None, "--date", help="Sjekk gyldighet denne datoen."),
                   folder: Optional[Path] = FolderOption) -> None:
    """Slå opp en kode; med --date: er den gyldig den dagen? Avslutter med 1 hvis ikke."""
    lst = _get(_lists(folder), name)
    lookup_code = code.replace(".", "").upper() if name == "icd10" else code
    day = _parse_day(on)
    entries = lst.entries(lookup_code)
    for entry in entries:
        successor = f", etterfølger {' '.join(entry.successor)}" if entry.successor else ""
        typer.echo(f"{entry.code} {entry.text}: gyldig {entry.period_text()}{successor}")
    if day is None:
        if not entries:
            fail(msg("no_code", code=code, name=name), 1)
        return
    result = lst.check(lookup_code, day)
    typer.echo(result.describe(_state["lang"]))
    if not result.ok:
        raise typer.Exit(1)


def _default_period(label: str, fmt: str, start: Optional[date], end: Optional[date]) -> tuple[date, Optional[date]]:
    year = re.fullmatch(r"\d{4}", label)
    if start is None:
        if not year:
            fail(msg("need_from", label=label))
        start = date(int(label), 1, 1)
    if end is None and year and fmt != "klass-csv":
        end = date(int(label), 12, 31)  # diagnosis editions are yearly
    return start, end


@app.command("import")
def import_command(
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
) -> None:
    """Legg til en ny utgave fra en offisiell nedlasting; eldre utgaver beholdes.

    Viser først hva importen endrer (nye, avsluttede og omdøpte koder, etterfølgere). En fil med
    under halvparten av kodene avvises uten --partial (eller --complete). Exit-kode 0: importert (eller vist med
    --dry-run); 2: feil i inndata eller bruk, ingenting skrevet.
    """
    from .safety import UnsafeValue, check_header_field, check_list_name
    from .successors import SuccessorError
    from .update import partial_message, plan_import, render_preview, text

    if fmt not in FORMATS:
        fail(msg("bad_format", fmt=fmt, formats=", ".join(FORMATS)))
    try:
        if list_name is not None:
            check_list_name(list_name)
        check_header_field("--edition", edition, edition_part=True)
        check_header_field("--source", source, edition_part=True)
        check_header_field("--licence", licence)
    except UnsafeValue as exc:
        fail(msg("error", detail=exc))
    folder = into or _default_import_folder()
    start, end = _default_period(edition, fmt, _parse_day(valid_from), _parse_day(valid_to))
    try:
        plan = plan_import(file, fmt, list_name, Edition(edition, start, end, source or f"{fmt}: {file.name}"),
                           folder, partial=partial, successors=successors)
    except (ImportError_, CodeListFormatError, SuccessorError, UnsafeValue, OSError) as exc:
        fail(msg("error", detail=exc))
        return
    if partial and complete:
        fail(msg("error", detail="--partial og --complete utelukker hverandre" if _state["lang"] == "nb"
                 else "--partial and --complete exclude each other"))
    if plan.looks_partial and not complete:
        fail(partial_message(plan, file, _state["lang"]))
    typer.echo(render_preview(plan, _state["lang"]))
    if dry_run:
        typer.echo(text(_state["lang"])["dry"])
        return
    codelist = plan.after
    if licence:
        codelist.licence = licence
    if source and not codelist.source:
        codelist.source = source
    codelist.retrieved = date.today().isoformat()
    write_codelist(codelist, plan.path)
    from . import clear_cache

    clear_cache()
    stored = plan.edition
    typer.echo(msg("imported", count=plan.records, file=file, path=plan.path, label=stored.label,
                   start=stored.valid_from or "…", end=stored.valid_to or "…"))


def _default_import_folder() -> Path:
    """codelists/ of the checkout you stand in (or kad-spec runs from); never an installed package's copy."""
    from kad_spec.resources import codelists_dir, data_root

    here = Path.cwd()
    if (here / "codelists").is_dir() and (here / "model" / "kad.yaml").is_file() and (here / "pyproject.toml").is_file():
        return here / "codelists"
    if data_root().name == "_data":
        fail(msg("need_into"))
    return codelists_dir()


@app.command("export")
def export_command(
    name: str,
    fmt: str = typer.Option(..., "--format", help=f"Format: {', '.join(FORMATS)}."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Fil (standard: skriv til standard ut)."),
    folder: Optional[Path] = FolderOption,
) -> None:
    """Skriv et kodeverk i et av importformatene (for kontroll og rundtur)."""
    if fmt not in FORMATS:
        fail(msg("bad_format", fmt=fmt, formats=", ".join(FORMATS)))
    lst = _get(_lists(folder), name)
    text = export(lst, fmt)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    typer.echo(msg("exported", name=name, fmt=fmt, path=output))


if __name__ == "__main__":
    app()
