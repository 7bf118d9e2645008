"""Reports of a validation run. Every format shows the same facts; personal ids are masked.

Reports are written as the files are validated, so that no run holds all its findings. A
format plugs in as a :class:`ReportWriter`:

* ``add_file(file)`` is called once per file, in order, as soon as the file is validated; the
  writer writes that file's part of the report to ``self.body`` (a spool that moves to a
  temporary file beyond a few megabytes) and keeps nothing of its findings;
* ``finish(run, out)`` writes the whole report to the text stream ``out``: the parts that need
  the whole run (versions, code list editions, notices, totals) around the spooled body.

Every string taken from the data passes :func:`kad_spec.output.clean` as the writer builds it.
A file's findings beyond ``--max-findings`` per rule arrive as counts (``file.omitted``), and
its receipt status is decided on all of them before it arrives (``file.verdict``, see
:mod:`kad_spec.validation.verdict`). The receipts (``apprec``) write file by file too, but as bytes to the
place they were made for (``own_output``): they are data for the register, masked as they are made.
"""

from __future__ import annotations

import shutil
import tempfile
from functools import cache

from kad_spec.spec.findings import ERROR, WARNING, Finding
from kad_spec.output import clean

FORMATS = ("text", "json", "junit", "sarif", "apprec")
SPOOL_BYTES = 4 << 20


class ReportWriter:
    """A report format that is written file by file; see the module's description."""

    own_output = False  # True: writes to the place it was made for (receipts), finish() gets no stream
    # Beyond this a spool moves to a temporary file. The service (kad_spec.service.jobs) sets it
    # to never: its reports of one message stay in memory, as the message does.
    spool_bytes = SPOOL_BYTES

    def __init__(self, lang: str, fail_on: str = ERROR):
        self.lang = lang
        self.fail_on = fail_on
        self.body = self.spool()

    def spool(self):
        return tempfile.SpooledTemporaryFile(max_size=self.spool_bytes, mode="w+", encoding="utf-8", newline="")

    def add_file(self, file) -> None:
        raise NotImplementedError

    def finish(self, run, out) -> None:
        raise NotImplementedError

    def fails_run(self, severity: str) -> bool:
        """Whether a finding of this severity (not waived) makes the run fail under ``--fail-on``."""
        return severity == ERROR or (self.fail_on == WARNING and severity == WARNING)

    def copy_body(self, out) -> None:
        self.body.seek(0)
        shutil.copyfileobj(self.body, out)
        self.body.close()


def writer_for(fmt: str, lang: str, fail_on: str = ERROR, output_path=None, force: bool = False,
               inputs=()) -> ReportWriter:
    """The writer of a format; where it goes (``output_path``, file or folder, ``force``, the run's
    ``inputs`` never to be written over) only matters to receipts, which write themselves."""
    if fmt == "apprec":
        from kad_spec.reports.apprec import ApprecWriter

        return ApprecWriter(lang, fail_on, output_path, force=force, inputs=inputs)
    if fmt == "json":
        from kad_spec.reports.json_report import JsonWriter as writer
    elif fmt == "junit":
        from kad_spec.reports.junit import JunitWriter as writer
    elif fmt == "sarif":
        from kad_spec.reports.sarif import SarifWriter as writer
    else:
        from kad_spec.reports.text import TextWriter as writer
    return writer(lang, fail_on)


def message_of(finding: Finding, lang: str) -> str:
    from kad_spec.spec.catalogue import catalogue

    rule = catalogue().get(finding.rule_id)
    text = rule.message(lang, finding.params) if rule else finding.rule_id
    return clean(text)


def title_of(rule_id: str, lang: str) -> str:
    from kad_spec.spec.catalogue import catalogue

    rule = catalogue().get(rule_id)
    return rule.title_in(lang) if rule else rule_id


def pointer_of(finding: Finding) -> str:
    """The JSON pointer as reports show it: an element named by a person id must not show it."""
    return clean(finding.pointer)


@cache
def _list_fields() -> frozenset[str]:
    from kad_spec.spec.model import model

    return frozenset(path[-1] for path, attr in model().walk() if attr.multivalued)


def xpath_of(finding: Finding, root: str) -> str | None:
    base = finding.xpath_base or ""  # an enveloped message: the path of its holder in the envelope
    if not finding.pointer:
        return clean(base) if base else None
    from kad_spec.spec.pointer import split

    parts = [part for part in split(finding.pointer) if part]
    steps = [root]
    for part in parts:
        # A number is a position only below a list; elsewhere it is an (unknown) element name.
        if part.isdigit() and len(steps) > 1 and steps[-1] in _list_fields():
            steps[-1] = f"{steps[-1]}[{int(part) + 1}]"
        else:
            steps.append(part)
    return clean(base + "/" + "/".join(steps))


def place_of(finding: Finding, file_format: str | None, root: str) -> str:
    """Where the finding is, in the file's own terms: XPath in an XML file, JSON pointer otherwise."""
    if file_format == "xml":
        return xpath_of(finding, root) or ""
    if not finding.pointer and finding.xpath_base:  # a finding on an envelope: where in it
        return clean(finding.xpath_base)
    return pointer_of(finding)


def render(result, fmt: str, lang: str, fail_on: str = ERROR) -> str:
    """A whole report as text (for a run whose findings are all at hand)."""
    import io

    writer = writer_for(fmt, lang, fail_on)
    for file in result.files:
        writer.add_file(file)
    out = io.StringIO()
    writer.finish(result, out)
    return out.getvalue()
