"""What the register would do with a validated file: take it in, take it in but some stays, or reject it.

One decision, written in ``model/konvolutt.yaml`` (kvittering.avvisning), used by the receipt
(AppRec status) and by the summary of every report format. Only findings at error level that
are not waived count. A finding in an area that rejects the whole message (file, envelope,
message), or one that points at no stay, rejects the message; the others reject their stay.

Findings beyond ``--max-findings`` count as well: each ``Omitted`` count carries the stays its
findings point at (:class:`kad_spec.spec.findings.StaySet`), so the status is the same as on every
finding kept.
"""

from __future__ import annotations

from kad_spec.spec.findings import ERROR, Finding, Omitted, StaySet, stay_index
from kad_spec.spec.text import Text, pick

ACCEPTED = "accepted"
PARTLY_ACCEPTED = "partly_accepted"
REJECTED = "rejected"
VERDICTS = (ACCEPTED, PARTLY_ACCEPTED, REJECTED)
WORDS = {
    ACCEPTED: Text("godtatt", "accepted"),
    PARTLY_ACCEPTED: Text("delvis godtatt", "partly accepted"),
    REJECTED: Text("avvist", "rejected"),
}
RECEIPT = Text("Mottak", "Receipt")


def counts(finding: Finding | Omitted) -> bool:
    """Does this finding (or count of findings) matter for the status? Errors that are not waived."""
    return finding.severity == ERROR and not finding.waived


def stay_of(finding: Finding) -> int | None:
    """The index of the stay a finding points at, None for the message as a whole."""
    return stay_index(finding.pointer)


def _rejecting_area(rule_id: str) -> bool:
    from kad_spec.message.envelope import spec
    from kad_spec.spec.catalogue import catalogue

    rule = catalogue().get(rule_id)
    whole = spec()["kvittering"]["avvisning"]["avviser_hele_meldingen"]
    return rule is None or rule.area in whole


def rejects_message(finding: Finding) -> bool:
    return _rejecting_area(finding.rule_id) or stay_of(finding) is None


def omitted_rejects_message(omitted: Omitted) -> bool:
    """Whether counted findings reject the message: their area does, or one of them points at no
    stay (or which stays they point at was not recorded)."""
    return _rejecting_area(omitted.rule_id) or omitted.stays is None or omitted.stays.whole


def deciding(file) -> list[Finding]:
    """The findings the status rests on (one receipt Error each)."""
    return [f for f in file.findings if counts(f)]


def deciding_omitted(file) -> list[Omitted]:
    """The counts of findings beyond --max-findings that the status rests on too."""
    return [o for o in getattr(file, "omitted", ()) if counts(o)]


def classify(file) -> str:
    """accepted, partly_accepted or rejected, for one FileResult: on the findings kept and counted."""
    if getattr(file, "verdict", None):
        return file.verdict
    if file.internal_error:
        return REJECTED
    errors, omitted = deciding(file), deciding_omitted(file)
    if not (errors or omitted):
        return ACCEPTED
    if any(rejects_message(f) for f in errors) or any(omitted_rejects_message(o) for o in omitted):
        return REJECTED
    bad = StaySet()
    for finding in errors:
        bad.add(stay_of(finding))
    for counted in omitted:
        bad.update(counted.stays)
    return REJECTED if file.stays and len(bad) >= file.stays else PARTLY_ACCEPTED


def tally(result) -> dict[str, int]:
    """Files per verdict, for report summaries."""
    found = [classify(file) for file in result.files]
    return {verdict: found.count(verdict) for verdict in VERDICTS}


def summary_text(result, lang: str) -> str:
    words = pick(WORDS, lang)
    return f"{RECEIPT.get(lang)}: " + ", ".join(f"{n} {words[v]}" for v, n in tally(result).items())
