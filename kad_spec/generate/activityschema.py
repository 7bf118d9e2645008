"""JSON Schema of the activity and data-quality report (``kad-spec report --format json``).

Published beside the validation report's schema so that a dashboard can read the report
without kad-spec. Every count is a ``Cell`` (its number, or null when it is suppressed) and
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
                 "findings": _ref("Cell"), "stays": _ref("Cell")})
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


def activity_schema(m: Model) -> dict:
    properties = {
        **_existing_sections(),
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{m.id}/{m.version}/{SCHEMA_NAME}",
        "title": "kad-spec aktivitetsrapport",
        "description": "Aktivitets- og datakvalitetsrapporten fra `kad-spec report --format json`, fra "
                       "meldingsfiler eller fra registeret. Definisjoner: docs/aktivitetsrapport.md.",
        **_obj(properties),
        "$defs": _defs(),
    }


def generate_activity_schema(m: Model) -> str:
    return json.dumps(activity_schema(m), ensure_ascii=False, indent=2) + "\n"
