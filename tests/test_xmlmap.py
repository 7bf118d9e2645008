"""XML <-> canonical JSON mapping, safe parsing and XSD validation."""

from __future__ import annotations

import copy
import time

import orjson
import pytest
import stdnum.no.fodselsnummer as fodselsnummer
import stdnum.no.orgnr as orgnr
import xmlschema
from lxml import etree

from kad_spec.generate.xsd import generate_xsd
from kad_spec.spec.model import model
from kad_spec.message.xmlmap import (
    Mapped,
    XmlInputError,
    element_to_dict,
    from_xml,
    parse_xml_bytes,
    pointer_to_xpath,
    to_json,
    to_xml,
    validate_xml,
)

NS = "urn:kad-spec:kad-kpr:1"


def tenor_person(day: int, month: int, yy: int, individual: int, *, dnr: bool = False) -> str:
    """A Skatteetaten Tenor synthetic person number (month + 80) with correct check digits."""
    base = f"{day + (40 if dnr else 0):02d}{month + 80:02d}{yy:02d}{individual:03d}"
    k1 = fodselsnummer.calc_check_digit1(base)
    k2 = fodselsnummer.calc_check_digit2(base + k1)
    number = base + k1 + k2
    assert len(number) == 11, "pick another individual number: check digit 10"
    return number


def tenor_organisation(stem: str) -> str:
    """A Tenor-style test organisation number: starts with 3, valid mod 11."""
    assert stem.startswith("3") and len(stem) == 8
    return next(stem + str(d) for d in range(10) if orgnr.is_valid(stem + str(d)))



def valid_message() -> dict:
    return {
        "meldingsinfo": {
            "melding_id": "0b5c7f0e-6c1e-4a8e-9a59-3f1f5d1e2a10",
            "spesifikasjonsversjon": "1.0.0",
            "opprettet": "2025-03-05T06:00:00+01:00",
            "miljo": "test",
            "kontaktperson": {"navn": "Kari Nordmann", "telefon": "+47 22 00 00 00", "epost": "kari@example.no"},
        },
        "virksomhet": {
            "navn": "Kommunal akutt døgnenhet Eksempel",
            "organisasjonsnummer": tenor_organisation("31234567"),
            "her_id": "81234",
            "adresse": {"adresselinje": "Storgata 1", "postnummer": "0182", "poststed": "OSLO"},
            "tjenestekommuner": ["0301", "3201"],
        },
        "opphold": [
            {
                "opphold_id": "KAD-2025-000123",
                "status": "N",
                "pasient": {
                    "id_type": "FNR",
                    "id": tenor_person(1, 1, 41, 123),
                    "kjonn": "2",
                    "alder": 84,
                    "bostedskommune": "0301",
                },
                "innleggelsestidspunkt": "2025-03-01T14:35:00",
                "utskrivningstidspunkt": "2025-03-04T10:00:00",
                "innskrivningsdiagnoser": [{"kodeverk": "ICPC-2", "kode": "R81"}],
                "utskrivningsdiagnoser": [{"kodeverk": "ICD-10", "kode": "J189"}, {"kodeverk": "ICD-10", "kode": "I509"}],
                "henvist_fra": {"kategori": "28", "organisasjonsnummer": tenor_organisation("39876543")},
                "utskrevet_til": {"kategori": "1"},
            },
            {
                "opphold_id": "KAD-2025-000124",
                "status": "N",
                "pasient": {
                    "id_type": "DNR",
                    "id": tenor_person(15, 6, 52, 234, dnr=True),
                    "kjonn": "1",
                    "alder": 72,
                    "bostedskommune": "3201",
                },
                "innleggelsestidspunkt": "2025-03-04T22:10",
                "innskrivningsdiagnoser": [{"kodeverk": "ICD-10", "kode": "R06.0"}],
                "henvist_fra": {"kategori": "28", "her_id": "123456"},
            },
        ],
    }


@pytest.fixture(scope="module")
def xsd_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("xsd") / "kad.xsd"
    path.write_text(generate_xsd(model()), encoding="utf-8")
    return path


def _replace(xml: bytes, old: str, new: str) -> bytes:
    assert old.encode() in xml
    return xml.replace(old.encode(), new.encode(), 1)


# --- canonical XML and round trips -----------------------------------------------------------


def test_to_xml_shape():
    xml = to_xml(valid_message())
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<KadMelding xmlns="urn:kad-spec:kad-kpr:1">\n')
    assert xml.endswith(b"</KadMelding>\n")
    assert b"\n  <meldingsinfo>\n    <melding_id>" in xml
    assert b"<tjenestekommuner>0301</tjenestekommuner>\n    <tjenestekommuner>3201</tjenestekommuner>" in xml
    assert b"<alder>84</alder>" in xml
    assert "døgnenhet".encode() in xml  # UTF-8, not character references


def test_to_xml_ignores_dict_order_and_is_deterministic():
    message = valid_message()
    shuffled = {k: message[k] for k in reversed(list(message))}
    shuffled["opphold"] = [{k: s[k] for k in reversed(list(s))} for s in message["opphold"]]
    assert to_xml(shuffled) == to_xml(message)


def test_to_xml_omits_absent_fields():
    message = valid_message()
    del message["virksomhet"]["her_id"]
    assert b"<her_id>81234</her_id>" not in to_xml(message)


def test_unknown_key_is_a_value_error_with_pointer():
    message = valid_message()
    message["opphold"][1]["pasient"]["fodselsdato"] = "1952-06-15"
    with pytest.raises(ValueError, match="/opphold/1/pasient/fodselsdato"):
        to_xml(message)
    with pytest.raises(ValueError, match="/opphold/1/pasient/fodselsdato"):
        to_json(message)


def test_characters_xml_cannot_carry_are_a_value_error_with_pointer():
    message = valid_message()
    message["virksomhet"]["navn"] = "Enhet\x01"
    with pytest.raises(ValueError, match="/virksomhet/navn"):
        to_xml(message)


def test_non_scalar_value_is_a_value_error_with_pointer():
    message = valid_message()
    message["opphold"][0]["status"] = None
    with pytest.raises(ValueError, match="/opphold/0/status"):
        to_xml(message)


def test_valid_message_validates_under_lxml_and_xmlschema(xsd_path, tmp_path):
    xml = to_xml(valid_message())
    assert validate_xml(xml, xsd_path=xsd_path) == []
    schema = xmlschema.XMLSchema10(str(xsd_path))
    schema.validate(xml.decode("utf-8"))  # raises on any error
    assert schema.is_valid(xml.decode("utf-8"))


def test_round_trip_dict():
    message = valid_message()
    assert from_xml(to_xml(message)) == message


def test_round_trip_json_bytes_are_identical():
    message = valid_message()
    canonical = to_json(message)
    assert to_json(orjson.loads(canonical)) == canonical
    assert to_json(from_xml(to_xml(orjson.loads(canonical)))) == canonical
    assert to_xml(from_xml(to_xml(message))) == to_xml(message)


def test_to_json_canonical_form():
    message = valid_message()
    shuffled = {k: message[k] for k in reversed(list(message))}
    text = to_json(shuffled)
    assert text == to_json(message)
    assert text.startswith(b'{\n  "meldingsinfo": {\n    "melding_id"')
    assert text.endswith(b"}\n")
    assert "døgnenhet".encode() in text


def test_empty_optional_list_is_the_same_as_absent():
    message = valid_message()
    message["opphold"] = []
    assert b'"opphold"' not in to_json(message)
    assert to_json(from_xml(to_xml(message))) == to_json(message)


def test_integer_kept_as_string_when_not_an_integer():
    xml = _replace(to_xml(valid_message()), "<alder>84</alder>", "<alder>åttifire</alder>")
    assert from_xml(xml)["opphold"][0]["pasient"]["alder"] == "åttifire"


# --- element_to_dict -----------------------------------------------------------------------


def test_element_to_dict_lines_and_lists():
    tree = parse_xml_bytes(to_xml(valid_message()))
    mapped = element_to_dict(tree.getroot())
    assert isinstance(mapped, Mapped)
    assert mapped.problems == []
    assert mapped.data == valid_message()
    lines = to_xml(valid_message()).decode().splitlines()
    kjonn_line = mapped.lines["/opphold/1/pasient/kjonn"]
    assert lines[kjonn_line - 1].strip() == "<kjonn>1</kjonn>"
    assert lines[mapped.lines["/opphold/1"] - 1].strip() == "<opphold>"
    assert mapped.lines["/virksomhet/tjenestekommuner/1"] == mapped.lines["/virksomhet/tjenestekommuner/0"] + 1
    assert mapped.lines[""] == 2


def test_element_to_dict_one_stay_with_pointer():
    tree = parse_xml_bytes(to_xml(valid_message()))
    stay = tree.getroot().findall(f"{{{NS}}}opphold")[1]
    mapped = element_to_dict(stay)
    assert mapped.data == valid_message()["opphold"][1]
    assert "/opphold/1/pasient/id" in mapped.lines
    streamed = element_to_dict(stay, "Opphold", pointer="/opphold/7")
    assert "/opphold/7/innskrivningsdiagnoser/0/kode" in streamed.lines


def test_element_to_dict_reports_what_it_cannot_map():
    xml = to_xml(valid_message())
    xml = _replace(xml, "<kjonn>2</kjonn>", "<kjonn>2</kjonn>\n      <farge>blå</farge>")
    xml = _replace(xml, "<henvist_fra>", "<henvist_fra>løs tekst")
    xml = _replace(xml, "<poststed>OSLO</poststed>", "<poststed><by>OSLO</by></poststed>")
    xml = _replace(xml, "<status>N</status>", '<status kilde="x">N</status>\n      <status>M</status>')
    mapped = element_to_dict(parse_xml_bytes(xml).getroot())
    by_kind = {p.kind: p for p in mapped.problems}
    assert set(by_kind) == {"unknown_element", "mixed_content", "children_in_value", "unknown_attribute", "repeated_element"}
    farge = by_kind["unknown_element"]
    assert farge.element == "farge" and farge.xpath == "/KadMelding/opphold[1]/pasient/farge"
    assert farge.pointer == "/opphold/0/pasient"
    assert xml.decode().splitlines()[farge.line - 1].strip() == "<farge>blå</farge>"
    assert by_kind["mixed_content"].xpath == "/KadMelding/opphold[1]/henvist_fra"
    assert by_kind["children_in_value"].pointer == "/virksomhet/adresse/poststed"
    assert by_kind["repeated_element"].xpath == "/KadMelding/opphold[1]/status"
    assert mapped.data["opphold"][0]["status"] == "N"  # the first one is kept
    assert "poststed" not in mapped.data["virksomhet"]["adresse"]
    with pytest.raises(ValueError, match="line"):
        from_xml(xml)


def test_wrong_namespace_is_one_problem():
    xml = to_xml(valid_message()).replace(b' xmlns="urn:kad-spec:kad-kpr:1"', b"")
    mapped = element_to_dict(parse_xml_bytes(xml).getroot())
    assert [p.kind for p in mapped.problems] == ["namespace"]
    assert mapped.data == valid_message()


@pytest.mark.parametrize(
    ("pointer", "xpath"),
    [
        ("", "/KadMelding"),
        ("/opphold/0/pasient/kjonn", "/KadMelding/opphold[1]/pasient/kjonn"),
        ("/virksomhet/tjenestekommuner/2", "/KadMelding/virksomhet/tjenestekommuner[3]"),
        ("/opphold/11/utskrivningsdiagnoser/0/kode", "/KadMelding/opphold[12]/utskrivningsdiagnoser[1]/kode"),
    ],
)
def test_pointer_to_xpath(pointer, xpath):
    assert pointer_to_xpath(pointer) == xpath


# --- XSD problems ----------------------------------------------------------------------------


def _problems(xml: bytes, xsd_path):
    problems = validate_xml(xml, xsd_path=xsd_path)
    assert problems, "expected the XSD to reject the document"
    return problems


def _line_of(xml: bytes, needle: str) -> int:
    return next(i for i, line in enumerate(xml.decode().splitlines(), 1) if needle in line)


def test_bad_enum_code(xsd_path):
    xml = _replace(to_xml(valid_message()), "<kjonn>1</kjonn>", "<kjonn>K</kjonn>")
    problem = next(p for p in _problems(xml, xsd_path) if p.type_name == "SCHEMAV_CVC_ENUMERATION_VALID")
    assert problem.element == "kjonn" and problem.value == "K"
    assert problem.line == _line_of(xml, "<kjonn>K</kjonn>")
    assert problem.pointer == "/opphold/1/pasient/kjonn"
    assert problem.xpath == "/KadMelding/opphold[2]/pasient/kjonn"
    assert problem.path  # lxml's own path is kept too


def test_bad_pattern_on_personal_id_is_flagged_personal(xsd_path):
    message = valid_message()
    message["opphold"][0]["pasient"]["id"] = "1234"
    xml = to_xml(message)
    problem = next(p for p in _problems(xml, xsd_path) if p.type_name == "SCHEMAV_CVC_PATTERN_VALID")
    assert problem.element == "id" and problem.personal
    assert problem.pointer == "/opphold/0/pasient/id"
    assert problem.line == _line_of(xml, "<id>1234</id>")


def test_integer_out_of_range(xsd_path):
    xml = _replace(to_xml(valid_message()), "<alder>84</alder>", "<alder>200</alder>")
    types = {p.type_name for p in _problems(xml, xsd_path)}
    assert "SCHEMAV_CVC_MAXINCLUSIVE_VALID" in types


def test_missing_required_element(xsd_path):
    message = valid_message()
    del message["opphold"][0]["pasient"]["kjonn"]
    xml = to_xml(message)
    problem = _problems(xml, xsd_path)[0]
    assert problem.type_name == "SCHEMAV_ELEMENT_CONTENT"
    assert "kjonn" in problem.expected
    assert problem.line is not None


def test_unknown_element(xsd_path):
    xml = _replace(to_xml(valid_message()), "<kjonn>2</kjonn>", "<kjonn>2</kjonn><farge>blå</farge>")
    problem = _problems(xml, xsd_path)[0]
    assert problem.type_name == "SCHEMAV_ELEMENT_CONTENT"
    assert problem.element == "farge"
    assert problem.line == _line_of(xml, "<farge>")
    assert problem.xpath == "/KadMelding/opphold[1]/pasient/farge"
    assert problem.pointer == "/opphold/0/pasient"


def test_validate_accepts_trees(xsd_path):
    tree = parse_xml_bytes(to_xml(valid_message()))
    assert validate_xml(tree, xsd_path=xsd_path) == []
    assert validate_xml(tree.getroot(), xsd_path=xsd_path) == []


# --- hostile input ----------------------------------------------------------------------------


@pytest.fixture()
def secret_file(tmp_path):
    path = tmp_path / "hemmelig.txt"
    path.write_text("HEMMELIG-INNHOLD-4711", encoding="utf-8")
    return path


def _assert_refused(data: bytes, xsd_path, kind: str = "doctype") -> XmlInputError:
    started = time.monotonic()
    with pytest.raises(XmlInputError) as caught:
        parse_xml_bytes(data)
    with pytest.raises(XmlInputError):
        validate_xml(data, xsd_path=xsd_path)
    with pytest.raises(ValueError):
        from_xml(data)
    assert time.monotonic() - started < 2
    assert caught.value.kind == kind
    return caught.value


def test_external_entity_is_refused_and_never_read(secret_file, xsd_path):
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE KadMelding [<!ENTITY x SYSTEM "{secret_file.as_uri()}">]>\n'
        f'<KadMelding xmlns="{NS}"><meldingsinfo><melding_id>&x;</melding_id></meldingsinfo></KadMelding>'
    ).encode()
    error = _assert_refused(data, xsd_path)
    assert error.line == 2
    seen = " ".join(str(v) for v in (error, error.message, error.message_en, error.args))
    assert "HEMMELIG" not in seen


def test_external_dtd_is_refused(secret_file, xsd_path):
    data = f'<!DOCTYPE KadMelding SYSTEM "{secret_file.as_uri()}"><KadMelding xmlns="{NS}"/>'.encode()
    _assert_refused(data, xsd_path)


def test_network_entity_is_refused(xsd_path):
    data = b'<!DOCTYPE r [<!ENTITY x SYSTEM "http://example.invalid/x">]><r>&x;</r>'
    _assert_refused(data, xsd_path)


def test_billion_laughs_is_refused_quickly(xsd_path):
    entities = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    data = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">{entities}]><r>&l9;</r>'.encode()
    _assert_refused(data, xsd_path)


def test_doctype_after_comment_and_in_utf16_is_refused(xsd_path):
    data = f'<?xml version="1.0"?>\n<!-- x -->\n<!DOCTYPE r [<!ENTITY x "y">]><KadMelding xmlns="{NS}"/>'
    _assert_refused(data.encode(), xsd_path)
    utf16 = data.replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")
    _assert_refused(utf16, xsd_path)


def test_entity_reference_without_doctype_is_a_syntax_error(secret_file, xsd_path):
    data = f'<KadMelding xmlns="{NS}">&x;</KadMelding>'.encode()
    _assert_refused(data, xsd_path, kind="syntax")


def test_malformed_and_empty_documents(xsd_path):
    error = _assert_refused(b"<KadMelding>\n  <meldingsinfo>\n</KadMelding>", xsd_path, kind="syntax")
    assert error.line == 3 and error.column
    _assert_refused(b"  \n", xsd_path, kind="empty")


def test_deep_nesting_is_refused(xsd_path):
    data = b"<a>" * 100_000 + b"</a>" * 100_000
    _assert_refused(data, xsd_path, kind="syntax")


def test_huge_text_node_is_refused(xsd_path):
    data = f'<KadMelding xmlns="{NS}"><x>'.encode() + b"a" * 11_000_000 + b"</x></KadMelding>"
    _assert_refused(data, xsd_path, kind="syntax")


def test_valid_message_copy_is_unchanged_by_writing():
    message = valid_message()
    before = copy.deepcopy(message)
    to_xml(message)
    to_json(message)
    assert message == before


def test_to_xml_output_parses_with_plain_lxml():
    root = etree.fromstring(to_xml(valid_message()))
    assert root.tag == f"{{{NS}}}KadMelding"
