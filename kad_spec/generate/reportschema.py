"""JSON Schema of the validator's JSON report, published beside the message schema."""

from __future__ import annotations

import json

from kad_spec.spec.model import Model
from kad_spec.validation.verdict import VERDICTS

_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_INT = {"type": ["integer", "null"], "minimum": 1}


def generate_report_schema(m: Model) -> str:
    finding = {
        "type": "object",
        "additionalProperties": False,
        "required": ["rule_id", "severity", "title", "message", "file", "pointer", "xpath", "line", "column", "opphold_id", "waived"],
        "properties": {
            "rule_id": {"type": "string", "pattern": "^KAD-[A-Z]+-[0-9]{3}$", "description": "Stabil regel-id."},
            "severity": {"enum": ["error", "warning"]},
            "title": {"type": "string"},
            "message": {"type": "string", "description": "Meldingstekst; personidentifikatorer er maskert."},
            "file": {"type": "string"},
            "pointer": {"type": "string", "description": "JSON-peker til elementet (tom for hele filen)."},
            "xpath": _NULLABLE_STRING,
            "line": _NULLABLE_INT,
            "column": _NULLABLE_INT,
            "opphold_id": _NULLABLE_STRING,
            "waived": {"type": ["string", "null"], "description": "Begrunnelsen når et unntak gjelder."},
        },
    }
    count = {"type": "integer", "minimum": 0}
    omitted = {
        "type": "object",
        "additionalProperties": False,
        "description": "Funn av én regel utover --max-findings (standard 1000 per regel og fil): bare talt.",
        "required": ["rule_id", "severity", "count", "opphold_id", "waived"],
        "properties": {
            "rule_id": finding["properties"]["rule_id"],
            "severity": {"enum": ["error", "warning"]},
            "count": {"type": "integer", "minimum": 1, "description": "Antall funn som ikke er vist."},
            "opphold_id": {"type": ["string", "null"],
                           "description": "Satt bare for et opphold som et unntak navngir."},
            "waived": {"type": ["string", "null"], "description": "Begrunnelsen når et unntak gjelder."},
        },
    }
    receipt = {
        "type": "object",
        "additionalProperties": False,
        "description": "Filer per status registeret ville gitt i kvitteringen (AppRec, `--format apprec`): "
                       "godtatt, delvis godtatt (noen opphold avvist) og avvist; regnet av alle funn, "
                       "også dem utover --max-findings.",
        "required": list(VERDICTS),
        "properties": {verdict: count for verdict in VERDICTS},
    }
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{m.id}/{m.version}/report.schema.json",
        "title": "kad-spec valideringsrapport",
        "description": "Rapporten fra `kad-spec validate --format json`.",
        "type": "object",
        "additionalProperties": False,
        "required": ["tool", "specification_version", "codelist_editions", "language", "summary", "notices", "files"],
        "properties": {
            "tool": {
                "type": "object",
                "required": ["name", "version"],
                "properties": {"name": {"const": "kad-spec"}, "version": {"type": "string"}},
            },
            "specification_version": {"type": "string"},
            "codelist_editions": {"type": "object", "additionalProperties": {"type": "string"}},
            "language": {"enum": ["nb", "en"]},
            "summary": {
                "type": "object",
                "required": ["files", "stays", "errors", "warnings", "waived", "omitted", "receipt"],
                "properties": {**{k: count for k in ("files", "stays", "errors", "warnings", "waived", "omitted")},
                               "receipt": receipt},
            },
            "notices": {"type": "array", "items": {"type": "string"}},
            "files": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["path", "format", "stays", "errors", "warnings", "truncated", "findings", "omitted"],
                    "properties": {
                        "path": {"type": "string"},
                        "format": {"enum": ["json", "xml", None]},
                        "stays": count,
                        "errors": count,
                        "warnings": count,
                        "truncated": {"type": "boolean",
                                      "description": "Sann når funn utover --max-findings bare er talt (omitted)."},
                        "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
                        "omitted": {"type": "array", "items": {"$ref": "#/$defs/omitted"}},
                    },
                },
            },
        },
        "$defs": {"finding": finding, "omitted": omitted},
    }
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
