"""SARIF 2.1.0 report, for code-scanning views (GitHub, Azure DevOps, IDE viewers).

One run. The driver lists every catalogued rule with its description, help text and a link
to the rule's page in the published documentation. Each finding is a result with its
effective level (after severity overrides), the file as a relative URI with line and
column where known, and the JSON pointer (or XPath for XML files) and the stay as logical
locations. Waived findings carry an external, accepted suppression with the waiver's reason.
Notices (such as expired waivers) are tool execution notifications, and so is each file's
count of findings beyond ``--max-findings`` per rule (also in the artifact's properties).

Written file by file: artifacts and results are spooled as each file is validated; the run
around them (driver, notifications, editions) is written at the end.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import orjson

from kad_spec.spec.catalogue import Rule, catalogue
from kad_spec.spec.findings import ERROR, WARNING, Finding
from kad_spec.spec.model import model
from kad_spec.output import clean
from kad_spec.reports import ReportWriter, message_of, pointer_of, xpath_of
from kad_spec.spec.text import Text, pick
from kad_spec.validation.verdict import classify, tally

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "SRCROOT"
_STAY = re.compile(r"^/opphold/(\d+)")

WORDS = {
    "fields": Text("Felt", "Fields"),
    "docs": Text("Dokumentasjon", "Documentation"),
    "more": Text("{path}: {n} funn til av {rule} er ikke vist (--max-findings)",
                 "{path}: {n} more findings of {rule} not shown (--max-findings)"),
}


def help_uri(rule: Rule) -> str:
    base = str(model().annotations.get("dokumentasjon_url", "")).rstrip("/")
    return f"{base}/regler/{rule.slug}.html"


def _identifier(title_en: str) -> str:
    """SARIF's rule name is meant to be an identifier: 'Required element missing' → RequiredElementMissing."""
    words = re.findall(r"[A-Za-z0-9]+", title_en)
    return "".join(w[:1].upper() + w[1:] for w in words) or "Rule"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _description(rule: Rule) -> str:
    # The catalogue writes given/when/then in bokmål only, so the sentence stays in bokmål.
    return f"Gitt {_lower_first(rule.given)}, når {rule.when}, så {rule.then.rstrip('.')}."


def _rule_descriptor(rule: Rule, lang: str) -> dict:
    words = pick(WORDS, lang)
    uri = help_uri(rule)
    description = _description(rule)
    fields = ", ".join(rule.fields)
    text = f"{description} {words['fields']}: {fields}." if fields else description
    markdown = f"**{rule.title_in(lang)}**\n\n{description}"
    if fields:
        markdown += f"\n\n{words['fields']}: `{fields}`"
    return {
        "id": rule.id,
        "name": _identifier(rule.title_en),
        "shortDescription": {"text": rule.title_in(lang)},
        "fullDescription": {"text": description},
        "help": {
            "text": f"{text} {words['docs']}: {uri}",
            "markdown": f"{markdown}\n\n[{words['docs']}]({uri})",
        },
        "helpUri": uri,
        "defaultConfiguration": {"level": rule.severity},
        "properties": {"area": rule.area, "fields": list(rule.fields), "severity": rule.severity},
    }


def artifact_uri(path: str) -> tuple[str, bool]:
    """The file as a URI reference: relative to the working directory when inside it.

    Returns the URI and whether it is relative. Relative URIs carry the base id SRCROOT,
    the directory the validator ran in; the report names no absolute path of its own, so it
    is the same wherever the checkout lies.
    """
    absolute = Path(os.path.abspath(path))
    cwd = Path(os.getcwd())
    try:
        relative = absolute.relative_to(cwd)
    except ValueError:
        return absolute.as_uri(), False
    return quote(PurePosixPath(relative).as_posix()), True


def _artifact_location(path: str, index: int) -> dict:
    uri, relative = artifact_uri(path)
    location = {"uri": clean(uri), "index": index}
    if relative:
        location["uriBaseId"] = SRCROOT
    return location


def _logical_locations(finding: Finding, file_format: str | None) -> list[dict]:
    locations = []
    xpath = xpath_of(finding, model().root.name)
    pointer = pointer_of(finding)
    if pointer:
        is_xml = file_format == "xml"
        name = pointer.rstrip("/").rsplit("/", 1)[-1]
        locations.append({
            "name": name,
            "fullyQualifiedName": xpath if is_xml and xpath else pointer,
            "kind": "element" if is_xml else "property",
            "properties": {"pointer": pointer, "xpath": xpath},
        })
    if finding.opphold_id:
        stay = _STAY.match(finding.pointer or "")
        entry = {"name": clean(finding.opphold_id), "kind": "object"}
        if stay:
            is_xml = file_format == "xml"
            position = int(stay.group(1))
            entry["fullyQualifiedName"] = (f"/{model().root.name}/opphold[{position + 1}]" if is_xml
                                           else stay.group(0))
        locations.append(entry)
    return locations


def _result(finding: Finding, rule_index: dict[str, int], file_index: int, file_format, lang: str) -> dict:
    physical: dict = {"artifactLocation": _artifact_location(finding.file, file_index)}
    if finding.line:
        region = {"startLine": finding.line}
        if finding.column:
            region["startColumn"] = finding.column
        physical["region"] = region
    location: dict = {"physicalLocation": physical}
    logical = _logical_locations(finding, file_format)
    if logical:
        location["logicalLocations"] = logical
    result: dict = {
        "ruleId": finding.rule_id,
        "level": finding.severity if finding.severity in (ERROR, WARNING) else ERROR,
        "message": {"text": message_of(finding, lang)},
        "locations": [location],
        "properties": {
            "severity": finding.severity,
            "pointer": pointer_of(finding),
            "xpath": xpath_of(finding, model().root.name),
            "opphold_id": clean(finding.opphold_id) if finding.opphold_id else None,
        },
    }
    if finding.rule_id in rule_index:
        result["ruleIndex"] = rule_index[finding.rule_id]
    if finding.waived:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": clean(finding.waived)}
        ]
    return result


# Stand in for the arrays while the run around them is dumped (see json_report._FILES).
_ARTIFACTS = "\x00artifacts"
_RESULTS = "\x00results"


def _artifact(file, index: int) -> dict:
    omitted = sum(o.count for o in file.omitted)
    artifact = {
        "location": {k: v for k, v in _artifact_location(file.path, index).items() if k != "index"},
        "properties": {"format": file.format, "stays": file.stays, "truncated": file.truncated,
                       "omitted": omitted, "receipt": classify(file)},  # kad_spec.validation.verdict
    }
    if file.format:
        artifact["mimeType"] = "application/json" if file.format == "json" else "application/xml"
    return artifact


def _indented(data: dict, spaces: int) -> str:
    text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    return "\n".join(" " * spaces + line for line in text.split("\n"))


class SarifWriter(ReportWriter):
    def __init__(self, lang: str, fail_on: str = ERROR):
        super().__init__(lang, fail_on)
        self.artifacts = self.spool()
        self.rules = sorted(catalogue().values(), key=lambda r: r.id)
        self.rule_index = {rule.id: i for i, rule in enumerate(self.rules)}
        self.files = 0
        self.results = 0
        self.omitted_notes: list[dict] = []

    def add_file(self, file) -> None:
        index = self.files
        self.artifacts.write(("" if not index else ",\n") + _indented(_artifact(file, index), 8))
        for finding in file.findings:
            result = _result(finding, self.rule_index, index, file.format, self.lang)
            self.body.write(("" if not self.results else ",\n") + _indented(result, 8))
            self.results += 1
        for o in file.omitted:
            text = WORDS["more"].format(self.lang, path=file.path, n=o.count, rule=o.rule_id)
            self.omitted_notes.append({"level": "note", "message": {"text": clean(text)}})
        self.files += 1

    def finish(self, run_result, out) -> None:
        log = _log(run_result, self.lang, self.rules)
        log["runs"][0]["invocations"][0]["toolExecutionNotifications"] += self.omitted_notes
        text = orjson.dumps(log, option=orjson.OPT_INDENT_2).decode()
        before, rest = text.split(orjson.dumps(_ARTIFACTS).decode(), 1)
        middle, after = rest.split(orjson.dumps(_RESULTS).decode(), 1)
        out.write(before)
        _write_array(out, self.artifacts, self.files)
        out.write(middle)
        _write_array(out, self.body, self.results)
        out.write(after + "\n")


def _write_array(out, spool, count: int) -> None:
    if not count:
        out.write("[]")
        spool.close()
        return
    out.write("[\n")
    spool.seek(0)
    shutil.copyfileobj(spool, out)
    spool.close()
    out.write("\n      ]")


def _log(result, lang: str, rules) -> dict:
    docs = str(model().annotations.get("dokumentasjon_url", ""))
    run = {
        "tool": {
            "driver": {
                "name": "kad-spec",
                "version": result.tool_version,
                "semanticVersion": result.tool_version,
                "informationUri": docs,
                "language": lang,
                "rules": [_rule_descriptor(rule, lang) for rule in rules],
            }
        },
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [{"level": "warning", "message": {"text": clean(n)}}
                                               for n in result.notices],
            }
        ],
        "artifacts": _ARTIFACTS,
        "results": _RESULTS,
        "language": lang,
        "columnKind": "unicodeCodePoints",
        "properties": {
            "specificationVersion": result.spec_version,
            "codelistEditions": dict(sorted(result.codelist_editions.items())),
            "notices": [clean(n) for n in result.notices],
            "receipt": tally(result),  # kad_spec.validation.verdict
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def sarif_dict(result, lang: str) -> dict:
    return orjson.loads(render_sarif(result, lang))


def render_sarif(result, lang: str) -> str:
    from kad_spec.reports import render

    return render(result, "sarif", lang)
