"""Every table of the report, once: the HTML page renders these, the JSON carries them under
``tables`` and ``report --csv DIR`` writes one CSV file per table, so the three always hold the
same figures.

A table has an id (the HTML table's id and the CSV file's name), a title and columns in both
languages, and rows of values: a :class:`~kad_spec.activity.suppression.Cell` (a count, maybe
suppressed), a float (a share in per cent, a median), a ``Text`` or a string (a label), or None
(nothing to show).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from kad_spec.activity.figures import ONGOING, UNKNOWN, ActivityReport, LabelledTable, Series
from kad_spec.activity.suppression import Cell, Share
from kad_spec.activity.texts import TEXT
from kad_spec.spec.findings import mask_digits
from kad_spec.spec.text import Text


@dataclass(frozen=True)
class Column:
    id: str
    title: Text
    numeric: bool = True
    hint: Text | None = None  # the long text of a short heading (the HTML shows it as a tooltip)


@dataclass(frozen=True)
class ReportTable:
    id: str
    section: str  # the part of the page it belongs to (the heading's id)
    title: Text
    columns: tuple[Column, ...]
    rows: list[list]
    sums: int = 0  # the last ``sums`` rows are totals


def label_column(column_id: str, title: Text) -> Column:
    return Column(column_id, title, numeric=False)


def _code_labels() -> dict[str, dict[str, Text]]:
    from kad_spec.activity.build import small_list

    return {name: {code: Text(f"{code} {text}", f"{code} {text_en or text}") for code, text, text_en in small_list(name)}
            for name in ("kjonn", "tjenester_og_vesen", "ut_til")}


def _label(labels: dict, list_name: str, code: str) -> Text | str:
    if code == UNKNOWN:
        return TEXT["unknown"]
    if code == ONGOING:
        return TEXT["ongoing_col"]
    return labels.get(list_name, {}).get(code, code)


def _series(table_id: str, section: str, title: Text, series: Series, head: Text) -> ReportTable:
    rows = [[label, cell] for label, cell in zip(series.labels, series.cells)]
    rows.append([TEXT["total"], series.total])
    return ReportTable(table_id, section, title, (label_column("etikett", head), Column("antall", TEXT["count"])),
                       rows, sums=1)


def _matrix(table_id: str, section: str, title: Text, table: LabelledTable, corner: Text, row_label, column_label,
            column_hint=None) -> ReportTable:
    columns = [label_column("etikett", corner)]
    for code in table.columns:
        hint = column_hint(code) if column_hint else None
        head = column_label(code)
        columns.append(Column(f"k_{code}", head if isinstance(head, Text) else Text(head, head), hint=hint))
    columns.append(Column("sum", TEXT["total"]))
    rows = [[row_label(name), *cells, total]
            for name, cells, total in zip(table.rows, table.table.cells, table.table.row_totals)]
    rows.append([TEXT["total"], *table.table.column_totals, table.table.total])
    return ReportTable(table_id, section, title, tuple(columns), rows, sums=1)


def _share_columns(head: Text) -> tuple[Column, ...]:
    return (label_column("etikett", head), Column("utfylt", TEXT["present"]), Column("av", TEXT["of"]),
            Column("prosent", TEXT["percent"]))


def _share_row(label, value: Share) -> list:
    return [label, value.part, value.whole, value.percent]


def file_tables(report: ActivityReport) -> list[ReportTable]:
    """The tables every report has (from files or from the register)."""
    labels = _code_labels()
    r = report
    tables = [
        _series("opphold-per-maned", "aktivitet", TEXT["per_month"], r.per_month, TEXT["month"]),
        _series("liggetid", "aktivitet", TEXT["los"], r.length_of_stay.buckets, TEXT["days"]),
        _matrix("alder-og-kjonn", "aktivitet", TEXT["age_sex"], r.age_sex, TEXT["age"], lambda g: _label(labels, "", g),
                lambda c: _label(labels, "kjonn", c)),
    ]
    for top in r.top_codes:
        title = Text(TEXT["top"].nb.format(side=TEXT[top.side].nb, system=top.system),
                     TEXT["top"].en.format(side=TEXT[top.side].en, system=top.system))
        tables.append(ReportTable(
            f"diagnoser-{top.system.lower()}-{top.side}", "diagnoser", title,
            (label_column("kode", TEXT["code"]), label_column("tekst", TEXT["text"]), Column("antall", TEXT["count"])),
            [[c.code, c.text, c.count] for c in top.codes]))
    tables.append(ReportTable(
        "kapittelendring", "diagnoser", TEXT["chapters"],
        (label_column("kodeverk", TEXT["system"]), Column("samme", TEXT["same"]), Column("annet", TEXT["changed"]),
         Column("sammenlignbare", TEXT["comparable"]), Column("andel_endret", Text(TEXT["share_changed"].nb + " (%)",
                                                                                  TEXT["share_changed"].en + " (%)"))),
        [[c.system, c.same, c.changed, c.comparable, c.share_changed] for c in r.chapter_changes]))
    chapters = r.icd10_chapters.table
    tables.append(ReportTable(
        "icd10-kapitler", "diagnoser", TEXT["icd10_chapters"],
        (label_column("kapittel", TEXT["chapter"]), *(Column(side, TEXT[side]) for side in chapters.columns)),
        [[name, *cells] for name, cells in zip(chapters.rows, chapters.table.cells)]))
    tables.append(_matrix(
        "strommer", "strommer", TEXT["flow_table"], r.flows, TEXT["referral"],
        lambda code: _label(labels, "tjenester_og_vesen", code),
        lambda code: TEXT["unknown"] if code == UNKNOWN else TEXT["ongoing_col"] if code == ONGOING else code,
        lambda code: None if code in (UNKNOWN, ONGOING) else labels["ut_til"].get(code)))
    tables.append(ReportTable("utskrevet-til-sykehus", "strommer", TEXT["shares"], _share_columns(TEXT["measure"]),
                              [_share_row(TEXT["to_hospital"], r.to_hospital),
                               _share_row(TEXT["to_hospital_or_own"], r.to_hospital_or_own)]))
    tables.append(ReportTable("utfylling", "datakvalitet", TEXT["completeness"], _share_columns(TEXT["field"]),
                              [_share_row(TEXT["fields"].get(c.field, c.field), c.share) for c in r.completeness]))
    if r.validated:
        tables.append(ReportTable(
            "funn-per-regel", "datakvalitet", TEXT["rules"],
            (label_column("regel", TEXT["rule"]), label_column("tekst", TEXT["text"]),
             label_column("alvorlighet", TEXT["severity"]), Column("funn", TEXT["findings"]),
             Column("opphold", TEXT["stays_affected"]), Column("andel", TEXT["rule_share"])),
            [[x.rule_id, Text(x.title, x.title_en), TEXT.get(x.severity, x.severity), x.findings, x.stays, x.percent]
             for x in r.rules]))
    return tables


def register_tables(report: ActivityReport) -> list[ReportTable]:
    """The tables only the register gives (kad_spec.activity.feedback); none for a file report."""
    fb = report.feedback
    if fb is None:
        return []
    labels = _code_labels()
    tables = [_series("opphold-per-ar", "over-tid", TEXT["per_year"], fb.per_year, TEXT["year"]),
              _matrix("opphold-per-ar-og-maned", "over-tid", TEXT["by_year_month"], fb.months_by_year, TEXT["year"],
                      lambda year: year, lambda month: month)]
    if fb.year_to_date is not None:
        ytd = fb.year_to_date
        title = Text(TEXT["ytd"].nb.format(first=ytd.first_day.isoformat(), last=ytd.last_day.isoformat()),
                     TEXT["ytd"].en.format(first=ytd.first_day.isoformat(), last=ytd.last_day.isoformat()))
        tables.append(ReportTable(
            "hittil-i-ar", "over-tid", title,
            (label_column("mal", TEXT["measure"]), Column("i_ar", TEXT["this_year"]), Column("i_fjor", TEXT["last_year"]),
             Column("endring_prosent", TEXT["change"])),
            [[TEXT["ytd_rows"][name], now, before, change] for name, now, before, change in ytd.rows]))
    tables.append(comparison_table(fb, labels))
    tables.append(ReportTable(
        "kvalitet-per-maned", "datakvalitet-over-tid", TEXT["quality_month"],
        (label_column("maned", TEXT["month"]), Column("opphold", TEXT["stays_affected"]),
         Column("henvist_fra_id", TEXT["q_referral"]), Column("utskrevet_til_id", TEXT["q_destination"]),
         Column("med_feil", TEXT["q_errors"]), Column("timer_innleggelse", TEXT["q_admission"]),
         Column("timer_utskrivning", TEXT["q_discharge"]), Column("meldt_i_tide", TEXT["q_timely"])),
        [[q.month, q.stays, q.referral_id.percent, q.destination_id.percent, q.with_errors.percent, q.admission_hours,
          q.discharge_hours, q.timely.percent] for q in fb.quality_per_month]))
    components = TEXT["components"]
    tables.append(ReportTable(
        "kvalitetsindeks", "datakvalitet-over-tid", TEXT["score"],
        (label_column("enhet", TEXT["unit"]), Column("opphold", TEXT["stays_affected"]),
         *(Column(name, components[name]) for name in components), Column("indeks", TEXT["index"])),
        [[_unit_label(report, s.unit), s.stays, *(s.components[name] for name in components), s.score]
         for s in fb.scores]))
    return tables


def _unit_label(report: ActivityReport, orgnr: str) -> str:
    name = dict(report.units).get(orgnr)
    return f"{name} ({orgnr})" if name else orgnr


def comparison_table(fb, labels) -> ReportTable:
    """One row per measure, one column per group (the unit, similar size, all)."""
    groups = fb.comparison
    columns = [label_column("mal", TEXT["measure"])]
    columns += [Column(g.group, TEXT["groups"][g.group]) for g in groups]
    rows = [[TEXT["cmp_units"], *(g.units for g in groups)], [TEXT["stays_affected"], *(g.stays for g in groups)],
            [TEXT["cmp_median"], *(g.median_days for g in groups)],
            [TEXT["cmp_hospital"], *(g.to_hospital.percent for g in groups)],
            [TEXT["cmp_readmitted"], *(g.readmitted.percent for g in groups)]]

    def shares(kind: str, part: str, label_of) -> None:
        keys: list[str] = []
        for g in groups:
            keys += [key for key, _ in getattr(g, part) if key not in keys]
        for key in keys:
            values = [dict(getattr(g, part)).get(key) for g in groups]
            label = label_of(key)
            title = Text(TEXT[kind].nb.format(label=label.nb if isinstance(label, Text) else label),
                         TEXT[kind].en.format(label=label.en if isinstance(label, Text) else label))
            rows.append([title, *(v.percent if v is not None else None for v in values)])

    shares("cmp_referral", "referral", lambda code: _label(labels, "tjenester_og_vesen", code))
    shares("cmp_age", "age", lambda group: TEXT["unknown"] if group == UNKNOWN else group)
    shares("cmp_sex", "sex", lambda code: _label(labels, "kjonn", code))
    return ReportTable("sammenligning", "sammenligning", TEXT["comparison_table"], tuple(columns), rows)


def report_tables(report: ActivityReport) -> list[ReportTable]:
    return file_tables(report) + register_tables(report)


# -- as JSON and as CSV -----------------------------------------------------------------------
def _json_value(value):
    if isinstance(value, Cell):
        return value.to_json()
    if isinstance(value, Text):
        return {"nb": mask_digits(value.nb), "en": mask_digits(value.en)}
    if isinstance(value, str):
        return mask_digits(value)
    return value


def table_json(table: ReportTable) -> dict:
    return {"id": table.id, "section": table.section, "title": {"nb": table.title.nb, "en": table.title.en},
            "columns": [{"id": c.id, "nb": c.title.nb, "en": c.title.en, "numeric": c.numeric} for c in table.columns],
            "rows": [[_json_value(v) for v in row] for row in table.rows], "sum_rows": table.sums}


def plain_value(value, lang: str) -> str:
    """A value as the CSV file and the HTML page write it (decimals with a point in CSV)."""
    if isinstance(value, Cell):
        return TEXT["hidden"].get(lang) if value.suppressed else str(value.n)
    if isinstance(value, Text):
        return mask_digits(value.get(lang))
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return mask_digits(str(value))


def table_csv(table: ReportTable, lang: str) -> str:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([c.title.get(lang) for c in table.columns])
    for row in table.rows:
        writer.writerow([plain_value(v, lang) for v in row])
    return text.getvalue()


CSV_MARKER = ".kad-spec-csv"  # lists the files a run wrote, so that --force replaces only ours


def write_csv_folder(report: ActivityReport, folder: Path, lang: str, force: bool = False) -> list[str]:
    """One ``<id>.csv`` per table in ``folder``, built beside it and swapped in. An existing folder
    is replaced only with ``force``, and only if it holds nothing but an earlier run's files
    (kad_spec.output.files.replace_folder raises OutputRefused otherwise)."""
    from kad_spec.output.files import OutputRefused, check_owned_folder, replace_folder

    folder = Path(folder)
    check_owned_folder(folder, CSV_MARKER)
    if not force and folder.is_dir() and any(folder.iterdir()):
        raise OutputRefused(f"{folder} finnes fra før og er ikke tom; bruk --force for å erstatte den")
    tables = report_tables(report)

    def build(staging: Path) -> None:
        for table in tables:
            # Each value is masked as it is written (plain_value); a pass over the whole file would
            # take a row of counts ("396,1189,1186") for an id.
            (staging / f"{table.id}.csv").write_text(table_csv(table, lang), encoding="utf-8")

    replace_folder(folder, build, CSV_MARKER, "# kad-spec report --csv")
    return [f"{table.id}.csv" for table in tables]
