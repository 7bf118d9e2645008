"""Front page, traceability, model (diagram and types), class pages, change log, print page."""

from __future__ import annotations

from kad_spec.generate.markdown import PROPOSAL_ITEMS, traceability
from kad_spec.spec.model import Attribute, Class

from .context import BASE_EXAMPLE, SiteContext, norwegian_date
from .diagram import render_svg
from .fragments import first_occurrences, pretty_json, xml_document, xml_fragment
from .layout import Page, code_block, esc, paragraphs, slug, table

REQUIREMENT_NAMES = {"O": "obligatorisk", "V": "valgfri", "B": "betinget", "I": "ignorer", "F": "fast verdi"}
CHANGE_KINDS = {"breaking": "Brytende", "non-breaking": "Ikke brytende", "documentation": "Dokumentasjon"}


def requirement_html(attr: Attribute) -> str:
    flag = attr.requirement
    text = f'<abbr class="krav" title="{esc(REQUIREMENT_NAMES.get(flag, flag))}">{esc(flag)}</abbr>'
    if attr.condition:
        text += f'<span class="betingelse">{esc(attr.condition)}</span>'
    return text


def type_html(ctx: SiteContext, page: Page, attr: Attribute) -> str:
    m = ctx.model
    if attr.range in m.classes:
        return page.a(ctx.class_page(attr.range), attr.range)
    if attr.range in m.enums and m.enums[attr.range].codelist in ctx.codelists:
        return page.a(ctx.codelist_page(m.enums[attr.range].codelist), attr.range)
    if attr.range in m.types:
        return page.a(ctx.type_anchor(attr.range), attr.range)
    return f"<code>{esc(attr.range)}</code>"


def codelist_html(ctx: SiteContext, page: Page, cls: Class, attr: Attribute) -> str:
    parts = []
    for name in ctx.codelists_for(cls, attr):
        lst = ctx.codelists[name]
        oid = f"<br><small>OID {esc(lst.oid)}</small>" if lst.oid else ""
        parts.append(page.a(ctx.codelist_page(name), lst.title_nb or name) + oid)
    return "<br>".join(parts)


# --- front page ----------------------------------------------------------------------


def front_page(ctx: SiteContext, downloads: list[tuple[str, str, str, str | None]]) -> Page:
    m, about = ctx.model, ctx.about
    page = Page("index.html", m.title)
    latest = ctx.changelog[0] if ctx.changelog else {}
    facts = [
        ("Spesifikasjonsversjon", esc(m.version)),
        ("Status", esc(latest.get("status", ""))),
        ("Publisert", esc(norwegian_date(m.annotations.get("publisert", "")))),
        ("Gjelder fra", esc(norwegian_date(m.annotations.get("ikrafttredelse", "")))),
        ("XML-navnerom", f"<code>{esc(m.namespace)}</code>"),
        ("Modell", f"<code>{esc(m.id)}</code>"),
    ]
    body = [f"<h1>{esc(m.title)}</h1>", f'<p class="ingress">{esc(m.description)}</p>',
            '<dl class="fakta">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts if v) + "</dl>"]
    for section in about.get("avsnitt") or []:
        body.append(f"<h2 id=\"{slug(section['tittel'])}\">{esc(section['tittel'])}</h2>")
        body.append(paragraphs(section.get("tekst", "")))
    body.append(_source_section(about))
    body.append(_items_section(page))
    body.append(_contents_section(page))
    body.append(_downloads_section(ctx, page, downloads))
    page.body = "\n".join(body)
    return page


def _source_section(about: dict) -> str:
    source = about.get("kilde") or {}
    quotes = "".join(f"<blockquote><p>«{esc(q)}»</p></blockquote>" for q in about.get("sitater") or [])
    return (f'<h2 id="kilde">Kilde</h2><p>Sammendraget bygger på <cite>{esc(" ".join(str(source.get("tittel", "")).split()))}'
            f"</cite> ({esc(source.get('utgiver', ''))}). {esc(' '.join(str(source.get('merknad', '')).split()))}</p>"
            f"{quotes}")


def _items_section(page: Page) -> str:
    items = "".join(f"<li>{esc(text)}</li>" for text in PROPOSAL_ITEMS.values())
    return (f'<h2 id="ni-opplysninger">De ni opplysningene</h2><ol>{items}</ol>'
            f"<p>Hvilke elementer i meldingen som realiserer hver opplysning, står i "
            f"{page.a('sporbarhet.html', 'sporbarhetstabellen')}.</p>")


def _contents_section(page: Page) -> str:
    links = [
        ("sporbarhet.html", "Sporbarhet", "fra høringsnotatets ni punkter til elementene i meldingen"),
        ("modell.html", "Modell", "klassediagram, klasser og datatyper"),
        ("kodeverk/index.html", "Kodeverk", "små kodeverk i sin helhet; ICD-10, ICPC-2 og kommunenummer med søk"),
        ("regler/index.html", "Regler", "valideringsreglene med eksempler som består og feiler"),
        ("endringslogg.html", "Endringslogg", "versjonene av spesifikasjonen"),
        ("arlig-endring.html", "Årlig endring", "den årlige endringen av modell og kodeverk, steg for steg"),
        ("utskrift.html", "Utskrift", "hele spesifikasjonen på én side, for utskrift"),
    ]
    items = "".join(f"<li>{page.a(t, label)}: {esc(text)}</li>" for t, label, text in links)
    return f'<h2 id="innhold">Innhold</h2><ul>{items}</ul>'


def _downloads_section(ctx: SiteContext, page: Page, downloads: list[tuple[str, str, str, str | None]]) -> str:
    """Downloads by group; invalid examples link to the rule they break."""
    parts = ['<h2 id="nedlasting">Nedlasting</h2>',
             "<p>Filene er de samme som verktøyet bruker: skjemaene er generert fra modellen, og validatoren "
             "kontrollerer meldinger mot nettopp disse.</p>"]
    groups: dict[str, list[list[str]]] = {}
    for group, path, text, rule in downloads:
        shown = path.removeprefix("nedlasting/").removeprefix("eksempler/")
        description = esc(text.removesuffix(f": regel {rule}")) if rule else esc(text)
        if rule:
            description += ": " + page.a(ctx.rule_page(rule), rule)
        groups.setdefault(group, []).append([page.a(path, shown), description])
    for group, rows in groups.items():
        parts.append(f"<h3 id=\"nedlasting-{slug(group.split(',')[0])}\">{esc(group)}</h3>")
        parts.append(table(["Fil", "Innhold"], rows))
    return "\n".join(parts)


# --- traceability --------------------------------------------------------------------


def traceability_body(ctx: SiteContext, page: Page, id_prefix: str = "") -> str:
    rows = []
    for item, text, elements in traceability(ctx.model):
        if not elements:
            rows.append([esc(item), esc(text), "<em>ikke realisert</em>", "", ""])
        for path, attr in elements:
            target = f"{ctx.class_page(attr.owner)}#{attr.name}"
            rows.append([
                f'<span id="{id_prefix}punkt-{item}">{esc(item)}</span>' if path == elements[0][0] else esc(item),
                esc(text),
                page.a(target, path.replace("/", ".")),
                esc(attr.cardinality),
                requirement_html(attr),
            ])
    admin = [(path, attr) for path, attr in ctx.model.walk() if not attr.item]
    admin_rows = [[page.a(f"{ctx.class_page(a.owner)}#{a.name}", "/".join(p).replace("/", ".")),
                   esc(a.cardinality), requirement_html(a), esc(a.description)] for p, a in admin]
    legend = ("<p>Krav: <strong>O</strong> obligatorisk, <strong>V</strong> valgfri, "
              "<strong>B</strong> betinget (med betingelsen). Kardinaliteten gjelder elementet der det står; "
              "et opphold kan forekomme 0..n ganger i en melding.</p>")
    return (legend + table(["Punkt", "Opplysning i høringsnotatet", "Element", "Kardinalitet", "Krav"], rows, "sporbarhet")
            + f'<h2 id="{id_prefix}administrative">Elementer uten punkt i høringsnotatet</h2>'
            + "<p>Administrative opplysninger og struktur som meldingen trenger; de er ikke analysegrunnlag.</p>"
            + table(["Element", "Kardinalitet", "Krav", "Beskrivelse"], admin_rows))


def traceability_page(ctx: SiteContext) -> Page:
    page = Page("sporbarhet.html", "Sporbarhet til høringsnotatet")
    page.body = ("<h1>Sporbarhet til høringsnotatet</h1>"
                 "<p>Hvert av høringsnotatets ni punkter og elementene i meldingen som realiserer det.</p>"
                 + traceability_body(ctx, page))
    return page


# --- model page ----------------------------------------------------------------------


def model_page(ctx: SiteContext) -> Page:
    m = ctx.model
    page = Page("modell.html", "Modell")
    classes = [[page.a(ctx.class_page(c.name), c.name), esc(c.annotations.get("title_en", "")), esc(c.description)]
               for c in m.classes.values()]
    types = []
    for t in m.types.values():
        identity = esc(t.annotations.get("oid", ""))
        listed = t.annotations.get("codelist")
        if listed in ctx.codelists:  # the type's values come from a code list: name it, with the list's OID
            lst = ctx.codelists[listed]
            identity = page.a(ctx.codelist_page(listed), lst.title_nb or listed) + (f"<br><small>OID {esc(lst.oid)}</small>" if lst.oid else "")
        types.append([f'<span id="type-{slug(t.name)}">{esc(t.name)}</span>', esc(t.description), esc(t.base),
                      f"<code>{esc(t.pattern)}</code>" if t.pattern else "", identity])
    page.body = "\n".join([
        "<h1>Modell</h1>",
        f"<p>{esc(m.description)}</p>",
        '<h2 id="diagram">Klassediagram</h2>',
        "<p>Klassene og hvordan de henger sammen. Tallene er kardinaliteten til elementet som peker på klassen. "
        f"Klikk på en klasse for detaljer. Diagrammet finnes også som {page.a('modell.svg', 'SVG-fil')}.</p>",
        f'<div class="diagram">{render_svg(m)}</div>',
        '<h2 id="klasser">Klasser</h2>',
        table(["Klasse", "Engelsk", "Beskrivelse"], classes),
        '<h2 id="typer">Datatyper</h2>',
        table(["Type", "Beskrivelse", "Grunntype", "Mønster", "OID eller kodeverk"], types),
    ])
    return page


# --- class pages ---------------------------------------------------------------------


def class_body(ctx: SiteContext, page: Page, cls: Class, id_prefix: str = "", heading: int = 1) -> str:
    h, h2 = f"h{heading}", f"h{heading + 1}"
    parts = [f'<{h} id="{id_prefix}klasse">{esc(cls.name)}</{h}>',
             f"<p>{esc(cls.description)}</p>"]
    if cls.annotations.get("title_en"):
        parts.append(f"<p>Engelsk: <em>{esc(cls.annotations['title_en'])}</em></p>")
    parents = ctx.parents_of(cls.name)
    if parents:
        used = ", ".join(page.a(f"{ctx.class_page(p.name)}#{a.name}", f"{p.name}.{a.name}") for p, a in parents)
        parts.append(f"<p>Brukes i {used}.</p>")
    if cls.tree_root:
        parts.append("<p>Rotklassen: én fil er én melding av denne klassen.</p>")
    parts.append(f'<{h2} id="{id_prefix}elementer">Elementer</{h2}>')
    parts.append(table(["Element", "Beskrivelse", "Type", "Kardinalitet", "Krav", "Kodeverk", "Mønster", "Punkt"],
                       [_element_row(ctx, page, cls, a, id_prefix) for a in cls.attributes], "elementer"))
    for rule in cls.rules:
        parts.append(f'<p class="merknad">Betinget krav: {esc(" ".join(str(rule.get("description", "")).split()))}</p>')
    rules = ctx.rules_for_class(cls.name)
    if rules:
        items = "".join(f"<li>{page.a(ctx.rule_page(r.id), r.id)}: {esc(r.title)}</li>" for r in rules)
        parts.append(f'<{h2} id="{id_prefix}regler">Regler</{h2}><ul>{items}</ul>')
    return "\n".join(parts)


def _element_row(ctx: SiteContext, page: Page, cls: Class, attr: Attribute, id_prefix: str) -> list[str]:
    pattern = ctx.model.pattern_of(attr)
    description = esc(attr.description)
    if attr.minimum_value is not None or attr.maximum_value is not None:
        description += f" <small>(verdi {esc(attr.minimum_value)}–{esc(attr.maximum_value)})</small>"
    item = attr.item or ""
    item_html = page.a(f"sporbarhet.html#punkt-{item}", item) if item else ""
    return [
        f'<code id="{id_prefix}{esc(attr.name)}">{esc(attr.name)}</code>',
        description,
        type_html(ctx, page, attr),
        esc(attr.cardinality),
        requirement_html(attr),
        codelist_html(ctx, page, cls, attr),
        f"<code>{esc(pattern)}</code>" if pattern else "",
        item_html,
    ]


def example_body(ctx: SiteContext, cls: Class, occurrences: dict, xml_root) -> str:
    if cls.name not in occurrences:
        return "<p>Klassen forekommer ikke i eksempelmeldingen.</p>"
    pointer, value = occurrences[cls.name]
    where = f"examples/{BASE_EXAMPLE}, {pointer or '/'}"
    return ('<h2 id="eksempel">Eksempel</h2>'
            f"<p>Første forekomst i eksempelmeldingen ({esc(where)}), som JSON og som XML. "
            "Personidentifikatorer vises bare med de to siste sifrene.</p>"
            '<div class="fragmenter">'
            + code_block(pretty_json(value), "json", "JSON")
            + code_block(xml_fragment(xml_root, pointer), "xml", "XML")
            + "</div>")


def class_pages(ctx: SiteContext) -> list[Page]:
    occurrences = first_occurrences(ctx.model, ctx.message)
    xml_root = xml_document(ctx.message, ctx.model)
    pages = []
    for cls in ctx.model.classes.values():
        page = Page(ctx.class_page(cls.name), cls.name)
        page.body = class_body(ctx, page, cls) + "\n" + example_body(ctx, cls, occurrences, xml_root)
        pages.append(page)
    return pages


# --- change log ----------------------------------------------------------------------


def changelog_page(ctx: SiteContext) -> Page:
    page = Page("endringslogg.html", "Endringslogg")
    parts = ["<h1>Endringslogg</h1>",
             "<p>Versjonene av spesifikasjonen, nyeste først. Brytende endringer krever ny hovedversjon.</p>"]
    for version in ctx.changelog:
        number = str(version.get("version", ""))
        parts.append(f'<h2 id="v{esc(number)}">Versjon {esc(number)}</h2>')
        facts = [("Dato", norwegian_date(version.get("date", ""))), ("Status", version.get("status", ""))]
        parts.append('<dl class="fakta">' + "".join(f"<dt>{k}</dt><dd>{esc(v)}</dd>" for k, v in facts if v) + "</dl>")
        if version.get("summary"):
            parts.append(paragraphs(version["summary"]))
        rows = [[esc(CHANGE_KINDS.get(c.get("kind", ""), c.get("kind", ""))), _element_link(ctx, page, c.get("element", "")),
                 esc(" ".join(str(c.get("description", "")).split())), esc(c.get("check", ""))]
                for c in version.get("changes") or []]
        if rows:
            parts.append(table(["Type endring", "Element", "Endring", "Kontroll-id"], rows))
    page.body = "\n".join(parts)
    return page


def _element_link(ctx: SiteContext, page: Page, element: str) -> str:
    cls_name, _, attr = str(element).partition(".")
    if cls_name in ctx.model.classes:
        return page.a(ctx.class_page(cls_name) + (f"#{attr}" if attr else ""), element)
    return esc(element)


# --- print page ----------------------------------------------------------------------


def print_page(ctx: SiteContext, rule_summary) -> Page:
    """The whole specification on one page, in reading order, for printing."""
    m = ctx.model
    page = Page("utskrift.html", "Hele spesifikasjonen")
    parts = [f"<h1>{esc(m.title)}</h1>",
             f'<p class="ingress">{esc(m.description)}</p>',
             f"<p>Spesifikasjon {esc(m.version)}, publisert {esc(norwegian_date(m.annotations.get('publisert')))}, "
             f"gjelder fra {esc(norwegian_date(m.annotations.get('ikrafttredelse')))}.</p>",
             '<p class="ikke-utskrift">Denne siden samler spesifikasjonen for utskrift. Kodelister med søk '
             f"(ICD-10, ICPC-2, kommunenummer) er ikke med; se {page.a('kodeverk/index.html', 'kodeverk')}.</p>"]
    for section in ctx.about.get("avsnitt") or []:
        parts.append(f"<h2>{esc(section['tittel'])}</h2>" + paragraphs(section.get("tekst", "")))
    parts.append('<section class="seksjon-utskrift"><h2 id="sporbarhet">Sporbarhet til høringsnotatet</h2>'
                 + traceability_body(ctx, page, "u-") + "</section>")
    parts.append(f'<section class="seksjon-utskrift"><h2 id="modell">Modell</h2><div class="diagram">{render_svg(m)}</div></section>')
    for cls in m.classes.values():
        parts.append('<section class="seksjon-utskrift">'
                     + class_body(ctx, page, cls, f"u-{slug(cls.name)}-", heading=2) + "</section>")
    parts.append('<section class="seksjon-utskrift"><h2 id="regler">Regler</h2>' + rule_summary(ctx, page) + "</section>")
    page.body = "\n".join(parts)
    return page
