"""The rule catalogue: an index and one page per rule at ``regler/<rule-id-lower>.html``.

Validation reports link to these pages. Each example shows its patch against the base
example and the resulting fragment (the object the patch changed), computed at build time.
"""

from __future__ import annotations

import json

from kad_spec.spec.catalogue import Example, Rule
from kad_spec.spec.coverage import checked_by_text
from kad_spec.spec.findings import mask_digits
from kad_spec.spec import pointer as json_pointer
from kad_spec.spec.patch import PatchError, apply_patch
from kad_spec.spec.patch import get as value_at

from .context import BASE_EXAMPLE, SiteContext
from .fragments import pretty_json
from .layout import Page, code_block, esc, table

SEVERITY_NAMES = {"error": "Feil", "warning": "Advarsel"}
EXPECT_NAMES = {"pass": "Består", "fail": "Feiler"}


def implementation_html(rule) -> str:
    """Where the rule is checked: its check functions, the schema keywords, or the reader."""
    impl = rule.implementation
    if impl.kind == "schema":
        keywords = sorted({claim.keyword for claim in impl.claims})
        return "skjemaet (" + ", ".join(f"<code>{esc(k)}</code>" for k in keywords) + ")"
    names = ", ".join(f"<code>{esc(name)}</code>" for name in impl.handlers)
    if impl.kind == "history":
        return f"registerets historikkregler {names}"
    return names if impl.kind == "check" else f"leseren {names}"


def area_title(area: dict, name: str) -> str:
    return str(area.get("title") or name.capitalize())


def severity_html(severity: str) -> str:
    return f'<span class="alvor alvor-{esc(severity)}">{esc(SEVERITY_NAMES.get(severity, severity))}</span>'


def fields_html(ctx: SiteContext, page: Page, rule: Rule) -> str:
    if not rule.fields:
        return "hele filen"
    items = []
    for dotted in rule.fields:
        hit = ctx.resolve_field(dotted)
        if dotted == "*":
            items.append("alle elementer")
        elif hit:
            cls, attr = hit
            items.append(page.a(f"{ctx.class_page(cls.name)}#{attr.name}", dotted))
        else:
            items.append(f"<code>{esc(dotted)}</code>")
    return ", ".join(items)


def rule_page(ctx: SiteContext, rule: Rule, files: list[str] = ()) -> Page:
    """The rule's page; ``files`` are the site paths of example files that break it."""
    page = Page(ctx.rule_page(rule.id), f"{rule.id} {rule.title}")
    area = ctx.areas.get(rule.area, {})
    facts = [
        ("Regel-id", f"<code>{esc(rule.id)}</code>"),
        ("Alvorlighet", severity_html(rule.severity)),
        ("Område", page.a(f"regler/index.html#omraade-{rule.area}", area_title(area, rule.area))),
        ("Engelsk tittel", esc(rule.title_en)),
        ("Felt", fields_html(ctx, page, rule)),
    ]
    facts.append(("Kontrolleres av", esc(checked_by_text(rule, ctx.model))))
    facts.append(("Implementert i", implementation_html(rule)))
    for claim in rule.implementation.claims:
        if claim.field is not None:
            facts.append(("Skjemafeil", esc(f"{claim.keyword} på {claim.field}")))
    parts = [
        f"<h1>{esc(rule.id)}: {esc(rule.title)}</h1>",
        '<dl class="fakta">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>",
        '<h2 id="beskrivelse">Beskrivelse</h2>',
        '<dl class="gwt">'
        f"<dt>Gitt</dt><dd>{esc(rule.given)}</dd><dt>Når</dt><dd>{esc(rule.when)}</dd>"
        f"<dt>Så</dt><dd>{esc(rule.then)}</dd></dl>",
        f'<p class="merknad">{esc(" ".join(str(rule.extra["note"]).split()))}</p>' if rule.extra.get("note") else "",
        '<h2 id="meldinger">Meldinger</h2>',
        table(["Språk", "Meldingsmal"], [["bokmål", f"<code>{esc(rule.message_nb)}</code>"],
                                         ["engelsk", f"<code>{esc(rule.message_en)}</code>"]]),
        "<p>Feltene i klammer, som <code>{element}</code>, fylles inn med detaljer om funnet.</p>",
        '<h2 id="eksempler">Eksempler</h2>',
        _examples_intro(page, rule),
    ]
    parts += [example_html(ctx, page, rule, index, example) for index, example in enumerate(rule.examples, start=1)]
    if files:
        links = "".join(f"<li>{page.a(path, path.split('/')[-1])}</li>" for path in files)
        parts.append(f'<h2 id="eksempelfiler">Eksempelfiler</h2><p>Hele meldinger som bryter regelen:</p><ul>{links}</ul>')
    parts.append(f"<p>{page.a('regler/index.html', 'Alle regler')}</p>")
    page.body = "\n".join(parts)
    return page


def _examples_intro(page: Page, rule: Rule) -> str:
    base = page.a(f"nedlasting/eksempler/{BASE_EXAMPLE}", BASE_EXAMPLE)
    if rule.implementation.kind == "history":
        return (f"<p>Eksemplene er rekker av meldinger, hver laget av eksempelmeldingen {base} med egen "
                "<code>melding_id</code> og <code>opprettet</code>, bare de oppholdene som er nevnt (nummer i "
                "eksempelmeldingen, fra 0), og en endring (JSON Patch, RFC 6902). Testene tar meldingene inn i et "
                "tomt register, én etter én, med <code>kad-spec register ingest</code>, og ser etter regelen på "
                "virksomhetens åpne liste.</p>")
    return (f"<p>Eksemplene er endringer (JSON Patch, RFC 6902) av eksempelmeldingen {base}, eller en hel fil. "
            "Testene kjører dem mot validatoren.</p>")


def example_html(ctx: SiteContext, page: Page, rule: Rule, index: int, example: Example) -> str:
    expect = f'<span class="forventet forventet-{esc(example.expect)}">{esc(EXPECT_NAMES.get(example.expect, example.expect))}</span>'
    name = f' <code class="eksempelnavn">{esc(example.name)}</code>' if example.name else ""
    head = f'<h3 id="eksempel-{index}">Eksempel {index}: {expect}{name}</h3>'
    description = f"<p>{esc(example.description)}</p>" if example.description else ""
    if example.sequence is not None:
        return head + description + _sequence_html(ctx, example.sequence)
    if example.raw is not None:
        encoding = "" if example.encoding.lower() in ("utf-8", "utf8") else f" Filen lagres med tegnkoding {esc(example.encoding)}."
        return (head + description + f"<p>Hele filen ({esc(example.format.upper())}).{encoding}</p>"
                + code_block(mask_digits(example.raw), example.format, "Fil"))
    if example.envelope is not None:
        if not example.envelope:
            return head + description + "<p>Eksempelkonvolutten konvolutt-kad-melding.xml uendret.</p>"
        edits = mask_digits(json.dumps(list(example.envelope), ensure_ascii=False, indent=2))
        return head + description + code_block(edits, "json", "Endring i eksempelkonvolutten konvolutt-kad-melding.xml (XPath)")
    if not example.patch:
        return head + description + "<p>Eksempelmeldingen uendret.</p>"
    return head + description + _patch_html(ctx, list(example.patch))


def _sequence_html(ctx: SiteContext, sequence) -> str:
    """Each message of a history rule's example: its id, time and stays, and its change."""
    items = []
    for number, step in enumerate(sequence, start=1):
        try:
            message = step.document(ctx.message)
        except (PatchError, IndexError, KeyError) as exc:
            items.append(f'<li><p class="merknad">Melding {number} kan ikke lages av eksempelmeldingen: {esc(exc)}</p></li>')
            continue
        stays = ", ".join(f"<code>{esc(stay.get('opphold_id', '?'))}</code> ({esc(stay.get('status', '?'))})"
                          for stay in message.get("opphold", [])) or "ingen"
        facts = (f"<p>Melding {number}: <code>melding_id</code> <code>{esc(step.melding_id)}</code>, opprettet "
                 f"<code>{esc(step.opprettet)}</code>; opphold: {stays}.</p>")
        description = f"<p>{esc(step.description)}</p>" if step.description else ""
        change = _patch_html(ctx, list(step.patch), base=_before_patch(ctx.message, step)) if step.patch else ""
        items.append(f"<li>{facts}{description}{change}</li>")
    return '<ol class="sekvens">' + "".join(items) + "</ol>"


def _before_patch(base: dict, step) -> dict:
    """The message of a sequence step before its patch: the stays it names, its id and time."""
    from dataclasses import replace

    return replace(step, patch=()).document(base)


def _patch_html(ctx: SiteContext, ops: list[dict], base: dict | None = None) -> str:
    patch_text = mask_digits(json.dumps(ops, ensure_ascii=False, indent=2))
    parts = [code_block(patch_text, "json", "Endring (JSON Patch)")]
    try:
        patched = apply_patch(ctx.message if base is None else base, ops)
    except PatchError as exc:
        return parts[0] + f'<p class="merknad">Endringen kan ikke brukes på eksempelmeldingen: {esc(exc)}</p>'
    shown: list[str] = []
    for op in ops:
        where = json_pointer.parent(op["path"])
        if where in shown:
            continue
        shown.append(where)
        try:
            value = value_at(patched, where)
        except PatchError:
            continue
        parts.append(code_block(pretty_json(value), "json", f"Resultat: {esc(where or '/')}"))
    return '<div class="fragmenter">' + "".join(parts) + "</div>"


def rule_index(ctx: SiteContext) -> Page:
    page = Page("regler/index.html", "Regler")
    parts = ["<h1>Regler</h1>",
             "<p>Hver regel har en stabil id, en alvorlighet (feil avviser, advarsel gjør ikke), en beskrivelse "
             "etter mønsteret gitt–når–så, meldinger på bokmål og engelsk og eksempler som består og feiler. "
             "Valideringsrapportene lenker til regelsidene.</p>"]
    by_area: dict[str, list[Rule]] = {}
    for rule in ctx.rules.values():
        by_area.setdefault(rule.area, []).append(rule)
    for area_name in sorted(by_area):
        area = ctx.areas.get(area_name, {})
        parts.append(f'<h2 id="omraade-{esc(area_name)}">{esc(area_title(area, area_name))}</h2>')
        if area.get("description"):
            parts.append(f"<p>{esc(' '.join(str(area['description']).split()))}</p>")
        parts.append(rule_table(ctx, page, sorted(by_area[area_name], key=lambda r: r.id)))
    page.body = "\n".join(parts)
    return page


def rule_table(ctx: SiteContext, page: Page, rules: list[Rule] | None = None) -> str:
    rules = rules if rules is not None else sorted(ctx.rules.values(), key=lambda r: r.id)
    rows = [[page.a(ctx.rule_page(r.id), r.id), esc(r.title), severity_html(r.severity), fields_html(ctx, page, r),
             esc(checked_by_text(r, ctx.model))] for r in rules]
    return table(["Regel", "Tittel", "Alvorlighet", "Felt", "Kontrolleres av"], rows)


def rule_summary(ctx: SiteContext, page: Page) -> str:
    """All rules with their Given/When/Then, for the print page."""
    parts = [rule_table(ctx, page)]
    for rule in sorted(ctx.rules.values(), key=lambda r: r.id):
        parts.append(f'<h3 id="u-{esc(rule.id.lower())}">{esc(rule.id)}: {esc(rule.title)}</h3>'
                     f"<p>{severity_html(rule.severity)} Gitt {esc(rule.given)}, når {esc(rule.when)}: "
                     f"{esc(rule.then)}.</p><p><code>{esc(rule.message_nb)}</code></p>")
    return "\n".join(parts)
