"""Files in, figures out: validate and read every file once, then compute the figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from kad_spec.activity.figures import ActivityReport, compute
from kad_spec.activity.records import Collected, StayCollector


@dataclass(frozen=True, slots=True)
class RuleHit:
    """What the report keeps of a finding: the rule, and which stay (within which file) it concerns."""

    rule_id: str
    severity: str
    file: str
    opphold_id: str | None


def _validator(today: date | None):
    from kad_spec.validation.engine import Settings, Validator

    return Validator(Settings(today=today or date.today()))


def _validated(validator, doc, add) -> list:
    """Validate a document that is already open, its stays handed to ``add`` in the same pass.

    Line numbers are not looked up: the report counts findings and does not point at lines.
    """
    from kad_spec.validation.engine import FileResult

    def each_stay(batch) -> None:
        for stay in batch.plain_rows():
            add(stay)

    result = FileResult(path=str(doc.path), format=doc.format)
    validator.check_document(doc, result, on_batch=each_stay)
    return result.findings


def _hits(findings) -> list[RuleHit]:
    return [RuleHit(f.rule_id, f.severity, f.file, f.opphold_id) for f in findings]


def _read_all(files: list[Path], collector: StayCollector, validator) -> tuple[int, list[RuleHit]]:
    """Read every file into the collector; with a validator, in the same pass as the validation."""
    from kad_spec.message import ReadFailure, open_document

    unreadable, hits = 0, []
    for path in files:
        try:
            doc = open_document(path)
        except (ReadFailure, OSError):
            unreadable += 1
            if validator is not None:
                hits += _hits(validator.validate_file(path).findings)
            continue
        add = collector.start_document(doc.header)
        try:
            if validator is not None:
                hits += _hits(_validated(validator, doc, add))
            else:
                doc.run(lambda _index, stay, *_reader_extras: add(stay))
        except ReadFailure as failure:  # a streaming reader finds a syntax error late
            unreadable += 1
            if validator is not None:
                hits.append(RuleHit(failure.rule_id, validator.severity(failure.rule_id), str(path), None))
    return unreadable, hits


def collect(files: list[Path], today: date | None, validate: bool) -> tuple[StayCollector, int, list[RuleHit]]:
    """Read (and validate) the files, each in one pass."""
    collector = StayCollector()
    unreadable, hits = _read_all(files, collector, _validator(today) if validate else None)
    return collector, unreadable, hits


def _code_texts(system: str) -> dict[str, str]:
    return dict(_texts("icd10" if system == "ICD-10" else "icpc2"))


@lru_cache(maxsize=None)
def _texts(list_name: str) -> tuple[tuple[str, str], ...]:
    """Code -> bokmål text (the latest period's text) for a bundled code list."""
    from kad_spec.codelists import load_codelists

    codelist = load_codelists().get(list_name)
    if codelist is None:
        return ()
    return tuple((code, codelist.entries(code)[-1].text) for code in codelist.codes())


def small_list(list_name: str) -> list[tuple[str, str, str]]:
    """(code, text, English text) of a small code list in file order."""
    from kad_spec.codelists import load_codelists

    codelist = load_codelists().get(list_name)
    if codelist is None:
        return []
    return [(code, codelist.entries(code)[-1].text, codelist.entries(code)[-1].text_en) for code in codelist.codes()]


def _rule_titles(rule_id: str) -> tuple[str, str]:
    from kad_spec.spec.catalogue import catalogue

    rule = catalogue().get(rule_id)
    return (rule.title, rule.title_en) if rule else (rule_id, rule_id)


def build_report(paths: list[Path], min_cell: int = 5, today: date | None = None, *,
                 validate: bool = True) -> ActivityReport:
    """The activity and data-quality report for the message files (and folders) in ``paths``.

    Every file is read once; with ``validate`` (default) its findings are counted per rule.
    ``today`` is the reference day for ongoing stays; by default the last day the data covers.
    """
    from kad_spec.validation.engine import expand_paths

    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    files = expand_paths(paths)
    collector, unreadable, findings = collect(files, today, validate)
    return report_of(collector.finish(), findings, min_cell=min_cell, today=today, files=len(files),
                     files_unreadable=unreadable, validated=validate)


def report_of(collected: Collected, findings: list[RuleHit], *, min_cell: int, today: date | None, files: int,
              files_unreadable: int, validated: bool) -> ActivityReport:
    """The report of stays collected (from files, or from the register) and the findings on them."""
    from kad_spec import __version__
    from kad_spec.validation.engine import spec_version

    report = compute(
        collected, findings, min_cell=min_cell, today=today, files=files,
        files_unreadable=files_unreadable, validated=validated, code_texts=_code_texts, titles=_rule_titles,
        orders={name: [code for code, _, _ in small_list(name)] for name in ("tjenester_og_vesen", "ut_til")},
    )
    report.tool_version = __version__
    report.spec_version = spec_version()
    return report
