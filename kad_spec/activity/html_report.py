"""The activity report as one self-contained HTML page (inline CSS and SVG, no scripts)."""

from __future__ import annotations

from html import escape

from kad_spec.activity import svg
from kad_spec.activity.figures import ONGOING, UNKNOWN, ActivityReport, LabelledTable, Series
from kad_spec.activity.suppression import Cell, Share
from kad_spec.spec.findings import mask_digits
from kad_spec.spec.text import Text, language, pick

TEXT = {
    "title": Text("Aktivitet og datakvalitet – KAD/ØHD", "Activity and data quality – KAD/ØHD"),
    "intro": Text("Rapporten er laget av kad-spec fra innsendte meldinger. Tall under {n} opphold er "
                  "skjult (vist som «skjult», skravert lyst i figurene), og enkelte andre tall er skjult i tillegg slik at de ikke kan "
                  "regnes ut fra summene. Rapporten inneholder ingen personidentifikatorer.",
                  "This report was made by kad-spec from submitted messages. Counts under {n} stays are "
                  "hidden (shown as “suppressed”, lightly hatched in the charts), and some other counts are hidden as well so that they cannot "
                  "be worked out from the totals. The report contains no personal identifiers."),
    "hidden": Text("skjult", "suppressed"),
    "meta": Text("Grunnlag", "Basis"),
    "units": Text("Enhet (organisasjonsnummer)", "Unit (organisation number)"),
    "files": Text("Filer lest", "Files read"),
    "unreadable": Text("Filer som ikke kunne leses", "Files that could not be read"),
    "records": Text("Oppholdsposter lest", "Stay records read"),
    "replaced": Text("Poster erstattet av en senere versjon", "Records replaced by a later version"),
    "cancelled": Text("Opphold annullert (status C)", "Stays cancelled (status C)"),
    "unusable": Text("Poster uten opphold-id eller gyldig innleggelsestidspunkt",
                     "Records without stay id or valid admission time"),
    "stays": Text("Opphold i rapporten", "Stays in the report"),
    "period": Text("Første innleggelsesdag", "First admission day"),
    "reference": Text("Referansedag", "Reference day"),
    "activity": Text("Aktivitet", "Activity"),
    "per_month": Text("Opphold per måned (etter innleggelsesmåned)", "Stays per month (by month of admission)"),
    "month": Text("Måned", "Month"),
    "count": Text("Antall", "Count"),
    "total": Text("Sum", "Total"),
    "occupancy": Text("Belegg: pasienter inneliggende ved midnatt",
                      "Occupancy: patients in the unit at midnight"),
    "occupancy_mean": Text("Gjennomsnittlig belegg", "Mean occupancy"),
    "occupancy_peak": Text("Høyeste belegg", "Peak occupancy"),
    "los": Text("Liggetid for utskrevne opphold (døgn = timer / 24)",
                "Length of stay for discharged stays (days = hours / 24)"),
    "discharged": Text("Utskrevne opphold", "Discharged stays"),
    "median": Text("Median liggetid (døgn)", "Median length of stay (days)"),
    "p90": Text("90-persentil liggetid (døgn)", "90th percentile length of stay (days)"),
    "days": Text("Døgn", "Days"),
    "age_sex": Text("Opphold etter aldersgruppe og kjønn", "Stays by age group and sex"),
    "age": Text("Alder", "Age"),
    "diagnoses": Text("Diagnoser", "Diagnoses"),
    "top": Text("Hyppigste {side}sdiagnoser, {system}", "Most frequent {side} diagnoses, {system}"),
    "innskrivning": Text("innskrivning", "admission"),
    "utskrivning": Text("utskrivning", "discharge"),
    "code": Text("Kode", "Code"),
    "text": Text("Tekst", "Text"),
    "hidden_codes": Text("{k} koder med færre enn {n} opphold er ikke vist.",
                         "{k} codes with fewer than {n} stays are not shown."),
    "no_codes": Text("Ingen koder med minst {n} opphold.", "No codes with at least {n} stays."),
    "chapters": Text("Endret diagnose på kapittelnivå (første innskrivnings- mot første utskrivningsdiagnose)",
                     "Diagnosis changed at chapter level (first admission vs first discharge diagnosis)"),
    "system": Text("Kodeverk", "Code system"),
    "same": Text("Samme kapittel", "Same chapter"),
    "changed": Text("Annet kapittel", "Other chapter"),
    "comparable": Text("Sammenlignbare", "Comparable"),
    "share_changed": Text("Andel endret", "Share changed"),
    "not_comparable": Text("Utskrevne opphold som ikke kan sammenlignes (ulike kodeverk eller mangler)",
                           "Discharged stays that cannot be compared (different code systems or missing)"),
    "icd10_chapters": Text("Opphold per ICD-10-kapittel, begge kodeverk (ICPC-2 via konverteringstabellen 2019)",
                           "Stays per ICD-10 chapter, both code systems (ICPC-2 through the 2019 conversion table)"),
    "chapter": Text("Kapittel", "Chapter"),
    "unmapped": Text("Diagnoser uten ICD-10-kapittel (ICPC-2-koder konverteringstabellen mangler)",
                     "Diagnoses without an ICD-10 chapter (ICPC-2 codes the conversion table lacks)"),
    "unmapped_codes": Text("ulike koder", "distinct codes"),
    "flows": Text("Pasientstrømmer", "Patient flows"),
    "flow_table": Text("Henvist fra (Volven 8404) → utskrevet til (Volven 7300)",
                       "Referred from (Volven 8404) → discharged to (Volven 7300)"),
    "referral": Text("Henvist fra", "Referred from"),
    "to_hospital": Text("Andel utskrevet til sykehus (7300: 31, 34)",
                        "Share discharged to hospital (7300: 31, 34)"),
    "to_hospital_or_own": Text("Andel utskrevet til sykehus eller annen enhet ved egen institusjon (21, 23, 31, 34)",
                               "Share discharged to hospital or another unit of the own institution (21, 23, 31, 34)"),
    "quality": Text("Datakvalitet", "Data quality"),
    "completeness": Text("Utfylling av frivillige felt", "Completeness of voluntary fields"),
    "field": Text("Felt", "Field"),
    "present": Text("Utfylt", "Given"),
    "of": Text("Av", "Of"),
    "percent": Text("Prosent", "Per cent"),
    "rules": Text("Funn per regel fra validering", "Findings per rule from validation"),
    "rule": Text("Regel", "Rule"),
    "severity": Text("Alvorlighet", "Severity"),
    "findings": Text("Funn", "Findings"),
    "stays_affected": Text("Opphold", "Stays"),
    "no_findings": Text("Ingen funn.", "No findings."),
    "not_validated": Text("Filene ble ikke validert.", "The files were not validated."),
    "ongoing": Text("Opphold som pågår (uten utskrivningstidspunkt)", "Stays in progress (no discharge time)"),
    "open30": Text("Opphold som fortsatt er åpne mer enn 30 døgn etter innleggelse",
                   "Stays still open more than 30 days after admission"),
    "discharge_invalid": Text("Opphold med utskrivningstidspunkt som ikke kan brukes",
                              "Stays with a discharge time that cannot be used"),
    "error": Text("feil", "error"),
    "warning": Text("advarsel", "warning"),
    "legend": Text("Utskrevet til (Volven 7300)", "Discharged to (Volven 7300)"),
    "unknown": Text("ukjent", "unknown"),
    "ongoing_col": Text("pågår", "in progress"),
    "footer": Text("Laget med kad-spec {tool} (spesifikasjon {spec}). Definisjoner: docs/aktivitetsrapport.md.",
                   "Made with kad-spec {tool} (specification {spec}). Definitions: docs/aktivitetsrapport.md."),
    "fields": {
        "henvist_fra.organisasjonsnummer": Text("Henvist fra: organisasjonsnummer",
                                                "Referred from: organisation number"),
        "henvist_fra.her_id": Text("Henvist fra: HER-id", "Referred from: HER-id"),
        "henvist_fra.organisasjonsnummer_eller_her_id": Text("Henvist fra: organisasjonsnummer eller HER-id",
                                                             "Referred from: organisation number or HER-id"),
        "utskrevet_til.organisasjonsnummer": Text("Utskrevet til: organisasjonsnummer",
                                                  "Discharged to: organisation number"),
        "utskrevet_til.her_id": Text("Utskrevet til: HER-id", "Discharged to: HER-id"),
        "utskrevet_til.organisasjonsnummer_eller_her_id": Text("Utskrevet til: organisasjonsnummer eller HER-id",
                                                               "Discharged to: organisation number or HER-id"),
    },
}

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1a202c;margin:0;background:#f7fafc}
main{max-width:980px;margin:0 auto;padding:24px;background:#fff}
h1{font-size:1.6rem}h2{border-bottom:2px solid #2b6cb0;padding-bottom:4px;margin-top:2.2rem}
h3{font-size:1.05rem;margin-top:1.6rem}
table{border-collapse:collapse;margin:8px 0 16px;font-size:.9rem}
th,td{border:1px solid #e2e8f0;padding:4px 8px;text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
thead th{background:#edf2f7}tr.sum td,td.sum{font-weight:600;background:#f7fafc}
.hidden{color:#4a5568;background:#edf2f7}.note{color:#4a5568;font-size:.9rem}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:4px 16px}dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
"""


class Page:
    """Builds the HTML of one report in one language."""

    def __init__(self, report: ActivityReport, lang: str):
        self.report = report
        self.lang = language(lang)
        self.t = pick(TEXT, self.lang)
        self.labels = _code_labels(self.lang)

    # -- small pieces --------------------------------------------------------------------
    def cell(self, cell: Cell, css: str = "n") -> str:
        if cell.suppressed:
            return f'<td class="{css} hidden">{self.t["hidden"]}</td>'
        return f'<td class="{css}">{cell.n}</td>'

    def value(self, cell: Cell) -> str:
        return self.t["hidden"] if cell.suppressed else str(cell.n)

    def number(self, value: float | None) -> str:
        if value is None:
            return "–"
        return f"{value:.1f}".replace(".", ",") if self.lang == "nb" else f"{value:.1f}"

    def label(self, list_name: str, code: str) -> str:
        if code == UNKNOWN:
            return self.t["unknown"]
        if code == ONGOING:
            return self.t["ongoing_col"]
        text = self.labels.get(list_name, {}).get(code)
        return f"{code} {text}" if text else code

    def series_table(self, series: Series, head: str) -> str:
        rows = "".join(f"<tr><td>{escape(label)}</td>{self.cell(c)}</tr>" for label, c in zip(series.labels, series.cells))
        total = f'<tr class="sum"><td>{self.t["total"]}</td>{self.cell(series.total)}</tr>'
        return (f'<table><thead><tr><th>{head}</th><th class="n">{self.t["count"]}</th></tr></thead>'
                f"<tbody>{rows}{total}</tbody></table>")

    def column_head(self, list_name: str, code: str, short: bool) -> str:
        """A column heading; ``short`` shows the code with its text as a tooltip and in the legend."""
        full = self.label(list_name, code)
        if not short or code in (UNKNOWN, ONGOING) or full == code:
            return f'<th class="n">{escape(full)}</th>'
        return f'<th class="n"><abbr title="{escape(full)}">{escape(code)}</abbr></th>'

    def legend(self, list_name: str, codes: list[str]) -> str:
        items = [escape(self.label(list_name, c)) for c in codes if c not in (UNKNOWN, ONGOING)]
        return f'<p class="note">{self.t["legend"]}: {"; ".join(items)}.</p>' if items else ""

    def matrix(self, table: LabelledTable, row_list: str, column_list: str, corner: str,
               short_columns: bool = False) -> str:
        heads = "".join(self.column_head(column_list, c, short_columns) for c in table.columns)
        body = []
        for name, cells, total in zip(table.rows, table.table.cells, table.table.row_totals):
            body.append(f"<tr><th>{escape(self.label(row_list, name))}</th>"
                        + "".join(self.cell(c) for c in cells) + self.cell(total, "n sum") + "</tr>")
        sums = "".join(self.cell(c, "n sum") for c in table.table.column_totals)
        body.append(f'<tr class="sum"><th>{self.t["total"]}</th>{sums}{self.cell(table.table.total, "n sum")}</tr>')
        return (f'<table><thead><tr><th>{escape(corner)}</th>{heads}<th class="n">{self.t["total"]}</th></tr>'
                f'</thead><tbody>{"".join(body)}</tbody></table>')

    def share_row(self, title: str, share: Share) -> str:
        return (f"<tr><td>{escape(title)}</td>{self.cell(share.part)}{self.cell(share.whole)}"
                f'<td class="n">{self.number(share.percent)}</td></tr>')

    # -- sections ------------------------------------------------------------------------
    def basis(self) -> str:
        r, t = self.report, self.t
        units = "; ".join(f"{name} ({orgnr})" if name else orgnr for orgnr, name in r.units) or "–"
        facts = [
            (t["units"], escape(units)),
            (t["files"], str(r.files)), (t["unreadable"], str(r.files_unreadable)),
            (t["records"], self.value(r.records_read)), (t["replaced"], self.value(r.replaced)),
            (t["cancelled"], self.value(r.cancelled)), (t["unusable"], self.value(r.unusable)),
            (t["stays"], self.value(r.stays)),
            (t["period"], r.first_day.isoformat() if r.first_day else "–"),
            (t["reference"], r.reference_day.isoformat() if r.reference_day else "–"),
        ]
        items = "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in facts)
        return f'<h2 id="grunnlag">{t["meta"]}</h2><dl class="facts">{items}</dl>'

    def activity(self) -> str:
        r, t, n = self.report, self.t, self.report.min_cell
        occ, los = r.occupancy, r.length_of_stay
        parts = [f'<h2 id="aktivitet">{t["activity"]}</h2>', f'<h3>{t["per_month"]}</h3>',
                 svg.bar_chart(r.per_month.labels, r.per_month.cells, t["per_month"], t["hidden"]),
                 self.series_table(r.per_month, t["month"]), f'<h3>{t["occupancy"]}</h3>',
                 svg.bar_chart(occ.days, occ.cells, t["occupancy"], t["hidden"]),
                 f'<p>{t["occupancy_mean"]}: {self.number(occ.mean)}. {t["occupancy_peak"]}: {self.value(occ.peak)}.</p>',
                 f'<h3>{t["los"]}</h3>',
                 f'<p>{t["discharged"]}: {self.value(los.discharged)}. {t["median"]}: {self.number(los.median_days)}. '
                 f'{t["p90"]}: {self.number(los.p90_days)}.</p>',
                 svg.bar_chart(los.buckets.labels, los.buckets.cells, t["los"], t["hidden"]),
                 self.series_table(los.buckets, t["days"]), f'<h3>{t["age_sex"]}</h3>',
                 self.matrix(r.age_sex, "", "kjonn", t["age"])]
        return "".join(parts)

    def diagnoses(self) -> str:
        r, t, n = self.report, self.t, self.report.min_cell
        parts = [f'<h2 id="diagnoser">{t["diagnoses"]}</h2>']
        for top in r.top_codes:
            parts.append(f'<h3>{t["top"].format(side=t[top.side], system=top.system)}</h3>')
            if top.codes:
                rows = "".join(f"<tr><td>{escape(c.code)}</td><td>{escape(c.text)}</td>{self.cell(c.count)}</tr>"
                               for c in top.codes)
                parts.append(f'<table><thead><tr><th>{t["code"]}</th><th>{t["text"]}</th>'
                             f'<th class="n">{t["count"]}</th></tr></thead><tbody>{rows}</tbody></table>')
            else:
                parts.append(f'<p class="note">{t["no_codes"].format(n=n)}</p>')
            if top.hidden_codes:
                parts.append(f'<p class="note">{t["hidden_codes"].format(k=top.hidden_codes, n=n)}</p>')
        rows = "".join(f"<tr><td>{c.system}</td>{self.cell(c.same)}{self.cell(c.changed)}{self.cell(c.comparable)}"
                       f'<td class="n">{self.number(c.share_changed)}</td></tr>' for c in r.chapter_changes)
        parts.append(f'<h3>{t["chapters"]}</h3><table><thead><tr><th>{t["system"]}</th><th class="n">{t["same"]}</th>'
                     f'<th class="n">{t["changed"]}</th><th class="n">{t["comparable"]}</th>'
                     f'<th class="n">{t["share_changed"]} (%)</th></tr></thead><tbody>{rows}</tbody></table>'
                     f'<p class="note">{t["not_comparable"]}: {self.value(r.not_comparable)}.</p>')
        parts.append(self.icd10_chapters())
        return "".join(parts)

    def icd10_chapters(self) -> str:
        t, chapters = self.t, self.report.icd10_chapters
        table = chapters.table
        heads = "".join(f'<th class="n">{escape(t[side])}</th>' for side in table.columns)
        rows = "".join(f"<tr><th>{escape(name)}</th>" + "".join(self.cell(c) for c in cells) + "</tr>"
                       for name, cells in zip(table.rows, table.table.cells))
        return (f'<h3 id="icd10-kapitler">{t["icd10_chapters"]}</h3><table><thead><tr><th>{t["chapter"]}</th>{heads}'
                f'</tr></thead><tbody>{rows}</tbody></table>'
                f'<p class="note">{t["unmapped"]}: {self.value(chapters.unmapped_diagnoses)} '
                f'({chapters.unmapped_codes} {t["unmapped_codes"]}).</p>')

    def flows(self) -> str:
        r, t, n = self.report, self.t, self.report.min_cell
        flows = r.flows
        rows = [self.label("tjenester_og_vesen", code)[:34] for code in flows.rows]
        columns = [t["unknown"] if c == UNKNOWN else t["ongoing_col"] if c == ONGOING else c for c in flows.columns]
        return "".join([
            f'<h2 id="strommer">{t["flows"]}</h2><h3>{t["flow_table"]}</h3>',
            svg.heatmap(rows, columns, flows.table.cells, t["flow_table"], t["hidden"]),
            self.matrix(flows, "tjenester_og_vesen", "ut_til", t["referral"], short_columns=True),
            self.legend("ut_til", flows.columns),
            f'<table><thead><tr><th></th><th class="n">{t["present"]}</th><th class="n">{t["of"]}</th>'
            f'<th class="n">{t["percent"]}</th></tr></thead><tbody>',
            self.share_row(t["to_hospital"], r.to_hospital),
            self.share_row(t["to_hospital_or_own"], r.to_hospital_or_own), "</tbody></table>",
        ])

    def quality(self) -> str:
        r, t = self.report, self.t
        rows = "".join(self.share_row(t["fields"].get(c.field, c.field), c.share) for c in r.completeness)
        parts = [f'<h2 id="datakvalitet">{t["quality"]}</h2><h3>{t["completeness"]}</h3>',
                 f'<table><thead><tr><th>{t["field"]}</th><th class="n">{t["present"]}</th><th class="n">{t["of"]}</th>'
                 f'<th class="n">{t["percent"]}</th></tr></thead><tbody>{rows}</tbody></table>',
                 f'<h3>{t["rules"]}</h3>']
        if not r.validated:
            parts.append(f'<p class="note">{t["not_validated"]}</p>')
        elif not r.rules:
            parts.append(f'<p class="note">{t["no_findings"]}</p>')
        else:
            body = "".join(
                f"<tr><td>{escape(x.rule_id)}</td><td>{escape(Text(x.title, x.title_en).get(self.lang))}</td>"
                f"<td>{escape(t.get(x.severity, x.severity))}</td>{self.cell(x.findings)}{self.cell(x.stays)}</tr>"
                for x in r.rules)
            parts.append(f'<table><thead><tr><th>{t["rule"]}</th><th>{t["text"]}</th><th>{t["severity"]}</th>'
                         f'<th class="n">{t["findings"]}</th><th class="n">{t["stays_affected"]}</th></tr></thead>'
                         f"<tbody>{body}</tbody></table>")
        parts.append(f'<dl class="facts"><dt>{t["ongoing"]}</dt><dd>{self.value(r.ongoing)}</dd>'
                     f'<dt>{t["open30"]}</dt><dd>{self.value(r.open_over_30_days)}</dd>'
                     f'<dt>{t["discharge_invalid"]}</dt><dd>{self.value(r.discharge_invalid)}</dd></dl>')
        return "".join(parts)

    def render(self) -> str:
        r, t = self.report, self.t
        body = "".join([
            f'<h1>{t["title"]}</h1><p>{t["intro"].format(n=r.min_cell)}</p>',
            self.basis(), self.activity(), self.diagnoses(), self.flows(), self.quality(),
            f'<footer><p class="note">{escape(t["footer"].format(tool=r.tool_version, spec=r.spec_version))}</p></footer>',
        ])
        return (
            f'<!DOCTYPE html>\n<html lang="{"nb" if self.lang == "nb" else "en"}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            f"<title>{t['title']}</title><style>{STYLE}</style></head>"
            f"<body><main>{mask_digits(body)}</main></body></html>\n"
        )


def _code_labels(lang: str) -> dict[str, dict[str, str]]:
    from kad_spec.activity.build import small_list

    return {name: {code: Text(text, text_en).get(lang) for code, text, text_en in small_list(name)}
            for name in ("kjonn", "tjenester_og_vesen", "ut_til")}


def render_html(report: ActivityReport, lang: str = "nb") -> str:
    """The whole report as one HTML page in bokmål (``lang="en"`` for English)."""
    return Page(report, lang).render()
