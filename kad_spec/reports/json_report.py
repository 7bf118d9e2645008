"""The JSON report; its schema is generated into ``generated/jsonschema/report.schema.json``.

Written file by file: the ``files`` array is spooled as each file is validated and the rest of
the report (summary, notices, editions) is put around it at the end.
"""

from __future__ import annotations

import orjson

from kad_spec.spec.findings import ERROR, WARNING, Finding
from kad_spec.spec.model import model
from kad_spec.output import clean
from kad_spec.reports import ReportWriter, message_of, pointer_of, title_of, xpath_of
from kad_spec.validation.verdict import tally

# Stands in for the files array while the rest of the report is dumped; a cleaned value can
# never dump as this (a NUL in the data is cleaned to the text "\u0000", dumped as "\\u0000").
_FILES = "\x00files"


def finding_dict(finding: Finding, lang: str) -> dict:
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity,
        "title": title_of(finding.rule_id, lang),
        "message": message_of(finding, lang),
        "file": clean(finding.file),
        "pointer": pointer_of(finding),
        "xpath": xpath_of(finding, model().root.name),
        "line": finding.line,
        "column": finding.column,
        "opphold_id": clean(finding.opphold_id) if finding.opphold_id else None,
        "waived": clean(finding.waived) if finding.waived else None,
    }


def omitted_dict(omitted) -> dict:
    return {
        "rule_id": omitted.rule_id,
        "severity": omitted.severity,
        "count": omitted.count,
        "opphold_id": clean(omitted.opphold_id) if omitted.opphold_id else None,
        "waived": clean(omitted.waived) if omitted.waived else None,
    }


def file_dict(file, lang: str) -> dict:
    return {
        "path": clean(file.path),
        "format": file.format,
        "stays": file.stays,
        "errors": file.count(ERROR),
        "warnings": file.count(WARNING),
        "truncated": file.truncated,
        "findings": [finding_dict(f, lang) for f in file.findings],
        "omitted": [omitted_dict(o) for o in file.omitted],
    }


def _head_dict(result, lang: str) -> dict:
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
            "waived": result.waived_count(),
            "omitted": 0,  # findings counted but not shown: the writer knows them
            "receipt": tally(result),  # files accepted, partly accepted, rejected (kad_spec.validation.verdict)
        },
        "notices": [clean(n) for n in result.notices],
        "files": _FILES,
    }


def _indented(data: dict, spaces: int) -> str:
    text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    pad = " " * spaces
    return "\n".join(pad + line for line in text.split("\n"))


class JsonWriter(ReportWriter):
    def __init__(self, lang: str, fail_on: str = ERROR):
        super().__init__(lang, fail_on)
        self.files = 0
        self.omitted = 0

    def add_file(self, file) -> None:
        self.body.write(("" if not self.files else ",\n") + _indented(file_dict(file, self.lang), 4))
        self.files += 1
        self.omitted += sum(o.count for o in file.omitted)

    def finish(self, run, out) -> None:
        head = _head_dict(run, self.lang)
        head["summary"]["omitted"] = self.omitted
        text = orjson.dumps(head, option=orjson.OPT_INDENT_2).decode()
        before, after = text.split(orjson.dumps(_FILES).decode(), 1)
        if not self.files:
            out.write(before + "[]" + after + "\n")
            return
        out.write(before + "[\n")
        self.copy_body(out)
        out.write("\n  ]" + after + "\n")


def report_dict(result, lang: str) -> dict:
    return orjson.loads(render_json(result, lang))


def render_json(result, lang: str) -> str:
    from kad_spec.reports import render

    return render(result, "json", lang)
