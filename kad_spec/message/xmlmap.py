"""XML <-> canonical JSON for KAD messages, driven entirely by the model.

The canonical message is JSON. XML carries the same content under the same names: the root
element is named after the model's root class, in the model's namespace; children come in
model order; lists are repeated elements; scalars are text content.

Reading XML is hardened: :func:`safe_parser` never resolves entities, never loads a DTD and
never touches the network, and any ``DOCTYPE`` is refused before parsing (billion laughs,
external entities and external DTDs become an :class:`XmlInputError`, never an expansion or a
file/network read). XSD validation (:func:`validate_xml`) parses through the same parser.

Canonical forms written here (and by ``kad-spec convert``):

* XML (:func:`to_xml`): UTF-8, ``<?xml version="1.0" encoding="UTF-8"?>``, default namespace,
  2-space indent, elements in model order, trailing newline.
* JSON (:func:`to_json`): orjson, 2-space indent, keys in model order, non-ASCII unescaped,
  trailing newline. XML cannot tell an empty list from an absent one, so an empty list for an
  optional multivalued field is dropped (the two mean the same).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from lxml import etree

from kad_spec.spec.model import Attribute, Class, Model, model
from kad_spec.spec.pointer import escape, split
from kad_spec.message.walk import Member, members, unknown_keys

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_INTEGER_TEXT = re.compile(r"\s*[+-]?[0-9]+\s*")


# --- problems and errors ------------------------------------------------------------------


@dataclass(frozen=True)
class MappingProblem:
    """Something in an XML element that has no place in the JSON message.

    ``kind`` is one of ``namespace`` (element outside the model's namespace), ``unknown_element``,
    ``unknown_attribute``, ``mixed_content`` (text where child elements are expected),
    ``children_in_value`` (child elements where a value is expected), ``repeated_element``
    (a single-valued element given more than once; the first is kept).
    """

    kind: str
    element: str
    xpath: str
    pointer: str
    line: int | None
    message: str
    message_en: str


@dataclass
class Mapped:
    """An XML element mapped to JSON: the data, the XML line of every JSON pointer, problems."""

    data: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[MappingProblem] = field(default_factory=list)


class XmlInputError(ValueError):
    """The bytes are not an acceptable XML document (``kind``: empty, doctype or syntax)."""

    def __init__(self, kind: str, message: str, message_en: str, line: int | None = None, column: int | None = None):
        super().__init__(message_en)
        self.kind = kind
        self.message = message
        self.message_en = message_en
        self.line = line
        self.column = column


@dataclass(frozen=True)
class XsdProblem:
    """One error from validating a document against the XSD, kept raw but structured.

    ``type_name`` is lxml's error type (e.g. ``SCHEMAV_CVC_ENUMERATION_VALID``), ``path`` lxml's
    own path (``/*/*[3]/*[2]``), ``xpath``/``pointer`` the readable XPath and JSON pointer of the
    element, ``element`` its name and ``children`` the names of its child elements, in document
    order. ``value`` is the element's text and ``expected`` the element names libxml2 says it
    expected there (its error code says nothing of them). ``personal`` is true for elements the model marks as personal data: the
    raw ``message`` and ``value`` then contain a personal identifier and must be masked before
    they are shown.
    """

    type_name: str
    message: str
    line: int | None
    column: int | None
    path: str | None
    xpath: str | None
    pointer: str | None
    element: str | None
    value: str | None
    expected: tuple[str, ...] = ()
    personal: bool = False
    children: tuple[str, ...] = ()


# --- pointers and paths -------------------------------------------------------------------


def pointer_to_xpath(pointer: str, m: Model | None = None) -> str:
    """``/opphold/0/pasient/kjonn`` -> ``/KadMelding/opphold[1]/pasient/kjonn`` (lists 1-based)."""
    m = m or model()
    xpath = f"/{m.root.name}"
    for token in split(pointer):
        xpath += f"[{int(token) + 1}]" if token.isdigit() else f"/{token}"
    return xpath


def element_location(elem: etree._Element, m: Model | None = None) -> tuple[str, str]:
    """(JSON pointer, readable XPath) of an element in a document rooted at the root class.

    An element the model does not know gets the pointer of its nearest known ancestor and an
    XPath ending in its own name.
    """
    m = m or model()
    steps = [elem, *elem.iterancestors()][::-1]
    pointer, xpath = "", f"/{etree.QName(steps[0]).localname}"
    cls: Class | None = m.root if etree.QName(steps[0]).localname == m.root.name else None
    for step in steps[1:]:
        name = etree.QName(step).localname
        attr = _attribute(cls, name)
        if attr is None:
            return pointer, f"{xpath}/{name}"
        if attr.multivalued:
            index = sum(1 for _ in step.itersiblings(step.tag, preceding=True))
            pointer, xpath = f"{pointer}/{escape(name)}/{index}", f"{xpath}/{name}[{index + 1}]"
        else:
            pointer, xpath = f"{pointer}/{escape(name)}", f"{xpath}/{name}"
        cls = m.classes.get(attr.range)
    return pointer, xpath


def _attribute(cls: Class | None, name: str) -> Attribute | None:
    if cls is None:
        return None
    return next((a for a in cls.attributes if a.name == name), None)


# --- safe parsing -------------------------------------------------------------------------


# The options of every lxml parse of a message or schema (a parser or an iterparse): no entity
# is resolved, no DTD loaded and no network used; huge_tree=False keeps libxml2's limits on
# depth and text node size. Comments and processing instructions carry no content and are dropped.
HARDENED = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


def safe_parser() -> etree.XMLParser:
    """A new lxml parser with the :data:`HARDENED` options (and no ID table or default attributes)."""
    return etree.XMLParser(**HARDENED, collect_ids=False, attribute_defaults=False)


PROLOG_HEAD = 65536  # bytes read for the prolog check; more only when its comments run past them
PROLOG_LIMIT = 16 << 20  # the most read for a prolog of long comments


def _prolog_text(data: bytes, limit: int = PROLOG_HEAD) -> str:
    """The start of the document as text, enough to see a DOCTYPE in any common encoding."""
    head = data[:limit]
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[2:].decode(codec, errors="replace")
    if head[:2] in (b"<\x00", b"\x00<"):
        return head.decode("utf-16-le" if head[0] == 0x3C else "utf-16-be", errors="replace")
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def _scan_prolog(text: str) -> tuple[str, int]:
    """("doctype", position), ("element", position) or ("end", len(text)): how the prolog ends."""
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
        elif text.startswith("<?", pos):
            end = text.find("?>", pos)
            pos = len(text) if end < 0 else end + 2
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos)
            pos = len(text) if end < 0 else end + 3
        elif text.startswith("<!DOCTYPE", pos):
            return "doctype", pos
        else:
            return "element", pos
    return "end", len(text)


def doctype_position(data: bytes, limit: int = PROLOG_HEAD) -> tuple[int, int] | None:
    """(line, column) of a DOCTYPE declaration in the prolog, if there is one."""
    text = _prolog_text(data, limit)
    found, pos = _scan_prolog(text)
    if found != "doctype":
        return None
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def prolog_unfinished(data: bytes, limit: int = PROLOG_HEAD) -> bool:
    """The prolog (comments, processing instructions) runs past the first ``limit`` bytes."""
    return len(data) >= limit and _scan_prolog(_prolog_text(data, limit))[0] == "end"


def doctype_error(line: int | None, column: int | None) -> XmlInputError:
    return XmlInputError(
        "doctype",
        "XML-dokumentet har en DOCTYPE-deklarasjon (DTD eller entiteter). Det er ikke tillatt, "
        "og innholdet blir verken lest eller utvidet.",
        "The XML document has a DOCTYPE declaration (DTD or entities). It is not allowed, and "
        "its content is neither read nor expanded.",
        line,
        column,
    )


def undeclared_prefix(elem: etree._Element) -> XmlInputError | None:
    """A name below ``elem`` whose namespace prefix is not declared (``<q:status>``), as an error.

    libxml2 only warns and keeps the name as written; under the XML namespace rules the
    document is not well-formed, so it is refused like any other syntax error."""
    for node in elem.iter():
        names = [node.tag] if isinstance(node.tag, str) else []
        names += [key for key in node.attrib if isinstance(key, str)]
        for name in names:
            if ":" in name and not name.startswith("{"):
                prefix = name.split(":", 1)[0]
                return XmlInputError(
                    "syntax",
                    f"navneromsprefikset «{prefix}» i «{name}» er ikke deklarert",
                    f"the namespace prefix '{prefix}' in '{name}' is not declared",
                    node.sourceline, None,
                )
    return None


def parse_xml_bytes(data: bytes) -> etree._ElementTree:
    """Parse a whole XML document safely; raises :class:`XmlInputError` on refusal or bad syntax."""
    if not data.strip():
        raise XmlInputError("empty", "Filen er tom.", "The file is empty.", 1, 1)
    position = doctype_position(data)
    if position:
        raise doctype_error(*position)
    try:
        tree = etree.ElementTree(etree.fromstring(data, safe_parser()))
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, None)
        raise XmlInputError(
            "syntax", f"Ugyldig XML: {exc.msg}", f"Malformed XML: {exc.msg}", line, column
        ) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        # Belt and braces: the prolog scan should already have caught it.
        raise doctype_error(None, None)
    error = undeclared_prefix(tree.getroot())
    if error is not None:
        raise XmlInputError("syntax", f"Ugyldig XML: {error.message}", f"Malformed XML: {error.message_en}",
                            error.line, error.column)
    return tree


# --- XML -> JSON --------------------------------------------------------------------------


class _Mapper:
    def __init__(self, m: Model, namespace: str | None) -> None:
        self.m = m
        self.ns = namespace
        self.lines: dict[str, int] = {}
        self.problems: list[MappingProblem] = []

    def problem(self, kind: str, elem: etree._Element, xpath: str, pointer: str, nb: str, en: str) -> None:
        name = etree.QName(elem).localname if isinstance(elem.tag, str) else ""
        self.problems.append(MappingProblem(kind, name, xpath, pointer, elem.sourceline, nb, en))

    def map_object(self, elem: etree._Element, cls: Class, pointer: str, xpath: str) -> dict[str, Any]:
        self.lines[pointer] = elem.sourceline
        self.check_attributes(elem, pointer, xpath)
        if _has_text(elem.text):
            self.mixed_content(elem, pointer, xpath)
        found: dict[str, Any] = {}
        for child in elem:
            if _has_text(child.tail):
                self.mixed_content(elem, pointer, xpath)
            if isinstance(child.tag, str):
                self.map_child(child, cls, found, pointer, xpath)
        # Model order, whatever the document order (the XSD reports order errors).
        return {a.name: found[a.name] for a in cls.attributes if a.name in found}

    def map_child(self, child, cls: Class, found: dict, pointer: str, xpath: str) -> None:
        qname = etree.QName(child)
        attr = _attribute(cls, qname.localname) if qname.namespace == self.ns else None
        if attr is None:
            self.problem(
                "unknown_element", child, f"{xpath}/{qname.localname}", pointer,
                f"Elementet {qname.localname} hører ikke hjemme i {cls.name}.",
                f"The element {qname.localname} does not belong in {cls.name}.",
            )
            return
        name = escape(attr.name)
        if attr.multivalued:
            items = found.setdefault(attr.name, [])
            child_pointer, child_xpath = f"{pointer}/{name}/{len(items)}", f"{xpath}/{attr.name}[{len(items) + 1}]"
            self.lines.setdefault(f"{pointer}/{name}", child.sourceline)
            value = self.map_value(child, attr, child_pointer, child_xpath)
            if value is not None:
                items.append(value)
        elif attr.name in found:
            self.problem(
                "repeated_element", child, f"{xpath}/{attr.name}", f"{pointer}/{name}",
                f"Elementet {attr.name} kan bare forekomme én gang; bare det første er lest.",
                f"The element {attr.name} may occur only once; only the first was read.",
            )
        else:
            value = self.map_value(child, attr, f"{pointer}/{name}", f"{xpath}/{attr.name}")
            if value is not None:
                found[attr.name] = value

    def map_value(self, elem, attr: Attribute, pointer: str, xpath: str) -> Any:
        if attr.range in self.m.classes:
            return self.map_object(elem, self.m.classes[attr.range], pointer, xpath)
        self.lines[pointer] = elem.sourceline
        self.check_attributes(elem, pointer, xpath)
        if any(isinstance(c.tag, str) for c in elem):
            self.problem(
                "children_in_value", elem, xpath, pointer,
                f"Elementet {attr.name} skal ha en verdi, ikke underelementer.",
                f"The element {attr.name} must hold a value, not child elements.",
            )
            return None
        return _scalar(elem.text or "", self.m.base_type(attr.range))

    def mixed_content(self, elem, pointer: str, xpath: str) -> None:
        name = etree.QName(elem).localname
        self.problem(
            "mixed_content", elem, xpath, pointer,
            f"Elementet {name} skal bare ha underelementer, ikke tekst.",
            f"The element {name} must hold only child elements, not text.",
        )

    def check_attributes(self, elem, pointer: str, xpath: str) -> None:
        for key in elem.attrib:
            qname = etree.QName(key)
            if qname.namespace == XSI_NS:
                continue  # xsi:schemaLocation and friends are about validation, not content
            self.problem(
                "unknown_attribute", elem, f"{xpath}/@{qname.localname}", pointer,
                f"Attributtet {qname.localname} er ikke en del av meldingen.",
                f"The attribute {qname.localname} is not part of the message.",
            )


def _has_text(text: str | None) -> bool:
    return bool(text and text.strip())


def _scalar(text: str, base: str) -> Any:
    """Text to the JSON type of ``base``; text that does not fit stays a string for the schema check."""
    if base == "integer" and _INTEGER_TEXT.fullmatch(text):
        return int(text)
    if base == "boolean" and text.strip() in ("true", "false", "1", "0"):
        return text.strip() in ("true", "1")
    if base in ("float", "decimal"):
        try:
            return float(text)
        except ValueError:
            return text
    return text


def _class_for(elem: etree._Element, m: Model) -> Class:
    """The class of an element: the root class by name, else the class-ranged slot of that name."""
    name = etree.QName(elem).localname
    if name == m.root.name:
        return m.root
    ranges = {a.range for _, a in m.walk() if a.name == name and a.range in m.classes}
    if len(ranges) != 1:
        raise ValueError(f"cannot tell which class the element {name!r} is; pass cls")
    return m.classes[ranges.pop()]


def element_to_dict(
    elem: etree._Element,
    cls: str | None = None,
    *,
    pointer: str | None = None,
    m: Model | None = None,
) -> Mapped:
    """Map an element of any model class (the root, one ``opphold``, …) to JSON.

    ``cls`` names the model class (default: inferred from the element name). ``pointer`` is
    the element's JSON pointer in the whole message (default: from its place in the tree);
    pass it when the tree is being streamed and earlier siblings are gone.
    """
    m = m or model()
    klass = m.classes[cls] if cls else _class_for(elem, m)
    if pointer is None:
        pointer = element_location(elem, m)[0] if klass is not m.root else ""
    xpath = pointer_to_xpath(pointer, m)
    mapper = _Mapper(m, m.namespace)
    namespace = etree.QName(elem).namespace
    if namespace != m.namespace:
        mapper.problem(
            "namespace", elem, xpath, pointer,
            f"Elementet har navnerom {namespace or '(ingen)'}; forventet {m.namespace}.",
            f"The element has namespace {namespace or '(none)'}; expected {m.namespace}.",
        )
        mapper.ns = namespace  # read the rest in the document's own namespace: one finding, not one per element
    data = mapper.map_object(elem, klass, pointer, xpath)
    return Mapped(data, mapper.lines, mapper.problems)


def from_xml(data: bytes) -> dict[str, Any]:
    """A whole XML message as its JSON dict; raises ValueError (XmlInputError) if it cannot be mapped losslessly."""
    mapped = element_to_dict(parse_xml_bytes(data).getroot())
    if mapped.problems:
        first = mapped.problems[0]
        raise ValueError(f"line {first.line}, {first.xpath}: {first.message_en}")
    return mapped.data


# --- JSON -> XML --------------------------------------------------------------------------


def _object_keys(obj: Any, cls: Class, pointer: str) -> dict:
    if not isinstance(obj, dict):
        raise ValueError(f"{pointer or '/'}: expected an object for {cls.name}")
    for key in unknown_keys(obj, cls):
        raise ValueError(f"{pointer}/{escape(str(key))}: unknown field {key!r} in {cls.name}")
    return obj


def _scalar_text(value: Any, pointer: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    kind = "null" if value is None else type(value).__name__
    raise ValueError(f"{pointer}: a {kind} cannot be written as an XML value")


def _fill(elem: etree._Element, obj: Any, cls: Class, pointer: str, m: Model) -> None:
    for member in members(_object_keys(obj, cls, pointer), cls, pointer, m):
        if member.attr.multivalued:
            if not isinstance(member.value, list):
                raise ValueError(f"{member.pointer}: expected a list")
            for item, here in member.elements():
                _append(elem, member, item, here, m)
        else:
            _append(elem, member, member.value, member.pointer, m)


def _append(parent: etree._Element, member: Member, value: Any, pointer: str, m: Model) -> None:
    child = etree.SubElement(parent, f"{{{m.namespace}}}{member.name}")
    if member.cls is not None:
        _fill(child, value, member.cls, pointer, m)
        return
    try:
        child.text = _scalar_text(value, pointer)
    except ValueError as exc:
        if str(exc).startswith(pointer):
            raise
        raise ValueError(f"{pointer}: {exc}") from None  # lxml: characters XML cannot carry


def to_xml(message: dict[str, Any], m: Model | None = None) -> bytes:
    """The canonical XML of a JSON message; ValueError naming the JSON pointer on what XML cannot hold."""
    m = m or model()
    root = etree.Element(f"{{{m.namespace}}}{m.root.name}", nsmap={None: m.namespace})
    _fill(root, message, m.root, "", m)
    etree.indent(root, space="  ")
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8") + b"\n"


# --- canonical JSON -----------------------------------------------------------------------


def _ordered(obj: Any, cls: Class, pointer: str, m: Model) -> Any:
    if not isinstance(obj, dict):
        return obj  # the wrong shape is the schema check's to report, not the writer's
    out: dict[str, Any] = {}
    for member in members(_object_keys(obj, cls, pointer), cls, pointer, m):
        attr, value, sub = member.attr, member.value, member.cls
        if attr.multivalued and value == [] and not attr.required and not attr.minimum_cardinality:
            continue  # an empty optional list is the same as an absent one, and XML cannot tell them apart
        if sub and attr.multivalued and isinstance(value, list):
            value = [_ordered(item, sub, here, m) for item, here in member.elements()]
        elif sub:
            value = _ordered(value, sub, member.pointer, m)
        out[member.name] = value
    return out


def to_json(message: dict[str, Any], m: Model | None = None) -> bytes:
    """The canonical JSON bytes of a message (keys in model order, 2-space indent, UTF-8)."""
    m = m or model()
    try:
        return orjson.dumps(_ordered(message, m.root, "", m), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError as exc:
        raise ValueError(f"cannot write as JSON: {exc}") from None


# --- XSD validation -----------------------------------------------------------------------


def default_xsd_path() -> Path:
    from kad_spec.spec.resources import generated_dir

    return generated_dir() / "xsd" / "kad.xsd"


@cache
def _schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path, safe_parser()))


def load_schema(xsd_path: Path | str | None = None) -> etree.XMLSchema:
    """The XSD as an lxml schema, loaded once per process and path."""
    return _schema(str(Path(xsd_path or default_xsd_path()).resolve()))


_EXPECTED_IN_MESSAGE = re.compile(r"Expected is(?: one of)? \( (.*?) \)")


def _expected(message: str) -> tuple[str, ...]:
    match = _EXPECTED_IN_MESSAGE.search(message)
    if not match:
        return ()
    return tuple(re.sub(r"^\{[^}]*\}", "", name.strip()) for name in match.group(1).split(","))


def personal_elements(m: Model) -> set[str]:
    return {a.name for _, a in m.walk() if a.annotations.get("personopplysning")}


def xsd_problem(error, tree: etree._ElementTree, m: Model, personal: set[str]) -> XsdProblem:
    elem = None
    if error.path:
        try:
            found = tree.xpath(error.path)
            elem = found[0] if found else None
        except etree.XPathError:
            elem = None
    pointer, xpath = element_location(elem, m) if elem is not None else (None, None)
    element = etree.QName(elem).localname if elem is not None else None
    return XsdProblem(
        type_name=error.type_name,
        message=error.message,
        line=error.line or None,
        column=error.column or None,
        path=error.path,
        xpath=xpath,
        pointer=pointer,
        element=element,
        value=elem.text if elem is not None else None,
        expected=_expected(error.message),
        personal=element in personal,
        children=tuple(etree.QName(c).localname for c in elem if isinstance(c.tag, str)) if elem is not None else (),
    )


def validate_xml(
    doc: bytes | etree._ElementTree | etree._Element,
    xsd_path: Path | str | None = None,
    m: Model | None = None,
) -> list[XsdProblem]:
    """Validate a document against the generated XSD; bytes are parsed with :func:`safe_parser`.

    Raises :class:`XmlInputError` when bytes are refused or malformed.
    """
    m = m or model()
    if isinstance(doc, bytes):
        tree = parse_xml_bytes(doc)
    elif isinstance(doc, etree._ElementTree):
        tree = doc
    else:
        tree = doc.getroottree()
    schema = load_schema(xsd_path)
    schema.validate(tree)
    personal = personal_elements(m)
    return [xsd_problem(error, tree, m, personal) for error in schema.error_log]
