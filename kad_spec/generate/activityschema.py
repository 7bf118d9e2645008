"""JSON Schema of the activity and data-quality report (``kad-spec report --format json``).

Published beside the validation report's schema so that a dashboard can read the report
without kad-spec. The register's sections (over_time, comparison, quality_over_time) are in a
report from the register only; every report has its tables. Every count is a ``Cell`` (its number, or null when it is suppressed) and
every share a ``Share``; docs/aktivitetsrapport.md defines each figure.
"""

from __future__ import annotations

import json

from kad_spec.spec.model import Model

SCHEMA_NAME = "aktivitetsrapport.schema.json"


def _obj(properties: dict, description: str | None = None, *, optional: tuple[str, ...] = ()) -> dict:
    """A closed object: every property given is required unless named in ``optional``."""
    schema = {"type": "object", "additionalProperties": False,
              "required": [name for name in properties if name not in optional], "properties": properties}
    if description:
        schema["description"] = description
    return schema


def _ref(name: str) -> dict:
    return {"$ref": f"#/$defs/{name}"}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


NUMBER_OR_NULL = {"type": ["number", "null"]}
PERCENT = {"type": ["number", "null"], "minimum": 0, "maximum": 100}
STRING = {"type": "string"}
DAY = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
RULE_ID = {"type": "string", "pattern": "^KAD-[A-Z]+-[0-9]{3}$"}
SEVERITY = {"enum": ["error", "warning"]}
TEXTS = _obj({"nb": STRING, "en": STRING})


def _defs() -> dict:
    cell = _obj({"n": {"type": ["integer", "null"], "minimum": 0}, "suppressed": {"type": "boolean"}},
                "Et antall: n er null når tallet er skjult (små tall).")
    share = _obj({"part": _ref("Cell"), "whole": _ref("Cell"),
                  "percent": {"type": ["number", "null"], "minimum": 0, "maximum": 100}},
                 "En andel: percent er null når den ville avsløre et lite tall, eller når helheten er 0.")
    series = _obj({"labels": _array(STRING), "cells": _array(_ref("Cell")), "total": _ref("Cell")},
                  "Tall med etiketter og sum (en endimensjonal tabell).")
    table = _obj({"rows": _array(STRING), "columns": _array(STRING), "cells": _array(_array(_ref("Cell"))),
                  "row_totals": _array(_ref("Cell")), "column_totals": _array(_ref("Cell")), "total": _ref("Cell")},
                 "En todimensjonal tabell med rad-, kolonne- og totalsummer.")
    return {"Cell": cell, "Share": share, "Series": series, "Table": table}


def _top_codes() -> dict:
    code = _obj({"code": STRING, "text": STRING, "count": _ref("Cell")})
    return _obj({"system": {"enum": ["ICPC-2", "ICD-10"]}, "side": {"enum": ["innskrivning", "utskrivning"]},
                 "codes": _array(code), "hidden_codes": {"type": "integer", "minimum": 0},
                 "stays_with_code": _ref("Cell")})


def _existing_sections() -> dict:
    """The keys the file report has always had."""
    occupancy = _obj({"first_day": _nullable(DAY), "days": _array(DAY), "cells": _array(_ref("Cell")),
                      "mean": NUMBER_OR_NULL, "peak": _ref("Cell")})
    length_of_stay = _obj({"discharged": _ref("Cell"), "median_days": NUMBER_OR_NULL, "p90_days": NUMBER_OR_NULL,
                           "buckets": _ref("Series")})
    chapter_change = _obj({"system": STRING, "same": _ref("Cell"), "changed": _ref("Cell"),
                           "comparable": _ref("Cell"), "share_changed_percent": NUMBER_OR_NULL})
    chapters = _obj({**_defs()["Table"]["properties"], "unmapped_codes": {"type": "integer", "minimum": 0},
                     "unmapped_diagnoses": _ref("Cell")},
                    "Opphold per ICD-10-kapittel og side, begge kodeverk (ICPC-2 via konverteringstabellen).")
    completeness = _obj({"field": STRING, **_defs()["Share"]["properties"]})
    rule = _obj({"rule_id": RULE_ID, "title": STRING, "title_en": STRING, "severity": SEVERITY,
                 "findings": _ref("Cell"), "stays": _ref("Cell"), "stays_percent": PERCENT})
    labels = {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": TEXTS}}
    return {
        "report": {"const": "kad-spec aktivitetsrapport"},
        "tool": _obj({"name": {"const": "kad-spec"}, "version": STRING}),
        "specification_version": STRING,
        "min_cell": {"type": "integer", "minimum": 1},
        "reference_day": _nullable(DAY),
        "first_day": _nullable(DAY),
        "units": _array(_obj({"organisasjonsnummer": STRING, "navn": _nullable(STRING)},
                             "En enhet som har sendt meldingene (virksomhet i meldingshodet).")),
        "files": _obj({"read": {"type": "integer", "minimum": 0}, "unreadable": {"type": "integer", "minimum": 0},
                       "validated": {"type": "boolean"}}),
        "records": _obj({name: _ref("Cell") for name in ("read", "replaced", "cancelled", "unusable")}),
        "stays": _ref("Cell"),
        "activity": _obj({"per_month": _ref("Series"), "occupancy": occupancy, "length_of_stay": length_of_stay,
                          "age_sex": _ref("Table")}),
        "diagnoses": _obj({"top_codes": _array(_top_codes()), "chapter_changes": _array(chapter_change),
                           "not_comparable": _ref("Cell"),
                           "icd10_chapters": chapters}),
        "flows": _obj({"referral_to_discharge": _ref("Table"), "to_hospital": _ref("Share"),
                       "to_hospital_or_own_institution": _ref("Share")}),
        "data_quality": _obj({"completeness": _array(completeness), "rules": _array(rule),
                              "ongoing": _ref("Cell"), "open_over_30_days": _ref("Cell"),
                              "discharge_time_unusable": _ref("Cell")}),
        "labels": labels,
    }


def _table() -> dict:
    """One table of the page, as its CSV file holds it (kad_spec.activity.tables)."""
    value = {"anyOf": [_ref("Cell"), TEXTS, STRING, {"type": "number"}, {"type": "null"}]}
    column = _obj({"id": STRING, "nb": STRING, "en": STRING, "numeric": {"type": "boolean"}})
    return _obj({"id": {"type": "string", "pattern": "^[a-z0-9-]+$"}, "section": STRING, "title": TEXTS,
                 "columns": _array(column), "rows": _array(_array(value)),
                 "sum_rows": {"type": "integer", "minimum": 0}},
                "En tabell på siden, med samme tall som CSV-filen <id>.csv (report --csv).")


def _register_sections() -> dict:
    """The keys only a report from the register has (kad_spec.activity.feedback)."""
    ytd_row = _obj({"measure": {"enum": ["opphold", "utskrevet", "personer"]}, "this_year": _ref("Cell"),
                    "last_year": _ref("Cell"), "change_percent": NUMBER_OR_NULL})
    year_to_date = _obj({"year": {"type": "integer"}, "from": DAY, "to": DAY, "rows": _array(ytd_row)},
                        "Hittil i år (1. januar til referansedagen) mot samme dager i fjor.")
    keyed = {"category": STRING, "group": STRING, "code": STRING}
    group = _obj({"group": {"enum": ["enheten", "lignende", "alle"]}, "units": {"type": "integer", "minimum": 0},
                  "stays": _ref("Cell"), "median_length_of_stay_days": NUMBER_OR_NULL, "to_hospital": _ref("Share"),
                  "readmitted_30_days": _ref("Share"),
                  **{name: _array(_obj({key: keyed[key], **_defs()["Share"]["properties"]}))
                     for name, key in (("referral", "category"), ("age", "group"), ("sex", "code"))}})
    month = _obj({"month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, "stays": _ref("Cell"),
                  "referral_id": _ref("Share"), "destination_id": _ref("Share"), "with_errors": _ref("Share"),
                  "median_hours_admission_reported": NUMBER_OR_NULL, "median_hours_discharge_reported": NUMBER_OR_NULL,
                  "timely": _ref("Share")})
    score = _obj({"organisasjonsnummer": STRING, "stays": _ref("Cell"),
                  "components": _obj({name: PERCENT for name in ("completeness", "validity", "timeliness", "closure")}),
                  "score": PERCENT}, "Datakvalitetsindeksen: gjennomsnittet av komponentene som kan vises.")
    return {
        "register": _obj({"unit": _nullable(STRING), "period": _obj({"from": _nullable(DAY), "to": _nullable(DAY)})},
                         "Rapporten er laget fra registeret: for én enhet, eller for alle (unit er null)."),
        "over_time": _obj({"per_year": _ref("Series"), "by_year_and_month": _ref("Table"),
                           "year_to_date": _nullable(year_to_date)}),
        "comparison": _obj({"size_measure": {"const": "stays"}, "similar_units": {"type": "integer", "minimum": 0},
                            "groups": _array(group)},
                           "Enheten mot enheter av lignende størrelse (0,5–2 ganger så mange opphold) og alle enheter."),
        "quality_over_time": _obj({"per_month": _array(month), "scores": _array(score), "open_findings": _ref("Cell")}),
    }


REGISTER_ONLY = tuple(_register_sections())


def activity_schema(m: Model) -> dict:
    properties = {
        **_existing_sections(),
        **_register_sections(),
        "tables": _array(_table()),
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{m.id}/{m.version}/{SCHEMA_NAME}",
        "title": "kad-spec aktivitetsrapport",
        "description": "Aktivitets- og datakvalitetsrapporten fra `kad-spec report --format json`, fra "
                       "meldingsfiler eller fra registeret. Definisjoner: docs/aktivitetsrapport.md.",
        **_obj(properties, optional=REGISTER_ONLY),
        "$defs": _defs(),
    }


def generate_activity_schema(m: Model) -> str:
    return json.dumps(activity_schema(m), ensure_ascii=False, indent=2) + "\n"
