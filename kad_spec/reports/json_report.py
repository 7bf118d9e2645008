"""The JSON report; its schema is generated into ``generated/jsonschema/report.schema.json``."""

from __future__ import annotations

import orjson

from kad_spec.findings import ERROR, WARNING, Finding, mask_digits
from kad_spec.model import model
from kad_spec.reports import message_of, pointer_of, title_of, xpath_of
from kad_spec.verdict import tally


def finding_dict(finding: Finding, lang: str) -> dict:
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity,
        "title": title_of(finding.rule_id, lang),
        "message": message_of(finding, lang),
        "file": mask_digits(finding.file),
        "pointer": pointer_of(finding),
        "xpath": xpath_of(finding, model().root.name),
        "line": finding.line,
        "column": finding.column,
        "opphold_id": mask_digits(finding.opphold_id) if finding.opphold_id else None,
        "waived": mask_digits(finding.waived) if finding.waived else None,
    }


def report_dict(result, lang: str) -> dict:
    return {
        "tool": {"name": "kad-spec", "version": result.tool_version},
        "specification_version": result.spec_version,
        "codelist_editions": result.codelist_editions,
        "language": lang,
        "summary": {
            "files": len(result.files),
            "stays": result.stays,
            "errors": result.count(ERROR),
            "warnings": result.count(WARNING),
            "waived": sum(1 for f in result.findings if f.waived),
            "receipt": tally(result),  # files accepted, partly accepted, rejected (kad_spec.verdict)
        },
        "notices": [mask_digits(n) for n in result.notices],
        "files": [
            {
                "path": mask_digits(r.path),
                "format": r.format,
                "stays": r.stays,
                "errors": r.count(ERROR),
                "warnings": r.count(WARNING),
                "truncated": r.truncated,
                "findings": [finding_dict(f, lang) for f in r.findings],
            }
            for r in result.files
        ],
    }


def render_json(result, lang: str) -> str:
    return orjson.dumps(report_dict(result, lang), option=orjson.OPT_INDENT_2).decode() + "\n"
