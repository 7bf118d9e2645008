"""Rules: the MsgHead envelope the message travels in (KAD-KONV-*).

The engine calls ``check_envelope`` with what the envelope reader (kad_spec.message.msghead)
read, once the body's stays are in; every hit carries the XPath of the envelope element in
``envelope_xpath``.
No hit repeats an identifier of a person: only element names and positions.
"""

from __future__ import annotations

from datetime import timedelta

from kad_spec.message.envelope import NS, all_kpr_her_ids, element_xpath, kpr_her_ids, message_type
from kad_spec.spec.findings import Hit
from kad_spec.rules import envelope_check, get
from kad_spec.rules.times import parse_written, written_epoch

# The rules this module finds (see their entries in model/rules/).
KONV_001 = "KAD-KONV-001"
KONV_002 = "KAD-KONV-002"
KONV_003 = "KAD-KONV-003"
KONV_004 = "KAD-KONV-004"
KONV_005 = "KAD-KONV-005"
KONV_006 = "KAD-KONV-006"
KONV_007 = "KAD-KONV-007"
KONV_008 = "KAD-KONV-008"
KONV_009 = "KAD-KONV-009"


# Sender and receiver clocks differ a little (as for KAD-MLD-002).
CLOCK_SKEW = timedelta(minutes=5)
PERSONAL_PARTS = ("FamilyName", "MiddleName", "GivenName", "DateOfBirth", "Address", "TeleCom")


def _hit(rule_id: str, elem, **params) -> Hit:
    line = elem.sourceline if elem is not None else None
    return Hit(rule_id, "", {**params, "envelope_xpath": element_xpath(elem) if elem is not None else None}, line)


def _first(root, path: str):
    found = root.xpath(path, namespaces=NS)
    return found[0] if found else None


@envelope_check
def check_envelope(read, header: dict) -> list[Hit]:
    """Every envelope rule, in the order a reading reports them: schema, count, header, persons."""
    hits = [schema_hit(*error) for error in read.schema_errors] + count_hits(read.root, read.messages)
    if read.messages:
        hits += header_hits(read.root, header)
    return hits + patient_hits(read.root, read.person_ids)


def schema_hit(message: str, line: int | None, xpath: str | None) -> Hit:
    # lxml names elements in Clark notation; the namespace is the same for all of them.
    detail = message.replace("{http://www.kith.no/xmlstds/msghead/2006-05-24}", "")
    return Hit(KONV_001, "", {"detalj": detail, "envelope_xpath": xpath}, line)


def count_hits(root, messages: list) -> list[Hit]:
    holders = root.xpath("mh:Document | mh:PatientReport/mh:Document", namespaces=NS)
    others = [c for h in root.xpath(".//mh:RefDoc/mh:Content", namespaces=NS) for c in h
              if isinstance(c.tag, str) and c not in messages]
    if len(messages) == 1 and not others:
        return []
    where = messages[1] if len(messages) > 1 else (others[0] if others else (holders[0] if holders else root))
    return [_hit(KONV_002, where, antall=len(messages), andre=len(others))]


def header_hits(root, header: dict) -> list[Hit]:
    return _type_hits(root) + _sender_hits(root, header) + _receiver_hits(root, header) + _id_and_time_hits(root, header)


def _type_hits(root) -> list[Hit]:
    elem = _first(root, "mh:MsgInfo/mh:Type")
    found = elem.get("V") if elem is not None else None
    if found == message_type():
        return []
    return [_hit(KONV_003, elem if elem is not None else root, type=found or "-", forventet=message_type())]


def _idents(org, kind: str) -> list:
    return [ident for ident in org.xpath("mh:Ident", namespaces=NS)
            if ident.xpath("string(mh:TypeId/@V)", namespaces=NS) == kind] if org is not None else []


def _id_of(ident):
    """The Id element of an Ident (where its value is written), else the Ident."""
    found = ident.xpath("mh:Id", namespaces=NS)
    return found[0] if found else ident


def _ident_value(ident) -> str:
    return ident.xpath("string(mh:Id)", namespaces=NS).strip()


def _sender_hits(root, header: dict) -> list[Hit]:
    org = _first(root, "mh:MsgInfo/mh:Sender/mh:Organisation")
    hits = []
    orgnr = get(header, "virksomhet", "organisasjonsnummer")
    enh = _idents(org, "ENH")
    if orgnr is not None and str(orgnr) not in {_ident_value(i) for i in enh}:
        where = _id_of(enh[0]) if enh else (org if org is not None else root)
        hits.append(_hit(KONV_004, where, funnet=", ".join(_ident_value(i) for i in enh) or "-",
                         organisasjonsnummer=orgnr))
    her_id = get(header, "virksomhet", "her_id")
    her = _idents(org, "HER")
    if her_id is not None and her and str(her_id) not in {_ident_value(i) for i in her}:
        hits.append(_hit(KONV_005, _id_of(her[0]), funnet=", ".join(_ident_value(i) for i in her), her_id=her_id))
    return hits


def _receiver_hits(root, header: dict) -> list[Hit]:
    environment = get(header, "meldingsinfo", "miljo")
    expected = kpr_her_ids(environment if isinstance(environment, str) else None)
    if not expected:
        return []  # an unknown environment is the message's own finding (code list)
    org = _first(root, "mh:MsgInfo/mh:Receiver/mh:Organisation")
    her = _idents(org, "HER")
    found = [_ident_value(i) for i in her]
    if any(value in {str(e) for e in expected} for value in found):
        return []
    known = all_kpr_her_ids()
    meant = ", ".join(f"{v} ({known[int(v)]})" if v.isdigit() and int(v) in known else v for v in found) or "-"
    where = _id_of(her[0]) if her else (org if org is not None else root)
    return [_hit(KONV_006, where, funnet=meant, miljo=environment,
                 forventet=" eller ".join(str(e) for e in expected),
                 forventet_en=" or ".join(str(e) for e in expected))]


def _id_and_time_hits(root, header: dict) -> list[Hit]:
    hits = []
    melding_id = get(header, "meldingsinfo", "melding_id")
    msg_id = _first(root, "mh:MsgInfo/mh:MsgId")
    if isinstance(melding_id, str) and msg_id is not None:
        # Exact, but case-blind: a UUID's hex digits may be written in either case (RFC 9562).
        if (msg_id.text or "").strip().lower() != melding_id.strip().lower():
            hits.append(_hit(KONV_007, msg_id, msgid=(msg_id.text or "").strip() or "-", melding_id=melding_id))
    gen = _first(root, "mh:MsgInfo/mh:GenDate")
    created = parse_written(get(header, "meldingsinfo", "opprettet"))
    generated = parse_written((gen.text or "").strip()) if gen is not None else None
    if created is not None and generated is not None:
        if written_epoch(generated) < written_epoch(created) - CLOCK_SKEW.total_seconds():
            hits.append(_hit(KONV_008, gen, gendate=(gen.text or "").strip(),
                             opprettet=get(header, "meldingsinfo", "opprettet")))
    return hits


def patient_hits(root, person_ids: set[str]) -> list[Hit]:
    """Personal data in an envelope Patient part beyond the body's own person ids."""
    hits = []
    for patient in root.xpath(".//mh:Patient", namespaces=NS):
        extra = [child for child in patient if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] in PERSONAL_PARTS]
        extra += [ident for ident in patient.xpath("mh:Ident", namespaces=NS) if _ident_value(ident) not in person_ids]
        for elem in extra:
            hits.append(_hit(KONV_009, elem, element=elem.tag.rsplit("}", 1)[-1]))
    return hits
