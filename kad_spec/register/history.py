"""The history rules: what only a register that has seen the earlier messages can check.

Pure logic over versions of a stay: the version the register holds (``current``, None when it
knows none) and the version a message brings (``new``). Each rule is one function, named by its
catalogue entry (model/rules/register.yaml, ``implementation: history: …``), and gives the hits
of its own rule only. :func:`judge` puts them in order and says what the register does with the
version: apply it, keep the current one, or refuse it.

A version's time is its message's ``opprettet`` (in UTC); a message sent later describes the stay
as it is later, whatever order the messages arrive in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Iterable

from kad_spec.spec.findings import Hit

from kad_spec.register import utc

REG_001 = "KAD-REG-001"
REG_002 = "KAD-REG-002"
REG_003 = "KAD-REG-003"
REG_004 = "KAD-REG-004"
REG_005 = "KAD-REG-005"
REG_006 = "KAD-REG-006"
REG_007 = "KAD-REG-007"
REG_008 = "KAD-REG-008"

NEW, CHANGE, CANCEL = "N", "M", "C"
APPLIED, KEPT, REFUSED = "brukt", "beholdt", "avvist"  # versjon.handling
OPEN_DAYS = 30  # a stay open longer than this after admission is KAD-REG-005
NEVER = "9999-12-31T23:59:59Z"  # the end of a stay that goes on


@dataclass(frozen=True, slots=True)
class Version:
    """A version of a stay, as the rules compare it (no personal id: the person's pseudonym)."""

    opphold_id: str
    status: str | None
    person: str | None
    innlagt: str | None  # as written
    innlagt_utc: str | None
    utskrevet_utc: str | None
    versjon_utc: str  # its message's opprettet, in UTC
    opprettet: str  # its message's opprettet, as written
    annullert: bool = False


@dataclass(frozen=True)
class Judgement:
    """What the register does with a new version, and the history rules' hits on it.

    ``replaces``: the version's findings are the stay's from now on (its earlier open findings
    that it has not are closed); not so for a late version. ``with_engine``: the engine's findings
    on the version belong to them (not for a version the register sets aside unread: late, or
    after a cancellation)."""

    action: str  # APPLIED | KEPT | REFUSED
    hits: tuple[Hit, ...] = ()
    rule: str | None = None  # the rule that decided, when the version is not applied as sent
    replaces: bool = True
    with_engine: bool = True


def judge(new: Version, current: Version | None) -> Judgement:
    """The rules in the order they decide: a late version, one after a cancellation, a changed
    stay; else the version is applied, with a warning when its status does not fit the history."""
    late = older_version(new, current)
    if late:
        return Judgement(KEPT, tuple(late), REG_003, replaces=False, with_engine=False)
    after_cancellation = version_after_cancellation(new, current)
    if after_cancellation:
        return Judgement(REFUSED, tuple(after_cancellation), REG_007, with_engine=False)
    changed = changed_person_or_admission(new, current)
    if changed:
        return Judgement(REFUSED, tuple(changed), REG_004)
    hits = tuple(unknown_stay(new, current) + known_stay_sent_as_new(new, current))
    # A cancelled stay is out of the register: what the engine finds in the rest of it no longer matters.
    return Judgement(APPLIED, hits, with_engine=new.status != CANCEL)


def unknown_stay(new: Version, current: Version | None) -> list[Hit]:
    """KAD-REG-001: a change (M) or a cancellation (C) of a stay the register has no version of."""
    if current is not None or new.status not in (CHANGE, CANCEL):
        return []
    return [Hit(REG_001, "/status", {"opphold_id": new.opphold_id, "status": new.status})]


def known_stay_sent_as_new(new: Version, current: Version | None) -> list[Hit]:
    """KAD-REG-002: a stay sent as new (N) that the register already has."""
    if current is None or new.status != NEW:
        return []
    return [Hit(REG_002, "/status", {"opphold_id": new.opphold_id, "forrige_opprettet": current.opprettet})]


def older_version(new: Version, current: Version | None) -> list[Hit]:
    """KAD-REG-003: a version from a message made before the one the register's version came in."""
    if current is None or not new.versjon_utc < current.versjon_utc:
        return []
    return [Hit(REG_003, "", {"opphold_id": new.opphold_id, "opprettet": new.opprettet,
                              "forrige_opprettet": current.opprettet})]


def changed_person_or_admission(new: Version, current: Version | None) -> list[Hit]:
    """KAD-REG-004: another person (id type or id) or another admission time than the current version."""
    if current is None:
        return []
    hits = []
    if new.person is not None and current.person is not None and new.person != current.person:
        hits.append(Hit(REG_004, "/pasient", {
            "opphold_id": new.opphold_id,
            "endring": "en annen pasient (id_type eller id)", "endring_en": "another patient (id_type or id)"}))
    if new.innlagt_utc is not None and current.innlagt_utc is not None and new.innlagt_utc != current.innlagt_utc:
        hits.append(Hit(REG_004, "/innleggelsestidspunkt", {
            "opphold_id": new.opphold_id,
            "endring": f"et annet innleggelsestidspunkt ({new.innlagt}, var {current.innlagt})",
            "endring_en": f"another admission time ({new.innlagt}, was {current.innlagt})"}))
    return hits


def version_after_cancellation(new: Version, current: Version | None) -> list[Hit]:
    """KAD-REG-007: any version of a stay the register holds as cancelled, from a later message."""
    if current is None or not current.annullert:
        return []
    return [Hit(REG_007, "/status", {"opphold_id": new.opphold_id, "status": new.status,
                                     "forrige_opprettet": current.opprettet})]


def overlapping_stays(new: Version, others: Iterable[Version]) -> list[Hit]:
    """KAD-REG-006: the new version overlaps in time with another stay of the same person (the
    register's current versions from earlier messages, none cancelled). A stay that goes on lasts
    for ever; a discharge and an admission at the same time do not overlap."""
    if new.person is None or new.innlagt_utc is None or new.status == CANCEL:
        return []
    start, end = new.innlagt_utc, new.utskrevet_utc or NEVER
    hits = []
    for other in sorted(others, key=lambda v: (v.innlagt_utc or "", v.opphold_id)):
        if other.opphold_id == new.opphold_id or other.person != new.person or other.annullert:
            continue
        if other.innlagt_utc is not None and other.innlagt_utc < end and start < (other.utskrevet_utc or NEVER):
            hits.append(Hit(REG_006, "/innleggelsestidspunkt",
                            {"opphold_id": new.opphold_id, "annet_opphold_id": other.opphold_id}))
    return hits


def open_too_long_before(as_of_utc: str) -> str:
    """Stays admitted before this time (UTC text) and not discharged are open too long as of ``as_of_utc``."""
    return utc.text(utc.parse(as_of_utc) - timedelta(days=OPEN_DAYS))


def open_too_long(stay: Version, as_of_utc: str) -> list[Hit]:
    """KAD-REG-005: a stay not cancelled, without discharge, admitted more than 30 days before ``as_of_utc``
    (the unit's latest message, or the day the ingest is run as of)."""
    if stay.annullert or stay.utskrevet_utc is not None or stay.innlagt_utc is None:
        return []
    if not stay.innlagt_utc < open_too_long_before(as_of_utc):
        return []
    days = (utc.parse(as_of_utc) - utc.parse(stay.innlagt_utc)).days
    return [Hit(REG_005, "", {"opphold_id": stay.opphold_id, "innlagt": stay.innlagt, "dager": days,
                              "per": as_of_utc[:10]})]


def same_id_other_content(melding_id: str, stored_sha256: str, new_sha256: str) -> list[Hit]:
    """KAD-REG-008: a message whose melding_id the register has had, with other content."""
    if stored_sha256 == new_sha256:
        return []
    return [Hit(REG_008, "/meldingsinfo/melding_id", {"melding_id": melding_id})]
