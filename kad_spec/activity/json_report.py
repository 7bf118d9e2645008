"""The activity report as JSON: the same figures as the HTML, for dashboards.

A suppressed count is ``{"n": null, "suppressed": true}``; a shown one ``{"n": 12, "suppressed": false}``.
"""

from __future__ import annotations

import orjson

from kad_spec.activity.figures import ActivityReport
from kad_spec.activity.tables import report_tables, table_json


def _day(value) -> str | None:
    return value.isoformat() if value else None


def _labels() -> dict:
    from kad_spec.activity.build import small_list

    return {name: {code: {"nb": text, "en": text_en} for code, text, text_en in small_list(name)}
            for name in ("kjonn", "tjenester_og_vesen", "ut_til")}


def report_dict(report: ActivityReport) -> dict:
    return {
        "report": "kad-spec aktivitetsrapport",
        "tool": {"name": "kad-spec", "version": report.tool_version},
        "specification_version": report.spec_version,
        "min_cell": report.min_cell,
        "reference_day": _day(report.reference_day),
        "first_day": _day(report.first_day),
        "units": [{"organisasjonsnummer": orgnr, "navn": name} for orgnr, name in report.units],
        "files": {"read": report.files, "unreadable": report.files_unreadable, "validated": report.validated},
        "records": {
            "read": report.records_read.to_json(),
            "replaced": report.replaced.to_json(),
            "cancelled": report.cancelled.to_json(),
            "unusable": report.unusable.to_json(),
        },
        "stays": report.stays.to_json(),
        "activity": {
            "per_month": report.per_month.to_json(),
            "occupancy": report.occupancy.to_json(),
            "length_of_stay": report.length_of_stay.to_json(),
            "age_sex": report.age_sex.to_json(),
        },
        "diagnoses": {
            "top_codes": [t.to_json() for t in report.top_codes],
            "chapter_changes": [c.to_json() for c in report.chapter_changes],
            "not_comparable": report.not_comparable.to_json(),
            "icd10_chapters": report.icd10_chapters.to_json(),
        },
        "flows": {
            "referral_to_discharge": report.flows.to_json(),
            "to_hospital": report.to_hospital.to_json(),
            "to_hospital_or_own_institution": report.to_hospital_or_own.to_json(),
        },
        "data_quality": {
            "completeness": [c.to_json() for c in report.completeness],
            "rules": [r.to_json() for r in report.rules],
            "ongoing": report.ongoing.to_json(),
            "open_over_30_days": report.open_over_30_days.to_json(),
            "discharge_time_unusable": report.discharge_invalid.to_json(),
        },
        "labels": _labels(),
        **_register_sections(report),
        "tables": [table_json(t) for t in report_tables(report)],
    }


def _register_sections(report: ActivityReport) -> dict:
    """The sections only the register gives (kad_spec.activity.feedback); none for a file report."""
    fb = report.feedback
    if fb is None:
        return {}
    first, last = fb.period
    return {
        "register": {"unit": fb.unit, "period": {"from": _day(first), "to": _day(last)}},
        "over_time": {"per_year": fb.per_year.to_json(), "by_year_and_month": fb.months_by_year.to_json(),
                      "year_to_date": fb.year_to_date.to_json() if fb.year_to_date else None},
        "comparison": {"size_measure": "stays", "similar_units": fb.similar_units,
                       "groups": [g.to_json() for g in fb.comparison]},
        "quality_over_time": {"per_month": [q.to_json() for q in fb.quality_per_month],
                              "scores": [s.to_json() for s in fb.scores], "open_findings": fb.open_findings.to_json()},
    }


def render_json(report: ActivityReport) -> str:
    return orjson.dumps(report_dict(report), option=orjson.OPT_INDENT_2).decode() + "\n"
