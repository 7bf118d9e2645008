"""Code list pages: small lists in full, large lists (ICD-10, ICPC-2, kommunenummer) searchable.

A large list's rows go to ``kodeverk/data/<name>.js`` as a compact array (validity periods
shared through an index table, since ICD-10's ~19 600 rows share one or two periods) which
the small bundled search script renders on input. The page itself stays small.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from kad_spec.codelists import CodeEntry, CodeList
from kad_spec.codelists.conversion import load_conversion

from .context import SiteContext, norwegian_date
from .layout import SEARCH_SCRIPT_PATH, Page, esc, table

LARGE_LIST = 100  # lists longer than this get the search table instead of a full table
KIND_NAMES = {"process": "prosesskode", "special": "spesialkode"}


def _date(value) -> str:
    return value.isoformat() if value else ""


def data_script(lst: CodeList) -> str:
    """The JavaScript file holding a large list's rows for the search script."""
    periods: dict[tuple[str, str], int] = {}
    rows = []
    for code in sorted(lst.codes()):
        for entry in lst.entries(code):
            key = (_date(entry.valid_from), _date(entry.valid_to))
            index = periods.setdefault(key, len(periods))
            rows.append([entry.code, entry.text, index, " ".join(entry.successor), KIND_NAMES.get(entry.kind, entry.kind)])
    data = {"perioder": [list(p) for p in periods], "rader": rows}
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return ("window.KAD_KODEVERK = window.KAD_KODEVERK || {};\n"
            f"window.KAD_KODEVERK[{json.dumps(lst.name)}] = {payload};\n")


def data_path(name: str) -> str:
    return f"kodeverk/data/{name}.js"


def _facts(lst: CodeList) -> str:
    facts = [("Navn", lst.title_nb), ("Engelsk", lst.title_en), ("OID", lst.oid), ("Kilde", lst.source),
             ("Lisens", lst.licence), ("Hentet", norwegian_date(lst.retrieved) if lst.retrieved else ""),
             ("Antall koder", str(len(lst)))]
    return '<dl class="fakta">' + "".join(f"<dt>{k}</dt><dd>{esc(v)}</dd>" for k, v in facts if v) + "</dl>"


FIRST_YEAR = 2017  # KPR takes KAD stays from 1.1.2017
PROVENANCE_HEADERS = (("repository", "Depot"), ("path", "Sti"), ("commit", "Commit"), ("licence", "Lisens"),
                      ("sha256", "SHA-256"), ("note", "Merknad"))


def _editions(lst: CodeList) -> str:
    if not lst.editions:
        return ""
    shown = [(key, head) for key, head in PROVENANCE_HEADERS if any(e.provenance_of(key) for e in lst.editions)]
    rows = [[esc(e.label), esc(_date(e.valid_from) or "–"), esc(_date(e.valid_to) or "–"), esc(e.source)]
            + [_provenance_cell(key, e.provenance_of(key)) for key, _ in shown]
            for e in lst.editions]
    heads = ["Utgave", "Gjelder fra", "Gjelder til", "Kilde"] + [head for _, head in shown]
    return ('<h2 id="utgaver">Utgaver</h2>' + table(heads, rows) + _editions_per_year(lst))


def _provenance_cell(key: str, value: str) -> str:
    if key in ("commit", "sha256") and value:
        return f"<code>{hex_html(value)}</code>"
    return f"<code>{esc(value)}</code>" if key == "path" and value else esc(value)


def hex_html(value: str) -> str:
    """A checksum or commit in groups of eight with <wbr>: it wraps in a table cell, copies as one
    string, and never shows a long run of digits that could be mistaken for a person number."""
    return "<wbr>".join(esc(value[i:i + 8]) for i in range(0, len(value), 8))


def _editions_per_year(lst: CodeList) -> str:
    """Which edition a stay of each year is checked against, from 2017 to the last edition's year."""
    ends = [e.valid_to or e.valid_from for e in lst.editions if e.valid_to or e.valid_from]
    if not ends:
        return ""
    rows = []
    for year in range(FIRST_YEAR, max(ends).year + 1):
        covering = {e.label for day in (date(year, 1, 1), date(year, 12, 31)) if (e := lst.covering_edition(day))}
        if covering:
            rows.append([esc(year), esc(", ".join(sorted(covering))), "kontrolleres mot utgaven for datoen"])
        else:
            nearest = lst.nearest_edition(date(year, 7, 1))
            rows.append([esc(year), esc(f"ingen (nærmeste: {nearest.label})" if nearest else "ingen"),
                         "koder som mangler i nærmeste utgave, gir advarsel (KAD-DIA-004), ikke feil"])
    return ('<h3 id="utgave-per-ar">Utgave per år</h3>'
            + table(["År", "Utgave", "Kontroll"], rows))


def _conversion(name: str) -> str:
    """The bundled conversion table from this list to the other, with its provenance."""
    source, target = {"icpc2": ("icpc2", "icd10"), "icd10": ("icd10", "icpc2")}.get(name, (None, None))
    conversion = load_conversion(source, target) if source else None
    if conversion is None or conversion.edition is None:
        return ""
    ed = conversion.edition
    facts = [("Tabell", conversion.title_nb), ("Utgave", ed.label), ("Kilde", ed.source),
             ("Antall koder", str(len(conversion.targets)))]
    facts += [(head, ed.provenance_of(key)) for key, head in PROVENANCE_HEADERS if ed.provenance_of(key)]
    items = "".join(f"<dt>{k}</dt><dd>{hex_html(v) if k in ('Commit', 'SHA-256') else esc(v)}</dd>"
                    for k, v in facts if v)
    return ('<h2 id="konvertering">Konvertering</h2><p>Helsedirektoratets konverteringstabell gir hver kode en '
            'motpart i det andre kodeverket (for eksempel ICPC-2 R81 → ICD-10 J189). '
            '<code>kad-spec codelists lookup</code> viser motparten, og aktivitetsrapporten grupperer diagnoser '
            'fra begge kodeverk under ICD-10-kapitler med den.</p>'
            f'<dl class="fakta">{items}</dl>')


def _users(ctx: SiteContext, page: Page, name: str) -> str:
    users = ctx.users_of_codelist(name)
    if not users:
        return ""
    links = ", ".join(page.a(f"{ctx.class_page(c.name)}#{a.name}", f"{c.name}.{a.name}") for c, a in users)
    return f"<p>Brukes av {links}.</p>"


def _model_enum_note(ctx: SiteContext, name: str) -> str:
    for enum in ctx.model.enums.values():
        if enum.codelist == name:
            note = f"<p>{esc(enum.description)}</p>"
            reason = enum.annotations.get("begrunnelse")
            if reason:
                note += f'<p class="merknad">Begrunnelse for valget: {esc(" ".join(str(reason).split()))}</p>'
            return note
    return ""


def _full_table(lst: CodeList) -> str:
    rows = []
    for code in lst.codes():
        for e in lst.entries(code):
            rows.append([f"<code>{esc(e.code)}</code>", esc(e.text), esc(e.text_en), esc(_date(e.valid_from)),
                         esc(_date(e.valid_to)), esc(" ".join(e.successor))])
    headers = ["Kode", "Tekst", "Engelsk", "Gyldig fra", "Gyldig til", "Etterfølger"]
    keep = [i for i in range(len(headers)) if i < 2 or any(row[i] for row in rows)]  # no all-empty columns
    return '<h2 id="koder">Koder</h2>' + table([headers[i] for i in keep], [[row[i] for i in keep] for row in rows])


def _search_table(lst: CodeList, page: Page) -> str:
    return (
        '<h2 id="koder">Koder</h2>'
        f'<div class="kodesok" data-liste="{esc(lst.name)}">'
        f'<label for="sok-{esc(lst.name)}">Søk på kode eller tekst (store og små bokstaver er likt)</label>'
        f'<input id="sok-{esc(lst.name)}" type="search" autocomplete="off" placeholder="For eksempel '
        f'{esc(_placeholder(lst))}">'
        '<p class="treff" aria-live="polite"></p>'
        + table(["Kode", "Tekst", "Gyldig fra", "Gyldig til", "Etterfølger", "Merknad"], [], "kodetabell")
        + "</div>"
        f"<noscript><p>Søket krever JavaScript. Hele kodeverket finnes som "
        f"{page.a(f'nedlasting/kodeverk/{lst.name}.csv', f'{lst.name}.csv')}.</p></noscript>"
    )


def _placeholder(lst: CodeList) -> str:
    codes = sorted(lst.codes())
    return codes[len(codes) // 2] if codes else ""


# --- municipality changes --------------------------------------------------------------


def municipality_changes(lst: CodeList) -> dict[int, list[tuple[CodeEntry, list[CodeEntry | str]]]]:
    """Year of change -> [(ended entry, its successors valid on the change date)], from the data."""
    changes: dict[int, list[tuple[CodeEntry, list[CodeEntry | str]]]] = {}
    for code in sorted(lst.codes()):
        for entry in lst.entries(code):
            if entry.valid_to is None or not entry.successor:
                continue
            day = entry.valid_to + timedelta(days=1)
            successors = [lst.lookup(s, day) or s for s in entry.successor]
            changes.setdefault(day.year, []).append((entry, successors))
    return dict(sorted(changes.items()))


def _successor_html(successors: list) -> str:
    return "<br>".join(f"<code>{esc(s.code)}</code> {esc(s.text)}" if isinstance(s, CodeEntry) else f"<code>{esc(s)}</code>"
                       for s in successors)


def _municipality_section(lst: CodeList) -> str:
    counts = [[esc(e.label), esc(_date(e.valid_from)),
               esc(sum(1 for c in lst.codes() if (x := lst.lookup(c, e.valid_from)) and x.kind != "special"))]
              for e in lst.editions if e.valid_from]
    parts = ['<h2 id="endringer">Kommuneendringer</h2>',
             "<p>Endringene trer i kraft 1. januar. Et opphold kontrolleres mot kommunenumrene som gjaldt på "
             "oppholdets egen dato. Tabellene er avledet av gyldighetsperiodene og etterfølgerne i kodeverket.</p>",
             table(["Inndeling", "Gjelder fra", "Antall kommuner"], counts)]
    changes = municipality_changes(lst)
    if changes:
        years = ", ".join(f'<a href="#endringer-{y}">{y}</a>' for y in changes)
        parts.append(f"<p>Endringer: {years}.</p>")
    for year, rows in changes.items():
        parts.append(f'<h3 id="endringer-{year}">Endringer 1. januar {year} ({len(rows)} kommunenummer)</h3>')
        parts.append(table(
            ["Kommunenummer", "Navn", "Gyldig fra", "Gyldig til", "Nytt kommunenummer"],
            [[f"<code>{esc(e.code)}</code>", esc(e.text), esc(_date(e.valid_from)), esc(_date(e.valid_to)),
              _successor_html(successors)] for e, successors in rows],
        ))
    return "\n".join(parts)


# --- pages -----------------------------------------------------------------------------


def codelist_page(ctx: SiteContext, name: str) -> tuple[Page, str | None]:
    """The page of one list and, for a large list, its data script's text."""
    lst = ctx.codelists[name]
    page = Page(ctx.codelist_page(name), lst.title_nb or name)
    large = len(lst) > LARGE_LIST
    parts = [f"<h1>{esc(lst.title_nb or name)}</h1>", _model_enum_note(ctx, name), _facts(lst), _users(ctx, page, name),
             f"<p>Last ned: {page.a(f'nedlasting/kodeverk/{name}.csv', f'{name}.csv')}.</p>"]
    parts.append(_search_table(lst, page) if large else _full_table(lst))
    if name == "kommunenummer":
        parts.append(_municipality_section(lst))
    parts.append(_editions(lst))
    parts.append(_conversion(name))
    page.body = "\n".join(p for p in parts if p)
    if not large:
        return page, None
    page.scripts = [data_path(name), SEARCH_SCRIPT_PATH]
    return page, data_script(lst)


def codelist_index(ctx: SiteContext) -> Page:
    page = Page("kodeverk/index.html", "Kodeverk")
    rows = []
    for name in ctx.codelists.names():
        lst = ctx.codelists[name]
        users = ", ".join(f"{c.name}.{a.name}" for c, a in ctx.users_of_codelist(name))
        rows.append([page.a(ctx.codelist_page(name), lst.title_nb or name), esc(lst.oid), esc(len(lst)),
                     esc(", ".join(e.label for e in lst.editions)), esc(users)])
    page.body = ("<h1>Kodeverk</h1><p>Kodeverkene meldingen bruker, med opprinnelse og gyldighet. Små kodeverk "
                 "vises i sin helhet; ICD-10, ICPC-2 og kommunenummer har søk. Store kodeverk kontrolleres mot "
                 "utgaven som gjaldt på oppholdets innleggelsesdato.</p>"
                 + table(["Kodeverk", "OID", "Antall koder", "Utgaver", "Brukes av"], rows))
    return page
