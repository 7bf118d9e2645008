"""What the register would do with a validated file: take it in, take it in but some stays, or reject it.

One decision, written in ``model/konvolutt.yaml`` (kvittering.avvisning), used by the receipt
(AppRec status) and by the summary of every report format. Only findings at error level that
are not waived count. A finding in an area that rejects the whole message (file, envelope,
message), or one that points at no stay, rejects the message; the others reject their stay.
"""

from __future__ import annotations

import re

from kad_spec.catalogue import catalogue
from kad_spec.envelope import spec
from kad_spec.findings import ERROR, Finding

ACCEPTED = "accepted"
PARTLY_ACCEPTED = "partly_accepted"
REJECTED = "rejected"
VERDICTS = (ACCEPTED, PARTLY_ACCEPTED, REJECTED)
WORDS = {
    "nb": {ACCEPTED: "godtatt", PARTLY_ACCEPTED: "delvis godtatt", REJECTED: "avvist"},
    "en": {ACCEPTED: "accepted", PARTLY_ACCEPTED: "partly accepted", REJECTED: "rejected"},
}
_STAY = re.compile(r"^/opphold/(\d+)(?:/|$)")


def counts(finding: Finding) -> bool:
    """Does this finding matter for the status? Errors that are not waived."""
    return finding.severity == ERROR and not finding.waived


def stay_of(finding: Finding) -> int | None:
    """The index of the stay a finding points at, None for the message as a whole."""
    match = _STAY.match(finding.pointer or "")
    return int(match.group(1)) if match else None


def rejects_message(finding: Finding) -> bool:
    rule = catalogue().get(finding.rule_id)
    whole = spec()["kvittering"]["avvisning"]["avviser_hele_meldingen"]
    return rule is None or rule.area in whole or stay_of(finding) is None


def deciding(file) -> list[Finding]:
    """The findings the status rests on (one receipt Error each)."""
    return [f for f in file.findings if counts(f)]


def classify(file) -> str:
    """accepted, partly_accepted or rejected, for one FileResult (judged before --max-findings cuts it)."""
    if getattr(file, "verdict", None):
        return file.verdict
    if file.internal_error:
        return REJECTED
    errors = deciding(file)
    if not errors:
        return ACCEPTED
    if any(rejects_message(f) for f in errors):
        return REJECTED
    bad = {stay_of(f) for f in errors}
    return REJECTED if file.stays and len(bad) >= file.stays else PARTLY_ACCEPTED


def tally(result) -> dict[str, int]:
    """Files per verdict, for report summaries."""
    found = [classify(file) for file in result.files]
    return {verdict: found.count(verdict) for verdict in VERDICTS}


def summary_text(result, lang: str) -> str:
    words = WORDS[lang]
    head = "Mottak" if lang == "nb" else "Receipt"
    return f"{head}: " + ", ".join(f"{n} {words[v]}" for v, n in tally(result).items())
