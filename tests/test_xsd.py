"""The XSD generator: loadable, deterministic, faithful to the model."""

from __future__ import annotations

import dataclasses

import pytest
import xmlschema
from lxml import etree

from kad_spec.generate.xsd import APPINFO_NS, XsdGenerationError, generate_xsd, xsd_pattern
from kad_spec.spec.model import model

XS = "http://www.w3.org/2001/XMLSchema"
NS = {"xs": XS, "kadinfo": APPINFO_NS}
LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.fixture(scope="module")
def xsd_text() -> str:
    return generate_xsd(model())


@pytest.fixture(scope="module")
def xsd_tree(xsd_text) -> etree._Element:
    return etree.fromstring(xsd_text.encode("utf-8"))


def _element(tree, class_name: str, element_name: str) -> etree._Element:
    found = tree.xpath(
        "xs:complexType[@name=$c]/xs:sequence/xs:element[@name=$e]", namespaces=NS, c=class_name, e=element_name
    )
    assert len(found) == 1, (class_name, element_name)
    return found[0]


def test_loads_in_lxml_and_xmlschema(xsd_text, tmp_path):
    etree.XMLSchema(etree.fromstring(xsd_text.encode("utf-8")))
    path = tmp_path / "kad.xsd"
    path.write_text(xsd_text, encoding="utf-8")
    schema = xmlschema.XMLSchema10(str(path))
    assert schema.target_namespace == model().namespace
    assert list(schema.elements) == [model().root.name]


def test_rerun_is_byte_identical_and_ends_with_newline(xsd_text):
    again = generate_xsd(model())
    assert again == xsd_text
    assert xsd_text.endswith("</xs:schema>\n")
    assert xsd_text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')


def test_schema_header(xsd_tree):
    m = model()
    assert xsd_tree.get("targetNamespace") == "urn:kad-spec:kad-kpr:1" == m.namespace
    assert xsd_tree.get("elementFormDefault") == "qualified"
    assert xsd_tree.get("version") == m.version
    roots = xsd_tree.xpath("xs:element", namespaces=NS)
    assert [(e.get("name"), e.get("type")) for e in roots] == [("KadMelding", "kad:KadMelding")]
    assert xsd_tree.xpath("xs:annotation/xs:appinfo/kadinfo:spesifikasjonsversjon/text()", namespaces=NS) == [m.version]


def test_patterns_carry_no_anchors(xsd_tree):
    patterns = xsd_tree.xpath("//xs:pattern/@value", namespaces=NS)
    assert patterns, "the model has patterns"
    for value in patterns:
        assert not value.startswith("^") and not value.endswith("$"), value
    org = xsd_tree.xpath("xs:simpleType[@name='Organisasjonsnummer']//xs:pattern/@value", namespaces=NS)
    assert org == ["[0-9]{9}"]


def test_attribute_pattern_is_anonymous_type(xsd_tree):
    opphold_id = _element(xsd_tree, "Opphold", "opphold_id")
    assert opphold_id.get("type") is None
    assert opphold_id.xpath("xs:simpleType/xs:restriction/xs:pattern/@value", namespaces=NS) == ["[A-Za-z0-9._:-]{1,64}"]


def test_integer_bounds(xsd_tree):
    alder = _element(xsd_tree, "Pasient", "alder")
    restriction = alder.xpath("xs:simpleType/xs:restriction", namespaces=NS)[0]
    assert restriction.get("base") == "xs:integer"
    assert restriction.xpath("xs:minInclusive/@value", namespaces=NS) == ["0"]
    assert restriction.xpath("xs:maxInclusive/@value", namespaces=NS) == ["130"]


def test_occurrences(xsd_tree):
    def occurs(cls, name):
        el = _element(xsd_tree, cls, name)
        return el.get("minOccurs", "1"), el.get("maxOccurs", "1")

    assert occurs("KadMelding", "opphold") == ("0", "unbounded")
    assert occurs("KadMelding", "meldingsinfo") == ("1", "1")
    assert occurs("Virksomhet", "tjenestekommuner") == ("1", "unbounded")
    assert occurs("Virksomhet", "her_id") == ("0", "1")
    assert occurs("Opphold", "innskrivningsdiagnoser") == ("1", "unbounded")
    # Conditional on discharge: cannot be said in XSD 1.0, so optional with the condition documented.
    assert occurs("Opphold", "utskrivningsdiagnoser") == ("0", "unbounded")
    assert occurs("Opphold", "utskrevet_til") == ("0", "1")
    assert occurs("Opphold", "utskrivningstidspunkt") == ("0", "1")


def test_sequence_follows_model_order(xsd_tree):
    for cls in model().classes.values():
        names = xsd_tree.xpath("xs:complexType[@name=$c]/xs:sequence/xs:element/@name", namespaces=NS, c=cls.name)
        assert names == [a.name for a in cls.attributes]


def test_enumerations_match_model_enums(xsd_tree):
    m = model()
    for enum in m.enums.values():
        codes = xsd_tree.xpath("xs:simpleType[@name=$n]/xs:restriction/xs:enumeration/@value", namespaces=NS, n=enum.name)
        assert tuple(codes) == enum.codes, enum.name
        for value in enum.values:
            docs = xsd_tree.xpath(
                "xs:simpleType[@name=$n]//xs:enumeration[@value=$v]/xs:annotation/xs:documentation",
                namespaces=NS, n=enum.name, v=value.code,
            )
            assert {d.get(LANG): d.text for d in docs} == {"nb": " ".join(value.description.split()), "en": value.title_en}


def test_enum_appinfo_carries_oid_and_source(xsd_tree):
    kjonn = xsd_tree.xpath("xs:simpleType[@name='Kjonn']/xs:annotation/xs:appinfo", namespaces=NS)[0]
    assert kjonn.xpath("kadinfo:oid/text()", namespaces=NS) == ["2.16.578.1.12.4.1.1.3101"]
    assert kjonn.xpath("kadinfo:kilde/text()", namespaces=NS) == ["Volven 3101 Kjønn"]
    assert kjonn.xpath("kadinfo:kodeliste/text()", namespaces=NS) == ["kjonn"]
    for enum in model().enums.values():
        if enum.oid:
            assert xsd_tree.xpath(
                "xs:simpleType[@name=$n]/xs:annotation/xs:appinfo/kadinfo:oid/text()", namespaces=NS, n=enum.name
            ) == [enum.oid]
    # Kodeverk: the OID belongs to each value (each is a code system).
    icd = xsd_tree.xpath(
        "xs:simpleType[@name='Kodeverk']//xs:enumeration[@value='ICD-10']//kadinfo:oid/text()", namespaces=NS
    )
    assert icd == ["2.16.578.1.12.4.1.1.7110"]


def test_large_code_lists_are_not_inlined(xsd_tree):
    kommune = xsd_tree.xpath("xs:simpleType[@name='Kommunenummer']", namespaces=NS)[0]
    assert not kommune.xpath(".//xs:enumeration", namespaces=NS)
    assert kommune.xpath(".//xs:pattern/@value", namespaces=NS) == ["[0-9]{4}"]


def test_every_component_is_documented_in_both_languages(xsd_tree):
    components = xsd_tree.xpath("xs:complexType | xs:simpleType | //xs:element", namespaces=NS)
    assert len(components) > 40
    for comp in components:
        langs = comp.xpath("xs:annotation/xs:documentation/@xml:lang", namespaces=NS)
        assert langs == ["nb", "en"], comp.get("name")


def test_element_appinfo_has_requirement_and_item(xsd_tree):
    utskrevet = _element(xsd_tree, "Opphold", "utskrevet_til")
    info = utskrevet.xpath("xs:annotation/xs:appinfo", namespaces=NS)[0]
    assert info.xpath("kadinfo:krav/text()", namespaces=NS) == ["B"]
    assert info.xpath("kadinfo:forslagspunkt/text()", namespaces=NS) == ["9"]
    assert info.xpath("kadinfo:betingelse[@xml:lang='nb']/text()", namespaces=NS) == [
        "Påkrevd når utskrivningstidspunkt er oppgitt."
    ]
    doc_nb = utskrevet.xpath("xs:annotation/xs:documentation[@xml:lang='nb']/text()", namespaces=NS)[0]
    assert "Betinget: Påkrevd når utskrivningstidspunkt er oppgitt." in doc_nb
    kjonn = _element(xsd_tree, "Pasient", "kjonn")
    assert kjonn.get("type") == "kad:Kjonn"
    assert kjonn.xpath("xs:annotation/xs:appinfo/kadinfo:krav/text()", namespaces=NS) == ["O"]
    assert kjonn.xpath("xs:annotation/xs:appinfo/kadinfo:forslagspunkt/text()", namespaces=NS) == ["3"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("^[0-9]{4}$", "[0-9]{4}"),
        ("^\\+?[0-9 ]{8,20}$", "\\+?[0-9 ]{8,20}"),
        ("^[^@\\s]+@[^@\\s]+$", "[^@\\s]+@[^@\\s]+"),
        ("[0-9]{4}", ".*[0-9]{4}.*"),
    ],
)
def test_pattern_conversion(pattern, expected):
    assert xsd_pattern(pattern) == expected


@pytest.mark.parametrize("pattern", ["^a+?$", "^(?:ab)$", "^(a)\\1$", "^\\bword$", "^a{,3}$", "^a^b$"])
def test_patterns_xsd_cannot_express_are_refused(pattern):
    with pytest.raises(XsdGenerationError):
        xsd_pattern(pattern)


def test_description_edit_changes_the_output(xsd_text):
    m = model()
    pasient = m.classes["Pasient"]
    edited_class = dataclasses.replace(pasient, description="Endret beskrivelse.")
    edited = dataclasses.replace(m, classes={**m.classes, "Pasient": edited_class})
    assert generate_xsd(edited) != xsd_text
    assert "Endret beskrivelse." in generate_xsd(edited)
