"""JUnit XML report, for CI systems that show test results (Jenkins, GitLab, Azure DevOps).

One ``<testsuite>`` per file, one ``<testcase>`` per finding:

- a finding that fails the run under ``--fail-on`` (an error; a warning too with
  ``--fail-on warning``) is a ``<failure>`` with ``type`` set to the severity, so the test
  counts agree with the exit code: a run that passes shows no failed test;
- a warning that does not fail the run is a passing test case with its text in
  ``<system-out>``: visible on the CI page, not red (as ESLint's and Ruff's JUnit writers
  keep such results visible without failing the build);
- a file that could not be read at all gives an ``<error>`` (the file was not checked);
- waived findings are ``<skipped>`` with the waiver's reason;
- findings beyond ``--max-findings`` per rule are one test case per rule with their count,
  failing, passing or skipped as the findings they stand for;
- a file without unwaived findings has a passing test case.

There are no timestamps, host names or durations, so the same input gives the same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from kad_spec.spec.findings import ERROR, WARNING, Finding
from kad_spec.spec.model import model
from kad_spec.output import clean
from kad_spec.reports import ReportWriter, message_of, title_of, xpath_of
from kad_spec.spec.text import Text
from kad_spec.validation.verdict import VERDICTS, classify

# XML 1.0 cannot carry most control characters; input files can.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

WORDS = {
    ERROR: Text("feil", "error"),
    WARNING: Text("advarsel", "warning"),
    "clean": Text("meldingen er gyldig", "the message is valid"),
    "file": Text("hele filen", "whole file"),
    "waived": Text("unntatt", "waived"),
    "more": Text("{n} funn til er ikke vist (--max-findings)", "{n} more findings not shown (--max-findings)"),
    "line": Text("linje", "line"),
}


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", clean(text))


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
    where = clean(finding.pointer) or WORDS["file"].get(lang)
    if finding.line:
        where += f" ({WORDS['line'].get(lang)} {finding.line})"
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


def _case(suite: ET.Element, file_label: str, name: str, severity: str, waived: str | None, fails: bool,
          unreadable: bool, message: str, details: str, lang: str) -> str:
    """One test case; returns which count it adds to: failures, errors, skipped or passed."""
    case = _sub(suite, "testcase", classname=file_label, name=name)
    if waived:
        _sub(case, "skipped", message=f"{WORDS['waived'].get(lang)}: {waived} — {message}")
        return "skipped"
    if not fails:
        out = _sub(case, "system-out")
        out.text = _clean(details)
        return "passed"
    tag = "error" if unreadable else "failure"
    element = _sub(case, tag, message=message, type=severity)
    element.text = _clean(details)
    return "errors" if unreadable else "failures"


def _testcase(suite, file_label: str, finding: Finding, unreadable: bool, fails, lang: str) -> str:
    message = f"{finding.rule_id} [{WORDS[finding.severity].get(lang)}]: {message_of(finding, lang)}"
    return _case(suite, file_label, _case_name(finding, lang), finding.severity, finding.waived,
                 fails(finding.severity), unreadable, message, _details(finding, lang), lang)


def _omitted_case(suite, file_label: str, omitted, unreadable: bool, fails, lang: str) -> str:
    more = WORDS["more"].format(lang, n=omitted.count)
    message = f"{omitted.rule_id} [{WORDS[omitted.severity].get(lang)}]: {title_of(omitted.rule_id, lang)}: {more}"
    return _case(suite, file_label, f"{omitted.rule_id} ({more})", omitted.severity, omitted.waived,
                 fails(omitted.severity), unreadable, message, message + "\n", lang)


_PROPERTIES = "kad-spec-properties"  # stands in for each suite's properties until the run is known
_PLACEHOLDER = f"    <{_PROPERTIES} />\n"
# With the file's receipt status, which the suite's properties end with.
_PLACEHOLDERS = {f'    <{_PROPERTIES} receipt="{verdict}" />\n': verdict for verdict in VERDICTS}


def _testsuite(file, lang: str, fails) -> tuple[ET.Element, dict[str, int]]:
    label = file.path
    unreadable = file.format is None
    suite = ET.Element("testsuite", {"name": _clean(label)})
    ET.SubElement(suite, _PROPERTIES, receipt=classify(file))  # kad_spec.validation.verdict
    outcomes = [_testcase(suite, label, f, unreadable, fails, lang) for f in file.findings]
    outcomes += [_omitted_case(suite, label, o, unreadable, fails, lang) for o in file.omitted]
    active = [f for f in file.findings if not f.waived] + [o for o in file.omitted if not o.waived]
    if not active:
        _sub(suite, "testcase", classname=label, name=WORDS["clean"].get(lang))
        outcomes.append("passed")
    counts = {"tests": len(outcomes), "failures": outcomes.count("failures"),
              "errors": outcomes.count("errors"), "skipped": outcomes.count("skipped")}
    for key, value in counts.items():
        suite.set(key, str(value))
    return suite, counts


class JunitWriter(ReportWriter):
    def __init__(self, lang: str, fail_on: str = ERROR):
        super().__init__(lang, fail_on)
        self.totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        self.files = 0

    def add_file(self, file) -> None:
        suite, counts = _testsuite(file, self.lang, self.fails_run)
        for key, value in counts.items():
            self.totals[key] += value
        self._write_suite(suite)
        self.files += 1

    def _write_suite(self, suite: ET.Element) -> None:
        ET.indent(suite, space="  ", level=1)
        self.body.write("  " + ET.tostring(suite, encoding="unicode").rstrip() + "\n")

    def finish(self, run, out) -> None:
        if not self.files:
            # Nothing was validated; keep the versions and notices visible all the same.
            suite = ET.Element("testsuite", name="kad-spec", tests="0", failures="0", errors="0", skipped="0")
            ET.SubElement(suite, _PROPERTIES)
            self._write_suite(suite)
        root = ET.Element("testsuites", {"name": "kad-spec", **{k: str(v) for k, v in self.totals.items()}})
        head = ET.tostring(root, encoding="unicode").replace(" />", ">")
        props = {line: _suite_properties(run, self.lang, verdict) for line, verdict in _PLACEHOLDERS.items()}
        props[_PLACEHOLDER] = _suite_properties(run, self.lang, None)
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n' + head + "\n")
        self.body.seek(0)
        for line in self.body:
            out.write(props.get(line, line))
        self.body.close()
        out.write("</testsuites>\n")


def _suite_properties(run, lang: str, verdict: str | None) -> str:
    """A suite's properties element as written: the run's properties, then the file's receipt status."""
    holder = ET.Element("holder")
    _properties(holder, run, lang)
    if verdict is not None:
        _sub(holder[0], "property", name="receipt", value=verdict)  # kad_spec.validation.verdict
    ET.indent(holder[0], space="  ", level=2)
    return "    " + ET.tostring(holder[0], encoding="unicode").rstrip() + "\n"


def render_junit(result, lang: str) -> str:
    from kad_spec.reports import render

    return render(result, "junit", lang)
