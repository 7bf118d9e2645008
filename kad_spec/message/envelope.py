"""The MsgHead 1.2 envelope a KAD message travels in, and the official KITH schemas.

The facts (message type, body form, KPR's HER-ids per environment, receipt codes) are in
``model/konvolutt.yaml``; the schemas are vendored unchanged in ``kad_spec/_vendor/kith/``
and loaded offline. ``wrap`` puts a message in an envelope; reading one (and ``unwrap``) is
in ``kad_spec.message.msghead``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from kad_spec.spec.compiled import load_yaml
from kad_spec.spec.resources import model_dir

# lxml is imported where it is used: every validation reads spec() for the receipt decisions,
# but only an XML message or a receipt needs the XML library.

MSGHEAD_NS = "http://www.kith.no/xmlstds/msghead/2006-05-24"
APPREC_NS = "http://www.kith.no/xmlstds/apprec/2012-02-15"
NS = {"mh": MSGHEAD_NS}
SCHEMA_DIR = Path(__file__).resolve().parents[1] / "_vendor" / "kith"
MSGHEAD_XSD = "MsgHead-v1_2.xsd"
APPREC_XSD = "apprec-v1.1.xsd"
# Volven 9051: the kinds of organisation id in MsgHead (ENH organisation number, HER HER-id).
IDENT_OID = "2.16.578.1.12.4.1.1.9051"
IDENT_NAMES = {"ENH": "Organisasjonsnummeret i Enhetsregisteret",
               "HER": "Identifikator fra Helsetjenesteenhetsregisteret (HER-id)"}


class EnvelopeError(Exception):
    """A message cannot be put in, or taken out of, an envelope (exit code 1); bokmål text."""


@cache
def spec() -> dict:
    """model/konvolutt.yaml: message type, body form, receivers, receipt decisions."""
    return load_yaml(model_dir() / "konvolutt.yaml")


def message_type() -> str:
    return spec()["hodemelding"]["meldingstype"]["kode"]


def kpr_her_ids(environment: str | None) -> list[int]:
    """KPR's HER-ids as receiver for a message of this environment (meldingsinfo.miljo)."""
    return list(spec()["mottaker"]["her_id"].get(environment or "", []))


def all_kpr_her_ids() -> dict[int, str]:
    return {her: env for env, ids in spec()["mottaker"]["her_id"].items() for her in ids}


def _vendored_only():
    """A resolver that serves schema imports from the vendored folder; nothing else is ever fetched."""
    from lxml import etree

    class VendoredOnly(etree.Resolver):
        def resolve(self, url, public_id, context):
            name = (url or "").replace("\\", "/").rsplit("/", 1)[-1]
            if (SCHEMA_DIR / name).is_file():
                return self.resolve_filename(str(SCHEMA_DIR / name), context)
            return self.resolve_string("", context)

    return VendoredOnly()


@cache
def schema(name: str):
    """One of the vendored KITH schemas (an lxml XMLSchema), with its imports, compiled offline."""
    from lxml import etree

    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_vendored_only())
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / name), parser))


def body_holders(root) -> list:
    """The RefDoc/Content elements of both body forms, in document order."""
    return root.xpath("mh:Document/mh:RefDoc/mh:Content | mh:PatientReport/mh:Document/mh:RefDoc/mh:Content",
                      namespaces=NS)


def element_xpath(elem) -> str:
    """A readable XPath of local names, with a position where a name repeats among siblings."""
    from lxml import etree

    steps = []
    while elem is not None:
        name = etree.QName(elem).localname
        parent = elem.getparent()
        if parent is not None:
            same = [e for e in parent if isinstance(e.tag, str) and e.tag == elem.tag]
            if len(same) > 1:
                name += f"[{same.index(elem) + 1}]"
        steps.append(name)
        elem = parent
    return "/" + "/".join(reversed(steps))


# --- writing --------------------------------------------------------------------------------


def _sub(parent, name: str, text: str | None = None, **attributes):
    from lxml import etree

    elem = etree.SubElement(parent, f"{{{MSGHEAD_NS}}}{name}", {k: v for k, v in attributes.items() if v is not None})
    if text is not None:
        elem.text = text
    return elem


def _organisation(parent, name: str, idents: list[tuple[str, str]]) -> None:
    org = _sub(parent, "Organisation")
    _sub(org, "OrganisationName", name)
    for value, kind in idents:
        ident = _sub(org, "Ident")
        _sub(ident, "Id", value)
        _sub(ident, "TypeId", V=kind, S=IDENT_OID, DN=IDENT_NAMES[kind])


def _required(message: dict, *keys: str) -> str:
    node = message
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    if node in (None, ""):
        raise EnvelopeError(f"meldingen mangler {'.'.join(keys)}, som konvolutten trenger")
    return str(node)


def wrap(message: dict, sender_her: int | None = None) -> bytes:
    """The KAD message (JSON form) in a MsgHead 1.2 envelope, checked against the official XSD.

    MsgId is melding_id and GenDate opprettet (rules KAD-KONV-007/008); the sender is the
    virksomhet, the receiver KPR's HER-id for the message's environment.
    """
    from lxml import etree

    from kad_spec.message.convert import ConvertError, render

    melding_id = _required(message, "meldingsinfo", "melding_id")
    opprettet = _required(message, "meldingsinfo", "opprettet")
    environment = _required(message, "meldingsinfo", "miljo")
    orgnr = _required(message, "virksomhet", "organisasjonsnummer")
    name = _required(message, "virksomhet", "navn")
    own_her = message["virksomhet"].get("her_id")
    if sender_her is not None and own_her not in (None, "") and str(own_her) != str(sender_her):
        raise EnvelopeError(f"--sender-her {sender_her} er ikke virksomhet.her_id i meldingen ({own_her})")
    her = sender_her if sender_her is not None else own_her
    receivers = kpr_her_ids(environment)
    if not receivers:
        raise EnvelopeError(f"ukjent miljø «{environment}» i meldingsinfo.miljo; KPRs HER-id kan ikke velges")
    try:
        body = etree.fromstring(render(message, "xml"))
    except ConvertError as error:
        raise EnvelopeError(str(error)) from None
    head = spec()["hodemelding"]
    root = etree.Element(f"{{{MSGHEAD_NS}}}MsgHead", nsmap={None: MSGHEAD_NS})
    info = _sub(root, "MsgInfo")
    _sub(info, "Type", V=message_type(), DN=head["meldingstype"]["tekst"])
    _sub(info, "MIGversion", head["mig_versjon"])
    _sub(info, "GenDate", opprettet)
    _sub(info, "MsgId", melding_id)
    sender_ids = [(orgnr, "ENH")] + ([(str(her), "HER")] if her not in (None, "") else [])
    _organisation(_sub(info, "Sender"), name, sender_ids)
    _organisation(_sub(info, "Receiver"), spec()["mottaker"]["navn"], [(str(receivers[0]), "HER")])
    refdoc = _sub(_sub(root, "Document"), "RefDoc")
    _sub(refdoc, "IssueDate", V=opprettet)
    _sub(refdoc, "MsgType", V="XML", DN="XML-instans")
    _sub(refdoc, "MimeType", head["refdoc_mimetype"])
    _sub(refdoc, "Content").append(body)
    etree.indent(root, space="  ")
    data = b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8") + b"\n"
    check = _without_bodies(etree.fromstring(data))
    if not schema(MSGHEAD_XSD).validate(check):
        raise EnvelopeError(f"konvolutten validerer ikke mot MsgHead 1.2: {schema(MSGHEAD_XSD).error_log.last_error}")
    return data


def _without_bodies(root):
    for holder in body_holders(root):
        for child in list(holder):
            holder.remove(child)
    return root


# --- edits, for the catalogue's envelope examples ---------------------------------------------


def apply_edits(data: bytes, edits) -> bytes:
    """Edit an envelope: each edit names an XPath (prefixes ``mh`` and ``kad``) and an op.

    ``replace`` sets the text (``value``) or an attribute (``attribute`` + ``value``);
    ``remove`` drops the element; ``add`` appends the XML fragment ``xml`` (default namespace
    MsgHead) as the last child.
    """
    from lxml import etree

    from kad_spec.spec.model import model

    root = etree.fromstring(data)
    namespaces = {**NS, "kad": model().namespace}
    for edit in edits:
        targets = root.xpath(edit["path"], namespaces=namespaces)
        if not targets:
            raise EnvelopeError(f"ingen element for {edit['path']}")
        for target in targets:
            if edit["op"] == "remove":
                target.getparent().remove(target)
            elif edit["op"] == "replace" and "attribute" in edit:
                target.set(edit["attribute"], str(edit["value"]))
            elif edit["op"] == "replace":
                target.text = str(edit["value"])
            elif edit["op"] == "add":
                wrapper = etree.fromstring(f'<w xmlns="{MSGHEAD_NS}">{edit["xml"]}</w>')
                target.extend(list(wrapper))
            else:
                raise EnvelopeError(f"ukjent endring {edit['op']!r}")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8") + b"\n"


# --- facts for the receipt ------------------------------------------------------------------


def _organisation_facts(org) -> dict | None:
    if org is None:
        return None
    idents = [(i.xpath("string(mh:Id)", namespaces=NS).strip(), i.xpath("string(mh:TypeId/@V)", namespaces=NS))
              for i in org.xpath("mh:Ident", namespaces=NS)]
    return {"name": org.xpath("string(mh:OrganisationName)", namespaces=NS).strip(), "idents": idents}


def envelope_facts(root) -> dict:
    """What a receipt needs from the envelope: type, id, date, sender and receiver."""
    def text(path: str) -> str:
        return root.xpath(f"string({path})", namespaces=NS).strip()

    first = root.xpath("mh:MsgInfo/mh:Sender/mh:Organisation", namespaces=NS)
    to = root.xpath("mh:MsgInfo/mh:Receiver/mh:Organisation", namespaces=NS)
    return {
        "type": text("mh:MsgInfo/mh:Type/@V"),
        "msg_id": text("mh:MsgInfo/mh:MsgId"),
        "gen_date": text("mh:MsgInfo/mh:GenDate"),
        "sender": _organisation_facts(first[0] if first else None),
        "receiver": _organisation_facts(to[0] if to else None),
    }
