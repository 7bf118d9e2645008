"""XSD 1.0 generator written over the project's model reader.

Core LinkML has no XSD generator and linkml-xsd copies anchored patterns (``^…$``) into
``xs:pattern`` and drops slot constraints, so the schema is built here from the model.

Layout of the generated schema:

* ``targetNamespace`` is the model's XML namespace (prefix ``kad``), elements are qualified;
  the global element is named after the root class.
* One complexType per class (``xs:sequence`` in model order), one named simpleType per
  LinkML type and enum in use. Slot-level patterns and integer bounds become anonymous
  simpleTypes. Multivalued slots are repeated elements without a wrapper.
* Every component has ``xs:documentation`` in bokmål (``xml:lang="nb"``) and English
  (``xml:lang="en"``).
* Machine-readable metadata sits in ``xs:appinfo`` in the small vocabulary
  ``urn:kad-spec:kad-kpr:appinfo:1`` (prefix ``kadinfo``):

  - on the schema: ``spesifikasjonsversjon``, ``publisert``, ``ikrafttredelse``;
  - on code lists (enum types): ``kodeliste`` (code list name in the project), ``oid``,
    ``kilde`` (source), ``begrunnelse`` (why this list was chosen), and ``oid`` per
    enumeration value where the value itself names a code system;
  - on LinkML types: ``oid`` (identifier scheme) and ``kodeliste`` where a code list backs them;
  - on elements: ``krav`` (O obligatorisk, V valgfri, B betinget), ``betingelse``
    (``xml:lang`` nb/en) for B, ``forslagspunkt`` (item 1–9 of the proposal),
    ``kardinalitet`` and ``personopplysning``.

Conditional requirements (the Opphold rules) cannot be expressed in XSD 1.0: those elements
have ``minOccurs="0"`` and carry the condition in their documentation; the generated Schematron
(``generated/schematron/kad.sch``) and the validator's rule checks enforce them.

A type with the model annotation ``xsd_type: dateTime`` (Tidspunkt) is a union: ``xs:dateTime``
within the model's pattern where seconds are written, and, for the minute form that
``xs:dateTime`` lacks, a string within the model's pattern (which knows the calendar).
So every XSD tool refuses 2025-02-30T14:35, 25:35 and month 13. The large code lists (ICD-10, ICPC-2, kommunenummer) are not inlined,
only their patterns.
"""

from __future__ import annotations

from lxml import etree

from kad_spec.spec.model import Attribute, Class, Enum, Model, Type

XS = "http://www.w3.org/2001/XMLSchema"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
APPINFO_NS = "urn:kad-spec:kad-kpr:appinfo:1"
TARGET_PREFIX = "kad"
APPINFO_PREFIX = "kadinfo"

# LinkML builtin ranges and the XSD type they map to.
BUILTIN_XSD = {
    "string": "xs:string",
    "integer": "xs:integer",
    "boolean": "xs:boolean",
    "float": "xs:double",
    "decimal": "xs:decimal",
    "date": "xs:date",
    "datetime": "xs:dateTime",
}

# Model annotation -> appinfo element, in the order they are written.
ENUM_APPINFO = (("codelist", "kodeliste"), ("oid", "oid"), ("source", "kilde"), ("begrunnelse", "begrunnelse"))
TYPE_APPINFO = (("oid", "oid"), ("codelist", "kodeliste"))
SCHEMA_APPINFO = (("publisert", "publisert"), ("ikrafttredelse", "ikrafttredelse"))

_SCHEMA_NB = (
    "Maskinlesbare metadata står i xs:appinfo i vokabularet {ns}: krav (O obligatorisk, "
    "V valgfri, B betinget), betingelse, forslagspunkt (punkt 1–9 i høringsnotatet), "
    "kardinalitet, personopplysning, kodeliste, oid, kilde og begrunnelse. Betingede krav kan "
    "ikke uttrykkes i XSD 1.0; de kontrolleres av Schematron-skjemaet schematron/kad.sch og av validatoren."
)
_SCHEMA_EN = (
    "Machine-readable metadata is in xs:appinfo in the vocabulary {ns}: krav (requirement: "
    "O mandatory, V optional, B conditional), betingelse (condition), forslagspunkt (item 1–9 "
    "of the consultation paper), kardinalitet, personopplysning, kodeliste (code list), oid, "
    "kilde (source) and begrunnelse (rationale). Conditional requirements cannot be expressed "
    "in XSD 1.0; the Schematron schema schematron/kad.sch and the validator check them."
)


class XsdGenerationError(ValueError):
    """The model uses something that cannot be written as XSD 1.0."""


def _xs(tag: str) -> str:
    return f"{{{XS}}}{tag}"


def _info(tag: str) -> str:
    return f"{{{APPINFO_NS}}}{tag}"


# --- patterns -------------------------------------------------------------------------

_UNSUPPORTED_ESCAPES = set("bBAZzGQEk123456789")


def xsd_pattern(pattern: str) -> str:
    """Turn an (ECMA/Python style) LinkML pattern into an XSD 1.0 pattern.

    XSD patterns are implicitly anchored, so a leading ``^`` and trailing ``$`` are removed;
    an unanchored end becomes ``.*`` to keep the "contains" meaning. Constructs XSD lacks
    (groups with ``(?``, lazy quantifiers, backreferences, word boundaries, inner anchors)
    raise :class:`XsdGenerationError` rather than silently changing meaning.
    """
    body = pattern
    head = "" if body.startswith("^") else ".*"
    body = body[1:] if body.startswith("^") else body
    if body.endswith("$") and not body.endswith("\\$"):
        body, tail = body[:-1], ""
    else:
        tail = ".*"
    _check_xsd_regex(body, pattern)
    return f"{head}{body}{tail}"


def _check_xsd_regex(body: str, original: str) -> None:
    def fail(why: str) -> None:
        raise XsdGenerationError(f"pattern {original!r} cannot be written as XSD 1.0: {why}")

    in_class = False
    after_quantifier = False  # the previous token was a quantifier, so '?' would make it lazy
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            if i + 1 >= len(body):
                fail("trailing backslash")
            if body[i + 1] in _UNSUPPORTED_ESCAPES:
                fail(f"escape \\{body[i + 1]}")
            i += 2
            after_quantifier = False
            continue
        quantifier = not in_class and ch in "*+?}"
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            # A literal ']' right after '[' or '[^' belongs to the class.
            if body[i + 1 : i + 2] == "^":
                i += 1
            if body[i + 1 : i + 2] == "]":
                i += 1
        elif ch in "^$":
            fail(f"anchor {ch!r} inside the pattern")
        elif ch == "(" and body[i + 1 : i + 2] == "?":
            fail("(? group")
        elif ch == "?" and after_quantifier:
            fail("lazy quantifier")
        elif ch == "{" and body[i + 1 : i + 2] == ",":
            fail("quantifier without lower bound")
        after_quantifier = quantifier
        i += 1
    if in_class:
        fail("unterminated character class")


# --- annotations ----------------------------------------------------------------------


def _annotation(parent: etree._Element, nb: str, en: str | None) -> etree._Element:
    ann = etree.SubElement(parent, _xs("annotation"))
    for lang, text in (("nb", nb), ("en", en)):
        if text:
            doc = etree.SubElement(ann, _xs("documentation"))
            doc.set(XML_LANG, lang)
            doc.text = text
    return ann


def _appinfo(ann: etree._Element, items: list[tuple[str, str, str | None]]) -> None:
    """Append ``xs:appinfo`` with (tag, text, lang) items; nothing when empty."""
    if not items:
        return
    info = etree.SubElement(ann, _xs("appinfo"))
    for tag, text, lang in items:
        el = etree.SubElement(info, _info(tag))
        if lang:
            el.set(XML_LANG, lang)
        el.text = str(text)


def _picked(annotations: dict, mapping: tuple[tuple[str, str], ...]) -> list[tuple[str, str, None]]:
    return [(tag, annotations[key], None) for key, tag in mapping if annotations.get(key)]


def _joined(*parts: str | None) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


# --- components -----------------------------------------------------------------------


class _Builder:
    def __init__(self, m: Model) -> None:
        self.m = m
        self._check_names()

    def _check_names(self) -> None:
        seen: dict[str, str] = {}
        for kind, names in (("class", self.m.classes), ("type", self.m.types), ("enum", self.m.enums)):
            for name in names:
                if name in seen:
                    raise XsdGenerationError(f"{kind} {name!r} has the same XSD type name as a {seen[name]}")
                seen[name] = kind

    def schema(self) -> etree._Element:
        m = self.m
        root = etree.Element(
            _xs("schema"),
            nsmap={"xs": XS, TARGET_PREFIX: m.namespace, APPINFO_PREFIX: APPINFO_NS},
        )
        root.set("targetNamespace", m.namespace)
        root.set("elementFormDefault", "qualified")
        root.set("attributeFormDefault", "unqualified")
        root.set("version", m.version)
        self._schema_annotation(root)
        self._root_element(root)
        used_classes, used_types, used_enums = self._used()
        for name in used_classes:
            self._complex_type(root, m.classes[name])
        for name in used_types:
            self._named_type(root, m.types[name])
        for name in used_enums:
            self._enum_type(root, m.enums[name])
        return root

    def _used(self) -> tuple[list[str], list[str], list[str]]:
        """Classes, types and enums reachable from the root, each in model order."""
        ranges = {self.m.root.name} | {attr.range for _, attr in self.m.walk()}
        types: set[str] = set()
        for name in ranges:
            while name in self.m.types:
                types.add(name)
                name = self.m.types[name].base
        return (
            [n for n in self.m.classes if n in ranges],
            [n for n in self.m.types if n in types],
            [n for n in self.m.enums if n in ranges],
        )

    def _schema_annotation(self, root: etree._Element) -> None:
        m = self.m
        nb = _joined(m.title + ".", m.description, _SCHEMA_NB.format(ns=APPINFO_NS))
        en = _joined(
            (m.annotations.get("title_en") or "") + ".",
            m.annotations.get("description_en"),
            _SCHEMA_EN.format(ns=APPINFO_NS),
        )
        ann = _annotation(root, nb, en)
        _appinfo(ann, [("spesifikasjonsversjon", m.version, None), *_picked(m.annotations, SCHEMA_APPINFO)])

    def _root_element(self, root: etree._Element) -> None:
        cls = self.m.root
        el = etree.SubElement(root, _xs("element"), name=cls.name, type=f"{TARGET_PREFIX}:{cls.name}")
        _annotation(el, cls.description, cls.annotations.get("title_en"))

    def _complex_type(self, root: etree._Element, cls: Class) -> None:
        ct = etree.SubElement(root, _xs("complexType"), name=cls.name)
        _annotation(ct, cls.description, cls.annotations.get("title_en"))
        seq = etree.SubElement(ct, _xs("sequence"))
        for attr in cls.attributes:
            self._element(seq, attr)

    def _element(self, seq: etree._Element, attr: Attribute) -> None:
        el = etree.SubElement(seq, _xs("element"), name=attr.name)
        anonymous = self._needs_anonymous_type(attr)
        if not anonymous:
            el.set("type", self._type_ref(attr.range))
        low = attr.minimum_cardinality if attr.multivalued and attr.minimum_cardinality is not None else int(attr.required)
        if low != 1:
            el.set("minOccurs", str(low))
        if attr.multivalued:
            el.set("maxOccurs", "unbounded")
        self._element_annotation(el, attr)
        if anonymous:
            self._anonymous_type(el, attr)

    def _element_annotation(self, el: etree._Element, attr: Attribute) -> None:
        ann_map = attr.annotations
        condition_nb, condition_en = attr.condition, ann_map.get("betingelse_en")
        nb = _joined(attr.description, f"Betinget: {condition_nb}" if condition_nb else None)
        en = ann_map.get("title_en")
        if en and condition_en:
            en = f"{en}. Conditional: {condition_en}"
        ann = _annotation(el, nb, en)
        items: list[tuple[str, str, str | None]] = [("krav", attr.requirement, None)]
        if condition_nb:
            items.append(("betingelse", condition_nb, "nb"))
        if condition_en:
            items.append(("betingelse", condition_en, "en"))
        if attr.item:
            items.append(("forslagspunkt", attr.item, None))
        items.append(("kardinalitet", attr.cardinality, None))
        if ann_map.get("personopplysning"):
            items.append(("personopplysning", ann_map["personopplysning"], None))
        _appinfo(ann, items)

    def _needs_anonymous_type(self, attr: Attribute) -> bool:
        return bool(attr.pattern) or attr.minimum_value is not None or attr.maximum_value is not None

    def _type_ref(self, range_name: str) -> str:
        if range_name in self.m.classes or range_name in self.m.types or range_name in self.m.enums:
            return f"{TARGET_PREFIX}:{range_name}"
        if range_name in BUILTIN_XSD:
            return BUILTIN_XSD[range_name]
        raise XsdGenerationError(f"unknown range {range_name!r}")

    def _anonymous_type(self, el: etree._Element, attr: Attribute) -> None:
        if attr.range in self.m.classes or attr.range in self.m.enums:
            raise XsdGenerationError(f"{attr.owner}.{attr.name}: pattern or bounds on a class or enum range")
        st = etree.SubElement(el, _xs("simpleType"))
        restriction = etree.SubElement(st, _xs("restriction"), base=self._type_ref(attr.range))
        self._facets(restriction, attr.pattern, attr.minimum_value, attr.maximum_value)

    @staticmethod
    def _facets(restriction: etree._Element, pattern: str | None, low, high) -> None:
        if low is not None:
            etree.SubElement(restriction, _xs("minInclusive"), value=str(low))
        if high is not None:
            etree.SubElement(restriction, _xs("maxInclusive"), value=str(high))
        if pattern:
            etree.SubElement(restriction, _xs("pattern"), value=xsd_pattern(pattern))

    def _named_type(self, root: etree._Element, typ: Type) -> None:
        st = etree.SubElement(root, _xs("simpleType"), name=typ.name)
        ann = _annotation(st, typ.description, typ.annotations.get("title_en"))
        _appinfo(ann, _picked(typ.annotations, TYPE_APPINFO))
        if typ.annotations.get("xsd_type") == "dateTime":
            _date_time_union(st, typ.pattern)
            return
        restriction = etree.SubElement(st, _xs("restriction"), base=self._type_ref(typ.base))
        self._facets(restriction, typ.pattern, None, None)

    def _enum_type(self, root: etree._Element, enum: Enum) -> None:
        st = etree.SubElement(root, _xs("simpleType"), name=enum.name)
        ann = _annotation(st, enum.description, enum.annotations.get("title_en"))
        _appinfo(ann, _picked(enum.annotations, ENUM_APPINFO))
        restriction = etree.SubElement(st, _xs("restriction"), base="xs:string")
        for value in enum.values:
            item = etree.SubElement(restriction, _xs("enumeration"), value=value.code)
            value_ann = _annotation(item, " ".join(value.description.split()), value.title_en)
            _appinfo(value_ann, _picked(value.annotations, (("oid", "oid"),)))


def _date_time_union(st: etree._Element, pattern: str | None) -> None:
    """Seconds written: ``xs:dateTime`` (a real date and time) within the model's pattern.
    Minutes only (``2025-02-28T14:35``), which ``xs:dateTime`` does not allow: a string within
    the model's pattern (which knows the calendar) without seconds."""
    union = etree.SubElement(st, _xs("union"))
    with_seconds = etree.SubElement(etree.SubElement(union, _xs("simpleType")), _xs("restriction"), base="xs:dateTime")
    _Builder._facets(with_seconds, pattern, None, None)
    minutes = etree.SubElement(etree.SubElement(union, _xs("simpleType")), _xs("restriction"))
    shaped = etree.SubElement(etree.SubElement(minutes, _xs("simpleType")), _xs("restriction"), base="xs:string")
    _Builder._facets(shaped, pattern, None, None)
    etree.SubElement(minutes, _xs("pattern"), value="[^T]*T[0-9]{2}:[0-9]{2}([Z+\\-].*)?")


def generate_xsd(m: Model) -> str:
    """The XSD for model ``m`` as text: deterministic, UTF-8 declared, ending in a newline."""
    root = _Builder(m).schema()
    etree.indent(root, space="  ")
    body = etree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
