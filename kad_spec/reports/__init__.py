"""Reports of a validation run. Every format shows the same facts; personal ids are masked."""

from __future__ import annotations

from functools import cache

from kad_spec.catalogue import catalogue
from kad_spec.findings import Finding, mask_digits

FORMATS = ("text", "json", "junit", "sarif")


def message_of(finding: Finding, lang: str) -> str:
    rule = catalogue().get(finding.rule_id)
    text = rule.message(lang, finding.params) if rule else finding.rule_id
    return mask_digits(text)


def title_of(rule_id: str, lang: str) -> str:
    rule = catalogue().get(rule_id)
    return rule.title_in(lang) if rule else rule_id


def pointer_of(finding: Finding) -> str:
    """The JSON pointer as reports show it: an element named by a person id must not show it."""
    return mask_digits(finding.pointer)


@cache
def _list_fields() -> frozenset[str]:
    from kad_spec.model import model

    return frozenset(path[-1] for path, attr in model().walk() if attr.multivalued)


def xpath_of(finding: Finding, root: str) -> str | None:
    base = finding.xpath_base or ""  # an enveloped message: the path of its holder in the envelope
    if not finding.pointer:
        return mask_digits(base) if base else None
    parts = finding.pointer.strip("/").split("/")
    steps = [root]
    for part in parts:
        # A number is a position only below a list; elsewhere it is an (unknown) element name.
        if part.isdigit() and len(steps) > 1 and steps[-1] in _list_fields():
            steps[-1] = f"{steps[-1]}[{int(part) + 1}]"
        else:
            steps.append(part)
    return mask_digits(base + "/" + "/".join(steps))


def render(result, fmt: str, lang: str) -> str:
    if fmt == "json":
        from kad_spec.reports.json_report import render_json

        return render_json(result, lang)
    if fmt == "junit":
        from kad_spec.reports.junit import render_junit

        return render_junit(result, lang)
    if fmt == "sarif":
        from kad_spec.reports.sarif import render_sarif

        return render_sarif(result, lang)
    from kad_spec.reports.text import render_plain

    return render_plain(result, lang)
