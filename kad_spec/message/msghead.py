"""A KAD message in a MsgHead 1.2 envelope: the envelope is checked, the body validated as usual.

The envelope is parsed with the XML reader's hardening (no DTD, no entities, no network,
libxml2's size limits). The KAD message is taken from ``RefDoc/Content`` (either body form)
and handed to the XML reader as it stands, preceded by as many newlines as it is down in the
envelope file, so that every finding on the body carries its line in the envelope file.
Envelope findings (``KAD-KONV-*``) carry the XPath of the envelope element they concern.
"""

from __future__ import annotations

import io
from pathlib import Path

from lxml import etree

from kad_spec.message.envelope import (MSGHEAD_NS, MSGHEAD_XSD, EnvelopeError, body_holders, element_xpath, envelope_facts,
                               schema)
from kad_spec.message import Document, ReadFailure

MAX_SCHEMA_FINDINGS = 20  # more XSD errors on one envelope repeat the same fault
# An envelope is read whole (its schema needs the tree); NPR takes 50 MB per message.
MAX_ENVELOPE_MB = 100


def is_msghead(path: Path) -> bool:
    """True when the root element is MsgHead in the MsgHead 1.2 namespace (read up to the root only)."""
    try:
        for _, elem in etree.iterparse(str(path), events=("start",), resolve_entities=False, no_network=True,
                                       load_dtd=False, huge_tree=False):
            return elem.tag == f"{{{MSGHEAD_NS}}}MsgHead"
    except (etree.XMLSyntaxError, OSError):
        return False
    return False


def _parser() -> etree.XMLParser:
    # The XML reader's settings, but comments and processing instructions are kept: the body
    # is written out again for the XML reader, and every newline must stay where it was.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=False, remove_pis=False, collect_ids=False,
                           attribute_defaults=False)


def parse_envelope(path: Path):
    """The envelope as a tree; a hostile or broken file raises ReadFailure as the XML reader would."""
    from kad_spec.message.xml_reader import check_prolog, refuse_late_doctype, syntax_failure

    check_prolog(path)
    if path.stat().st_size > MAX_ENVELOPE_MB << 20:
        raise ReadFailure("KAD-FIL-001", {
            "reason": f"hodemeldingen er større enn {MAX_ENVELOPE_MB} MB; send færre opphold per melding",
            "reason_en": f"the envelope is larger than {MAX_ENVELOPE_MB} MB; send fewer stays per message"}, 1, 1)
    try:
        tree = etree.parse(str(path), _parser())
    except etree.XMLSyntaxError as error:
        raise syntax_failure(error) from None
    refuse_late_doctype(path, tree.getroot())
    return tree


def kad_messages(root) -> list:
    from kad_spec.spec.model import model

    tag = f"{{{model().namespace}}}{model().root.name}"
    return [child for holder in body_holders(root) for child in holder if child.tag == tag]


class _BodySource:
    """Stands in for a path: the XML reader opens the body as if it were a file of its own."""

    def __init__(self, data: bytes, name: str):
        self.data, self.name = data, name
        self._first = io.BytesIO(data)

    def open(self, mode: str = "rb"):
        return io.BytesIO(self.data)

    def read(self, size: int = -1) -> bytes:  # read_header parses the source directly
        return self._first.read(size)

    def __str__(self) -> str:
        return self.name


def _body_bytes(message) -> bytes:
    """The body as written in the envelope, on the same lines (libxml2 counts newlines only)."""
    return b"\n" * ((message.sourceline or 1) - 1) + etree.tostring(message, with_tail=False)


class EnvelopeRead:
    """What the envelope rules (kad_spec.rules.envelope) are checked on, once the body is read:
    the envelope tree, the KAD messages in it, its schema errors (message, line, XPath) and the
    person ids of the body's stays (to find them repeated in the envelope). This reader applies
    no rule itself."""

    def __init__(self, root, messages: list, schema_errors: list):
        self.root, self.messages, self.schema_errors = root, messages, schema_errors
        self.person_ids: set[str] = set()


def _schema_errors(root) -> list[tuple[str, int | None, str | None]]:
    """The envelope against MsgHead 1.2 without its bodies (they are validated on their own)."""
    bodies = [(holder, list(holder)) for holder in body_holders(root)]
    for holder, children in bodies:
        for child in children:
            holder.remove(child)
    xsd = schema(MSGHEAD_XSD)
    valid = xsd.validate(root.getroottree())
    for holder, children in bodies:
        holder.extend(children)
    if valid:
        return []
    return [(error.message, error.line, _xpath_at(root, error.path)) for error in list(xsd.error_log)[:MAX_SCHEMA_FINDINGS]]


def _xpath_at(root, path: str | None) -> str | None:
    try:
        found = root.getroottree().xpath(path) if path else []
    except etree.XPathError:
        found = []
    return element_xpath(found[0]) if found and isinstance(found[0], etree._Element) else None


def read_msghead(path: Path) -> Document:
    from kad_spec.message.xml_reader import XmlMessage, lines_finder

    tree = parse_envelope(path)
    root = tree.getroot()
    messages = kad_messages(root)
    read = EnvelopeRead(root, messages, _schema_errors(root))
    if not messages:
        return Document(path=path, format="xml", header={}, structure_checked=True, run=lambda on_stay: None,
                        xpath_base=element_xpath(root), envelope=envelope_facts(root), envelope_read=read)
    body = messages[0]
    message = XmlMessage(_BodySource(_body_bytes(body), str(path)))
    message.read_header()

    def run(on_stay) -> None:
        def collecting(index, stay, *rest):
            patient = stay.get("pasient") if isinstance(stay, dict) else None
            if isinstance(patient, dict) and patient.get("id") is not None:
                read.person_ids.add(str(patient["id"]))
            on_stay(index, stay, *rest)

        message.run(collecting)

    return Document(path=path, format="xml", header=message.header, run=run,
                    problems=message.problems, lines_for=lines_finder(message.lines), structure_checked=True,
                    xpath_base=element_xpath(body.getparent()), envelope=envelope_facts(root), envelope_read=read)


def unwrap(path: Path) -> bytes:
    """The KAD message carried in the envelope at ``path``, as a standalone XML document."""
    try:
        tree = parse_envelope(path)
    except ReadFailure as failure:
        where = f"{path}:{failure.line}" if failure.line else str(path)
        raise EnvelopeError(f"{where}: {failure.params.get('reason') or failure.params}") from None
    root = tree.getroot()
    if root.tag != f"{{{MSGHEAD_NS}}}MsgHead":
        raise EnvelopeError(f"{path}: rotelementet er ikke MsgHead i navnerommet {MSGHEAD_NS}")
    found = kad_messages(root)
    if len(found) != 1:
        raise EnvelopeError(f"{path}: konvolutten har {len(found)} KAD-meldinger i RefDoc/Content; forventet én")
    message = found[0]
    standalone = etree.fromstring(etree.tostring(message, with_tail=False))
    etree.cleanup_namespaces(standalone)
    etree.indent(standalone, space="  ")  # from its depth in the envelope back to a file of its own
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(standalone, encoding="UTF-8") + b"\n"
