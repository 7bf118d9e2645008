"""The activity report as one self-contained HTML page (inline CSS and SVG, no scripts)."""

from __future__ import annotations

from html import escape

from kad_spec.activity import svg
from kad_spec.activity.figures import ONGOING, UNKNOWN, ActivityReport
from kad_spec.activity.suppression import Cell
from kad_spec.activity.tables import Column, plain_value, report_tables
from kad_spec.activity.texts import TEXT
from kad_spec.spec.findings import mask_digits
from kad_spec.spec.text import Text, language, pick


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
    """Builds the HTML of one report in one language; every table comes from kad_spec.activity.tables."""

    def __init__(self, report: ActivityReport, lang: str):
        self.report = report
        self.lang = language(lang)
        self.t = pick(TEXT, self.lang)
        self.labels = _code_labels(self.lang)
        self.tables = {table.id: table for table in report_tables(report)}

    # -- small pieces --------------------------------------------------------------------
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

    def head(self, column: Column) -> str:
        css = ' class="n"' if column.numeric else ""
        title = escape(column.title.get(self.lang))
        if column.hint is not None:
            title = f'<abbr title="{escape(column.hint.get(self.lang))}">{title}</abbr>'
        return f"<th{css}>{title}</th>"

    def entry(self, value, column: Column, first: bool, in_sum: bool) -> str:
        tag = "th" if first else "td"
        css = ["n"] if column.numeric else []
        if in_sum and not first:
            css.append("sum")
        if isinstance(value, Cell) and value.suppressed:
            css.append("hidden")
        text = self.number(value) if isinstance(value, float) or value is None else plain_value(value, self.lang)
        attributes = f' class="{" ".join(css)}"' if css else ""
        return f"<{tag}{attributes}>{escape(text)}</{tag}>"

    def table(self, table_id: str) -> str:
        """A table of kad_spec.activity.tables, with its id: the same figures as its CSV file."""
        table = self.tables[table_id]
        heads = "".join(self.head(c) for c in table.columns)
        body = []
        for index, row in enumerate(table.rows):
            in_sum = index >= len(table.rows) - table.sums
            cells = "".join(self.entry(v, c, i == 0, in_sum) for i, (v, c) in enumerate(zip(row, table.columns)))
            body.append(f'<tr class="sum">{cells}</tr>' if in_sum else f"<tr>{cells}</tr>")
        return (f'<table id="{table.id}"><thead><tr>{heads}</tr></thead><tbody>{"".join(body)}</tbody></table>')

    def title(self, table_id: str) -> str:
        return f'<h3>{escape(self.tables[table_id].title.get(self.lang))}</h3>'

    def legend(self, list_name: str, codes: list[str]) -> str:
        items = [escape(self.label(list_name, c)) for c in codes if c not in (UNKNOWN, ONGOING)]
        return f'<p class="note">{self.t["legend"]}: {"; ".join(items)}.</p>' if items else ""

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
        if r.feedback is not None and any(r.feedback.period):
            first, last = r.feedback.period
            facts.append((t["period_given"], f"{first.isoformat() if first else '…'} – {last.isoformat() if last else '…'}"))
        items = "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in facts)
        return f'<h2 id="grunnlag">{t["meta"]}</h2><dl class="facts">{items}</dl>'

    def activity(self) -> str:
        r, t = self.report, self.t
        occ, los = r.occupancy, r.length_of_stay
        parts = [f'<h2 id="aktivitet">{t["activity"]}</h2>', self.title("opphold-per-maned"),
                 svg.bar_chart(r.per_month.labels, r.per_month.cells, t["per_month"], t["hidden"]),
                 self.table("opphold-per-maned"), f'<h3>{t["occupancy"]}</h3>',
                 svg.bar_chart(occ.days, occ.cells, t["occupancy"], t["hidden"]),
                 f'<p>{t["occupancy_mean"]}: {self.number(occ.mean)}. {t["occupancy_peak"]}: {self.value(occ.peak)}.</p>',
                 self.title("liggetid"),
                 f'<p>{t["discharged"]}: {self.value(los.discharged)}. {t["median"]}: {self.number(los.median_days)}. '
                 f'{t["p90"]}: {self.number(los.p90_days)}.</p>',
                 svg.bar_chart(los.buckets.labels, los.buckets.cells, t["los"], t["hidden"]),
                 self.table("liggetid"), self.title("alder-og-kjonn"), self.table("alder-og-kjonn")]
        return "".join(parts)

    def diagnoses(self) -> str:
        r, t, n = self.report, self.t, self.report.min_cell
        parts = [f'<h2 id="diagnoser">{t["diagnoses"]}</h2>']
        for top in r.top_codes:
            table_id = f"diagnoser-{top.system.lower()}-{top.side}"
            parts.append(self.title(table_id))
            parts.append(self.table(table_id) if top.codes else f'<p class="note">{t["no_codes"].format(n=n)}</p>')
            if top.hidden_codes:
                parts.append(f'<p class="note">{t["hidden_codes"].format(k=top.hidden_codes, n=n)}</p>')
        parts += [self.title("kapittelendring"), self.table("kapittelendring"),
                  f'<p class="note">{t["not_comparable"]}: {self.value(r.not_comparable)}.</p>']
        chapters = r.icd10_chapters
        parts += [f'<h3 id="icd10-kapitler-tittel">{t["icd10_chapters"]}</h3>', self.table("icd10-kapitler"),
                  f'<p class="note">{t["unmapped"]}: {self.value(chapters.unmapped_diagnoses)} '
                  f'({chapters.unmapped_codes} {t["unmapped_codes"]}).</p>']
        return "".join(parts)

    def flows(self) -> str:
        r, t = self.report, self.t
        flows = r.flows
        rows = [self.label("tjenester_og_vesen", code)[:34] for code in flows.rows]
        columns = [t["unknown"] if c == UNKNOWN else t["ongoing_col"] if c == ONGOING else c for c in flows.columns]
        return "".join([
            f'<h2 id="strommer">{t["flows"]}</h2>', self.title("strommer"),
            svg.heatmap(rows, columns, flows.table.cells, t["flow_table"], t["hidden"]),
            self.table("strommer"), self.legend("ut_til", flows.columns), self.table("utskrevet-til-sykehus"),
        ])

    def quality(self) -> str:
        r, t = self.report, self.t
        parts = [f'<h2 id="datakvalitet">{t["quality"]}</h2>', self.title("utfylling"), self.table("utfylling"),
                 f'<h3>{t["rules"]}</h3>']
        if not r.validated:
            parts.append(f'<p class="note">{t["not_validated"]}</p>')
        elif not r.rules:
            parts.append(f'<p class="note">{t["no_findings"]}</p>')
        else:
            parts.append(self.table("funn-per-regel"))
        parts.append(f'<dl class="facts"><dt>{t["ongoing"]}</dt><dd>{self.value(r.ongoing)}</dd>'
                     f'<dt>{t["open30"]}</dt><dd>{self.value(r.open_over_30_days)}</dd>'
                     f'<dt>{t["discharge_invalid"]}</dt><dd>{self.value(r.discharge_invalid)}</dd></dl>')
        return "".join(parts)

    # -- the register's sections ------------------------------------------------------------
    def over_time(self) -> str:
        fb, t = self.report.feedback, self.t
        parts = [f'<h2 id="over-tid">{t["over_time"]}</h2>', self.title("opphold-per-ar"),
                 svg.bar_chart(fb.per_year.labels, fb.per_year.cells, t["per_year"], t["hidden"]),
                 self.table("opphold-per-ar"), self.title("opphold-per-ar-og-maned"), self.table("opphold-per-ar-og-maned")]
        if "hittil-i-ar" in self.tables:
            parts += [self.title("hittil-i-ar"), self.table("hittil-i-ar")]
        return "".join(parts)

    def comparison(self) -> str:
        fb, t = self.report.feedback, self.t
        note = (t["comparison_note"].format(k=fb.similar_units) if fb.unit is not None
                else t["comparison_note_all"].format(k=fb.comparison[-1].units))
        return "".join([f'<h2 id="sammenligning">{t["comparison"]}</h2>', self.title("sammenligning"),
                        f'<p class="note">{escape(note)}</p>', self.table("sammenligning")])

    def quality_over_time(self) -> str:
        fb, t = self.report.feedback, self.t
        return "".join([f'<h2 id="datakvalitet-over-tid">{t["quality_month"]}</h2>', self.table("kvalitet-per-maned"),
                        self.title("kvalitetsindeks"), f'<p class="note">{t["score_note"]}</p>',
                        self.table("kvalitetsindeks"),
                        f'<p>{t["open_findings"]}: {self.value(fb.open_findings)}.</p>'])

    def render(self) -> str:
        r, t = self.report, self.t
        register = r.feedback is not None
        sections = [self.basis()]
        if register:
            sections += [f'<p class="note">{t["register_intro"]}</p>', self.over_time()]
        sections += [self.activity()]
        if register:
            sections.append(self.comparison())
        sections += [self.diagnoses(), self.flows(), self.quality()]
        if register:
            sections.append(self.quality_over_time())
        body = "".join([
            f'<h1>{t["title"]}</h1><p>{t["intro"].format(n=r.min_cell)}</p>', *sections,
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
