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
from .importers import FORMATS, ImportError_, add_edition, export, new_codelist, read_input
from .store import CodeListFormatError, CodeLists, Edition, read_codelist, write_codelist

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
    into: Optional[Path] = typer.Option(None, "--into", help="Mappe som oppdateres (standard: de medfølgende)."),
) -> None:
    """Legg til en ny utgave fra en offisiell nedlasting; eldre utgaver beholdes."""
    if fmt not in FORMATS:
        fail(msg("bad_format", fmt=fmt, formats=", ".join(FORMATS)))
    from kad_spec.resources import codelists_dir

    folder = into or codelists_dir()
    try:
        name, records = read_input(file, fmt, list_name)
        path = folder / f"{name}.csv"
        codelist = read_codelist(path) if path.is_file() else new_codelist(name)
    except (ImportError_, CodeListFormatError, OSError) as exc:
        fail(msg("error", detail=exc))
        return
    start, end = _default_period(edition, fmt, _parse_day(valid_from), _parse_day(valid_to))
    stored = add_edition(codelist, Edition(edition, start, end, source or f"{fmt}: {file.name}"), records)
    if licence:
        codelist.licence = licence
    if source and not codelist.source:
        codelist.source = source
    codelist.retrieved = date.today().isoformat()
    write_codelist(codelist, path)
    from . import clear_cache

    clear_cache()
    typer.echo(msg("imported", count=len(records), file=file, path=path, label=stored.label,
                   start=stored.valid_from or "…", end=stored.valid_to or "…"))


@app.command("export")
def export_command(
    name: str,
    fmt: str = typer.Option(..., "--format", help=f"Format: {', '.join(FORMATS)}."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Fil (standard: skriv til standard ut)."),
    folder: Optional[Path] = FolderOption,
    force: bool = typer.Option(False, "--force", help="Skriv over en eksisterende fil."),
) -> None:
    """Skriv et kodeverk i et av importformatene (for kontroll og rundtur)."""
    if fmt not in FORMATS:
        fail(msg("bad_format", fmt=fmt, formats=", ".join(FORMATS)))
    lst = _get(_lists(folder), name)
    text = export(lst, fmt)
    if output is None:
        typer.echo(text, nl=False)
        return
    from kad_spec.safe_files import OutputRefused, write_atomic

    try:
        write_atomic(output, text, force=force)
    except OutputRefused as error:
        fail(str(error))
    except OSError as error:
        fail(f"kan ikke skrive {output}: {error.strerror or error}")
    typer.echo(msg("exported", name=name, fmt=fmt, path=output))


if __name__ == "__main__":
    app()
