"""JUnit XML report, for CI systems that show test results (Jenkins, GitLab, Azure DevOps).

One ``<testsuite>`` per file, one ``<testcase>`` per finding:

- error and warning findings are ``<failure>`` with ``type`` set to the severity, so a
  CI page lists every finding; the exit code (``--fail-on``) still decides the build;
- a file that could not be read at all gives an ``<error>`` (the file was not checked);
- waived findings are ``<skipped>`` with the waiver's reason;
- a file without unwaived findings has a passing test case.

There are no timestamps, host names or durations, so the same input gives the same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from kad_spec.findings import ERROR, WARNING, Finding, mask_digits
from kad_spec.model import model
from kad_spec.reports import message_of, title_of, xpath_of
from kad_spec.verdict import classify

# XML 1.0 cannot carry most control characters; input files can.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

WORDS = {
    "nb": {ERROR: "feil", WARNING: "advarsel", "clean": "meldingen er gyldig", "file": "hele filen",
           "waived": "unntatt", "more": "flere funn er ikke vist (--max-findings)", "line": "linje"},
    "en": {ERROR: "error", WARNING: "warning", "clean": "the message is valid", "file": "whole file",
           "waived": "waived", "more": "more findings not shown (--max-findings)", "line": "line"},
}


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", mask_digits(text))


def _sub(parent: ET.Element, tag: str, **attrs: str) -> ET.Element:
    return ET.SubElement(parent, tag, {k: _clean(v) for k, v in attrs.items()})


def _details(finding: Finding, lang: str) -> str:
    """The failure body: every fact about the finding, one per line, for people reading the CI page."""
    facts = [
        ("rule_id", finding.rule_id),
        ("severity", finding.severity),
        ("title", title_of(finding.rule_id, lang)),
        ("message", message_of(finding, lang)),
        ("file", finding.file),
        ("pointer", finding.pointer or None),
        ("xpath", xpath_of(finding, model().root.name)),
        ("line", finding.line),
        ("column", finding.column),
        ("opphold_id", finding.opphold_id),
        ("waived", finding.waived),
    ]
    return "\n".join(f"{key}: {value}" for key, value in facts if value is not None) + "\n"


def _case_name(finding: Finding, lang: str) -> str:
    where = mask_digits(finding.pointer) or WORDS[lang]["file"]
    if finding.line:
        where += f" ({WORDS[lang]['line']} {finding.line})"
    return f"{finding.rule_id} {where}"


def _properties(parent: ET.Element, result, lang: str) -> None:
    props = _sub(parent, "properties")
    entries = [
        ("tool", "kad-spec"),
        ("tool_version", result.tool_version),
        ("specification_version", result.spec_version),
        ("language", lang),
    ]
    entries += [(f"codelist.{name}", edition) for name, edition in sorted(result.codelist_editions.items())]
    entries += [("notice", notice) for notice in result.notices]
    for name, value in entries:
        _sub(props, "property", name=name, value=str(value))


def _testcase(suite: ET.Element, file_label: str, finding: Finding, unreadable: bool, lang: str) -> None:
    case = _sub(suite, "testcase", classname=file_label, name=_case_name(finding, lang))
    message = f"{finding.rule_id} [{WORDS[lang][finding.severity]}]: {message_of(finding, lang)}"
    if finding.waived:
        _sub(case, "skipped", message=f"{WORDS[lang]['waived']}: {finding.waived} — {message}")
        return
    tag = "error" if unreadable else "failure"
    element = _sub(case, tag, message=message, type=finding.severity)
    element.text = _clean(_details(finding, lang))


def _testsuite(root: ET.Element, file, result, lang: str) -> dict[str, int]:
    label = file.path
    unreadable = file.format is None
    active = [f for f in file.findings if not f.waived]
    counts = {
        "tests": len(file.findings) + (0 if active else 1),
        "failures": 0 if unreadable else len(active),
        "errors": len(active) if unreadable else 0,
        "skipped": len(file.findings) - len(active),
    }
    suite = _sub(root, "testsuite", name=label, **{k: str(v) for k, v in counts.items()})
    _properties(suite, result, lang)
    _sub(suite.find("properties"), "property", name="receipt", value=classify(file))  # kad_spec.verdict
    for finding in file.findings:
        _testcase(suite, label, finding, unreadable, lang)
    if not active:
        _sub(suite, "testcase", classname=label, name=WORDS[lang]["clean"])
    if file.truncated:
        out = _sub(suite, "system-out")
        out.text = WORDS[lang]["more"]
    return counts


def render_junit(result, lang: str) -> str:
    root = ET.Element("testsuites", {"name": "kad-spec"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for file in result.files:
        for key, value in _testsuite(root, file, result, lang).items():
            totals[key] += value
    if not result.files:
        # Nothing was validated; keep the versions and notices visible all the same.
        suite = _sub(root, "testsuite", name="kad-spec", tests="0", failures="0", errors="0", skipped="0")
        _properties(suite, result, lang)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
