"""The page on the envelope and the receipt: ``konvolutt.html``.

Shows the bundled enveloped example, the receipts the validator writes for it and for a
rejected variant (made at build time, with a fixed time and id so the site stays the same),
KPR's addresses, the envelope rules and the decision on what rejects what
(all from ``model/konvolutt.yaml`` and ``model/rules/konvolutt.yaml``).
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path

import yaml

from kad_spec.spec.findings import mask_digits

from .context import SiteContext
from .layout import Page, code_block, esc, table

ENVELOPE_EXAMPLE = "konvolutt-kad-melding.xml"
REJECTED_BY = "KAD-KONV-006"  # the rejected receipt shows a test message sent to production
RECEIPT_TIME = datetime(2025, 3, 5, 5, 10, tzinfo=timezone.utc)


def _receipt(data: bytes, number: int) -> str:
    from kad_spec.reports.apprec import apprec
    from kad_spec.validation.engine import Validator

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ENVELOPE_EXAMPLE
        path.write_bytes(data)
        result = Validator().validate_file(path)
    receipt_id = f"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c{number:02d}"
    return mask_digits(apprec(result, "nb", RECEIPT_TIME, receipt_id).decode("utf-8"))


def envelope_page(ctx: SiteContext) -> Page:
    from kad_spec.message.envelope import apply_edits

    page = Page("konvolutt.html", "Konvolutt og kvittering")
    spec = yaml.safe_load((ctx.sources.model / "konvolutt.yaml").read_text(encoding="utf-8"))
    head, receivers, receipt = spec["hodemelding"], spec["mottaker"], spec["kvittering"]
    example = (ctx.sources.examples / ENVELOPE_EXAMPLE).read_bytes()
    rejected_rule = ctx.rules[REJECTED_BY]
    failing = next(e for e in rejected_rule.examples if e.expect == "fail")
    rejected = apply_edits(example, failing.envelope)
    kind = head["meldingstype"]
    rules = [r for r in sorted(ctx.rules.values(), key=lambda r: r.id) if r.area == "konvolutt"]
    statuses = receipt["statuskodeverk"]
    errors = receipt["feilkodeverk"]
    parts = [
        "<h1>Konvolutt og kvittering</h1>",
        f"<p>KAD-meldingen sendes til KPR i en hodemelding ({esc(head['standard'])}) over Norsk helsenett, "
        "og mottaket svarer med en applikasjonskvittering (AppRec 1.1). <code>kad-spec validate</code> gjenkjenner "
        "en hodemelding på innholdet, kontrollerer konvolutten mot den offisielle XSD-en og meldingen i den som en "
        "vanlig melding, med linjer og XPath i konvoluttfilen. <code>kad-spec envelope wrap</code> og "
        "<code>unwrap</code> legger meldingen i og tar den ut av konvolutten, og "
        "<code>kad-spec validate --format apprec</code> skriver kvitteringen.</p>",
        '<h2 id="meldingstype">Meldingstype og kropp</h2>',
        '<dl class="fakta">'
        f"<dt>MsgInfo/Type</dt><dd><code>{esc(kind['kode'])}</code> ({esc(kind['status'])}): {esc(' '.join(kind['merknad'].split()))}</dd>"
        f"<dt>Kropp</dt><dd>{esc(head['kropp']['brukes'])}/RefDoc/Content. {esc(' '.join(head['kropp']['begrunnelse'].split()))}</dd>"
        "</dl>",
        '<h2 id="adresser">Adresser</h2>',
        table(["Meldingens miljø (meldingsinfo.miljo)", "KPRs HER-id som mottaker"],
              [[esc(env), esc(", ".join(str(i) for i in ids))] for env, ids in receivers["her_id"].items()]),
        f"<p>{esc(' '.join(receivers['merknad'].split()))} Avsenderen er virksomheten: organisasjonsnummer "
        "(<code>Ident</code> med <code>TypeId V=\"ENH\"</code>) og HER-id (<code>V=\"HER\"</code>) som i meldingen.</p>",
        '<h2 id="eksempel">Eksempel på konvolutt</h2>',
        f"<p>{page.a(f'nedlasting/eksempler/{ENVELOPE_EXAMPLE}', ENVELOPE_EXAMPLE)}, skrevet med "
        "<code>kad-spec envelope wrap examples/kad-melding.json</code>:</p>",
        code_block(mask_digits(example.decode("utf-8")), "xml", "Hodemelding med KAD-melding"),
        '<h2 id="kvittering-ok">Kvittering for en gyldig melding</h2>',
        code_block(_receipt(example, 1), "xml", "AppRec, status 1 (OK)"),
        '<h2 id="kvittering-avvist">Kvittering for en avvist melding</h2>',
        f"<p>Samme melding, men sendt til KPRs produksjon selv om den er merket test (regel {page.a(f'regler/{rejected_rule.slug}.html', rejected_rule.id)}):</p>",
        code_block(_receipt(rejected, 2), "xml", "AppRec, status 2 (Avvist)"),
        '<h2 id="status">Status: hva avviser hva</h2>',
        f"<p>{esc(' '.join(receipt['avvisning']['regel'].split()))}</p>",
        f"<p>Områder som avviser hele meldingen: {esc(', '.join(receipt['avvisning']['avviser_hele_meldingen']))}. "
        "Samme beslutning står i sammendraget i alle rapportformater (godtatt, delvis godtatt, avvist).</p>",
        table(["Status (V)", "Tekst", "Utfall"],
              [[esc(code), esc(v["tekst"]), esc(v["utfall"])] for code, v in statuses["koder"].items()]),
        f"<p>Kodeverk: {esc(statuses['navn'])}, OID <code>{esc(statuses['oid'])}</code>; {esc(statuses['kilde'])}.</p>",
        '<h2 id="feilkoder">Feilkoder</h2>',
        f"<p>Hvert feilfunn som avgjør status, blir ett <code>Error</code> med kode fra {esc(errors['navn'])} "
        f"(OID <code>{esc(errors['oid'])}</code>), regel-id og melding (maskert) i <code>DN</code> og linje og XPath i "
        "<code>OT</code>.</p>",
        table(["Kode", "Tekst", "Brukes for"],
              [[esc(code), esc(text), esc(_used_for(receipt["feilkode"], code))] for code, text in errors["koder"].items()]),
        '<h2 id="regler">Regler for konvolutten</h2>',
        table(["Regel", "Tittel"], [[page.a(f"regler/{r.slug}.html", r.id), esc(r.title)] for r in rules]),
    ]
    page.body = "\n".join(parts)
    return page


def _used_for(codes: dict, code: str) -> str:
    uses = [rule for rule, c in codes["regel"].items() if c == code]
    uses += [f"området {area}" for area, c in codes["omrade"].items() if c == code]
    if codes["intern_feil"] == code:
        uses.append("intern feil i validatoren")
    if codes["standard"] == code:
        uses.append("alle andre funn")
    return ", ".join(uses) or "-"
