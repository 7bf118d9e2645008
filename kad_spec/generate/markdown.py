"""Markdown reference of the model, in bokmål, for ``generated/docs/``."""

from __future__ import annotations

from kad_spec.spec.model import Attribute, Model

PROPOSAL_ITEMS = {
    "1": "Virksomhet (navn, adresse og organisasjonsnummer)",
    "2": "Tjenestekommune, eller kommuner dersom virksomheten er interkommunal (kommunenummer)",
    "3": "Pasient (fødselsnummer eller annen offisiell ID, kjønn, alder og bostedskommune)",
    "4": "Innleggelsestidspunkt (år, dato og klokkeslett)",
    "5": "Utskrivningstidspunkt (år, dato og klokkeslett)",
    "6": "Innskrivningsdiagnose (ICPC-2 eller ICD-10, en eller flere)",
    "7": "Utskrivningsdiagnose (ICPC-2 eller ICD-10, en eller flere)",
    "8": "Henvisende virksomhet (kategori med kodeverk og organisasjonsnummer/HER-ID)",
    "9": "Utskrevet til (kategori med kodeverk og organisasjonsnummer/HER-ID)",
}


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _range_text(m: Model, attr: Attribute) -> str:
    if attr.range in m.classes:
        return f"[{attr.range}]({attr.range}.md)"
    if attr.range in m.enums:
        enum = m.enums[attr.range]
        oid = f" (OID {enum.oid})" if enum.oid else ""
        return f"[{attr.range}](kodeverk.md#{attr.range.lower()}){oid}"
    return attr.range


def _flag(attr: Attribute) -> str:
    return f"{attr.requirement}: {attr.condition}" if attr.condition else attr.requirement


def traceability(m: Model) -> list[tuple[str, str, list[tuple[str, Attribute]]]]:
    rows = []
    for item, text in PROPOSAL_ITEMS.items():
        elements = [("/".join(p), a) for p, a in m.walk() if a.item == item]
        rows.append((item, text, elements))
    return rows


def index_page(m: Model) -> str:
    lines = [
        f"# {m.title}",
        "",
        m.description,
        "",
        f"- Spesifikasjonsversjon: **{m.version}**",
        f"- Publisert: {m.annotations.get('publisert')}",
        f"- Gjelder fra: {m.annotations.get('ikrafttredelse')}",
        f"- XML-navnerom: `{m.namespace}`",
        "",
        "## Sporbarhet til høringsnotatet",
        "",
        "| Punkt | Opplysning i høringsnotatet | Element | Kardinalitet | Krav |",
        "|---|---|---|---|---|",
    ]
    for item, text, elements in traceability(m):
        for path, attr in elements:
            lines.append(f"| {item} | {_cell(text)} | `{path}` | {attr.cardinality} | {_cell(_flag(attr))} |")
    lines += ["", "## Klasser", ""]
    for cls in m.classes.values():
        lines.append(f"- [{cls.name}]({cls.name}.md): {_cell(cls.description)}")
    lines += ["", "## Kodeverk og regler", "", "Se [kodeverk](kodeverk.md), [kodelister](kodelister.md) og [regler](regler.md).", ""]
    return "\n".join(lines)


def class_page(m: Model, name: str) -> str:
    cls = m.classes[name]
    lines = [
        f"# {cls.name}",
        "",
        cls.description,
        "",
        "| Element | Beskrivelse | Type | Kardinalitet | Krav | Mønster |",
        "|---|---|---|---|---|---|",
    ]
    for attr in cls.attributes:
        pattern = m.pattern_of(attr)
        pattern_cell = f"`{_cell(pattern)}`" if pattern else ""
        lines.append(
            f"| `{attr.name}` | {_cell(attr.description)} | {_range_text(m, attr)} | "
            f"{attr.cardinality} | {_cell(_flag(attr))} | {pattern_cell} |"
        )
    return "\n".join(lines) + "\n"


def codes_page(m: Model) -> str:
    lines = ["# Kodeverk", "", "Små kodeverk som er tatt inn i skjemaene som oppramsinger.", ""]
    for enum in m.enums.values():
        lines += [f"## {enum.name}", "", _cell(enum.description), ""]
        if enum.oid:
            lines.append(f"- OID: `{enum.oid}`")
        if enum.annotations.get("source"):
            lines.append(f"- Kilde: {enum.annotations['source']}")
        lines += ["", "| Kode | Tekst | Engelsk |", "|---|---|---|"]
        lines += [f"| `{v.code}` | {_cell(v.description)} | {_cell(v.title_en)} |" for v in enum.values]
        lines.append("")
    lines += ["## Typer med mønster", "", "| Type | Beskrivelse | Mønster |", "|---|---|---|"]
    for t in m.types.values():
        lines.append(f"| {t.name} | {_cell(t.description)} | `{_cell(t.pattern or '')}` |")
    return "\n".join(lines) + "\n"


def codelists_page(lists) -> str:
    lines = [
        "# Kodelister",
        "",
        "Kodelistene validatoren bruker, med utgave, kilde og lisens. Koder kontrolleres mot",
        "utgaven som gjaldt på oppholdets innleggelsesdato.",
        "",
        "| Kodeliste | Navn | OID | Utgaver | Antall koder | Kilde | Lisens |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in lists.names():
        lst = lists[name]
        editions = "; ".join(
            f"{e.label} ({e.valid_from or '…'}–{e.valid_to or '…'})" for e in lst.editions
        )
        lines.append(
            f"| `{name}` | {_cell(lst.title_nb)} | {lst.oid or ''} | {_cell(editions)} | "
            f"{len(lst.codes())} | {_cell(lst.source)} | {_cell(lst.licence)} |"
        )
    return "\n".join(lines) + "\n"


def rules_page(rules, m: Model) -> str:
    from kad_spec.spec.coverage import checked_by_text

    lines = ["# Regler", "", "Kontrolleres av: hvilke publiserte skjema som avviser en melding som bryter regelen; "
             "kad-spec kontrollerer alle, historikkreglene (KAD-REG) i registeret (`kad-spec register ingest`).", "",
             "| Regel | Alvorlighet | Tittel | Gitt / når / så | Kontrolleres av |", "|---|---|---|---|---|"]
    for rule in rules.values():
        gwt = f"Gitt {rule.given}, når {rule.when}, så {rule.then}."
        lines.append(f"| `{rule.id}` | {rule.severity} | {_cell(rule.title)} | {_cell(gwt)} | {checked_by_text(rule, m)} |")
    return "\n".join(lines) + "\n"


def generate_markdown(m: Model, lists, rules) -> dict[str, str]:
    pages = {
        "index.md": index_page(m),
        "kodeverk.md": codes_page(m),
        "kodelister.md": codelists_page(lists),
        "regler.md": rules_page(rules, m),
    }
    for name in m.classes:
        pages[f"{name}.md"] = class_page(m, name)
    return pages
