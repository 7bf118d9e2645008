"""The MsgHead 1.2 envelope in, the AppRec 1.1 receipt out, through the real CLI.

Envelopes and receipts are checked with lxml against the official KITH schemas as kept in
``../shared/upstream/kith/`` (not the project's own copy or writer), offline.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
import yaml
from lxml import etree

from conftest import EXAMPLES, ROOT, base_message, invoke

UPSTREAM = ROOT.parent / "shared" / "upstream" / "kith"
VENDORED = ROOT / "kad_spec" / "_vendor" / "kith"
MH = "http://www.kith.no/xmlstds/msghead/2006-05-24"
AR = "http://www.kith.no/xmlstds/apprec/2012-02-15"
KAD = "urn:kad-spec:kad-kpr:1"
SPEC = yaml.safe_load((ROOT / "model" / "konvolutt.yaml").read_text(encoding="utf-8"))
PERSON_IDS = [s["pasient"]["id"] for s in base_message()["opphold"]]


def _schema(xsd: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(UPSTREAM / xsd), parser))


@pytest.fixture(scope="module")
def apprec_xsd():
    return _schema("apprec-v1.1.xsd")


@pytest.fixture(scope="module")
def msghead_with_kad_xsd():
    """MsgHead 1.2 (official) and the published KAD XSD together: Content is validated strictly."""
    wrapper = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
      <xs:import namespace="{MH}" schemaLocation="{(UPSTREAM / 'MsgHead-v1_2.xsd').as_uri()}"/>
      <xs:import namespace="{KAD}" schemaLocation="{(ROOT / 'generated' / 'xsd' / 'kad.xsd').as_uri()}"/>
    </xs:schema>"""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    return etree.XMLSchema(etree.fromstring(wrapper.encode(), parser, base_url=str(ROOT) + "/"))


def report(*paths, extra=()):
    result = invoke("validate", "--format", "json", *extra, *paths)
    assert result.exit_code in (0, 1), (result.exit_code, result.stdout, result.stderr)
    return result.exit_code, json.loads(result.stdout)


def findings(rep: dict) -> list[dict]:
    return [f for file in rep["files"] for f in file["findings"]]


def receipt(path: Path, *extra) -> etree._Element:
    result = invoke("validate", "--format", "apprec", *extra, path)
    assert result.exit_code in (0, 1), (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return etree.fromstring(result.stdout.encode())


def wrap(source: Path, out: Path, *extra) -> Path:
    result = invoke("envelope", "wrap", source, "--out", out, *extra)
    assert result.exit_code == 0, result.stderr
    return out


def _text(root, path: str) -> str:
    return root.xpath(f"string({path})", namespaces={"ar": AR, "mh": MH})


# --- the vendored schemas ----------------------------------------------------------------------
def test_vendored_schemas_are_upstream_byte_for_byte_with_their_checksums_recorded():
    readme = (VENDORED / "README.md").read_text(encoding="utf-8")
    assert "1e6a50b265c7d6f2087cc8a9e9876b788ed89b83" in readme and "ks-no/fiks-nhn-client" in readme
    for name in ("MsgHead-v1_2.xsd", "apprec-v1.1.xsd", "kith.xsd", "xmldsig-core-schema.xsd", "kith-base64.xsd"):
        data = (VENDORED / name).read_bytes()
        assert data == (UPSTREAM / name).read_bytes(), name
        assert hashlib.sha256(data).hexdigest() in readme, name


# --- reading and writing the envelope ----------------------------------------------------------
@pytest.mark.parametrize("source", ["kad-melding.json", "kad-melding.xml"])
def test_wrapped_message_validates_against_official_msghead_and_through_the_cli(source, tmp_path, msghead_with_kad_xsd):
    envelope = wrap(EXAMPLES / source, tmp_path / "konvolutt.xml")
    tree = etree.parse(str(envelope))
    assert msghead_with_kad_xsd.validate(tree), msghead_with_kad_xsd.error_log
    root = tree.getroot()
    assert _text(root, "mh:MsgInfo/mh:Type/@V") == SPEC["hodemelding"]["meldingstype"]["kode"] == "KPR_KAD"
    assert _text(root, "mh:MsgInfo/mh:MsgId") == base_message()["meldingsinfo"]["melding_id"]
    assert _text(root, "mh:MsgInfo/mh:Receiver//mh:Ident/mh:Id") == "171479"  # the example is a test message
    assert _text(root, "mh:MsgInfo/mh:Sender//mh:Ident[mh:TypeId/@V='ENH']/mh:Id") == "310000019"
    assert _text(root, "mh:MsgInfo/mh:Sender//mh:Ident[mh:TypeId/@V='HER']/mh:Id") == "81234"
    code, rep = report(envelope)
    assert code == 0 and findings(rep) == [] and rep["files"][0]["stays"] == 4


def test_production_message_goes_to_kpr_production_and_sender_her_fills_a_missing_her_id(tmp_path):
    message = base_message()
    message["meldingsinfo"]["miljo"] = "produksjon"
    del message["virksomhet"]["her_id"]
    source = tmp_path / "prod.json"
    source.write_text(json.dumps(message, ensure_ascii=False), encoding="utf-8")
    root = etree.parse(str(wrap(source, tmp_path / "prod.xml", "--sender-her", "4242"))).getroot()
    assert _text(root, "mh:MsgInfo/mh:Receiver//mh:Ident/mh:Id") == "122612"
    assert _text(root, "mh:MsgInfo/mh:Sender//mh:Ident[mh:TypeId/@V='HER']/mh:Id") == "4242"
    found = findings(report(tmp_path / "prod.xml")[1])
    assert not [f for f in found if f["rule_id"].startswith("KAD-KONV")]
    assert {f["rule_id"] for f in found} == {"KAD-ID-005"}  # the example's persons are synthetic: not for production


def test_sender_her_that_contradicts_the_message_is_refused(tmp_path):
    result = invoke("envelope", "wrap", EXAMPLES / "kad-melding.json", "--sender-her", "999", "--out", tmp_path / "x.xml")
    assert result.exit_code == 1 and "her_id" in result.stderr and not (tmp_path / "x.xml").exists()


def test_unwrap_gives_the_message_back(tmp_path):
    envelope = wrap(EXAMPLES / "kad-melding.json", tmp_path / "k.xml")
    assert invoke("envelope", "unwrap", envelope, "--out", tmp_path / "m.xml").exit_code == 0
    assert (tmp_path / "m.xml").read_bytes() == (EXAMPLES / "kad-melding.xml").read_bytes()
    result = invoke("envelope", "unwrap", envelope, "--to", "json")
    assert json.loads(result.stdout) == base_message()
    assert invoke("envelope", "unwrap", EXAMPLES / "kad-melding.xml").exit_code == 1
    assert invoke("envelope", "unwrap", tmp_path / "missing.xml").exit_code == 2
    assert invoke("envelope", "unwrap", envelope, "--out", envelope).exit_code == 2  # never over its input


def test_bundled_enveloped_example_is_what_wrap_writes(tmp_path):
    made = wrap(EXAMPLES / "kad-melding.json", tmp_path / "k.xml")
    assert made.read_bytes() == (EXAMPLES / "konvolutt-kad-melding.xml").read_bytes()


def test_example_writes_enveloped_messages(tmp_path, msghead_with_kad_xsd):
    result = invoke("example", "--count", "12", "--stays-per-message", "5", "--envelope", "--out", tmp_path / "ut")
    assert result.exit_code == 0, result.stderr
    files = sorted((tmp_path / "ut").glob("*.xml"))
    assert len(files) == 3
    for path in files:
        assert msghead_with_kad_xsd.validate(etree.parse(str(path))), msghead_with_kad_xsd.error_log
    code, rep = report(tmp_path / "ut")
    assert code == 0 and rep["summary"]["stays"] == 12


HAND_WRITTEN = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by hand from MsgHead-v1_2.xsd: the PatientReport body form, prefixed names. -->
<mh:MsgHead xmlns:mh="http://www.kith.no/xmlstds/msghead/2006-05-24">
  <mh:MsgInfo>
    <mh:Type V="KPR_KAD" DN="KAD til KPR"/>
    <mh:MIGversion>v1.2 2006-05-24</mh:MIGversion>
    <mh:GenDate>2025-03-05T07:15:00+01:00</mh:GenDate>
    <mh:MsgId>0B5C7F0E-6C1E-4A8E-9A59-3F1F5D1E2A10</mh:MsgId>
    <mh:Sender>
      <mh:Organisation>
        <mh:OrganisationName>Akutt døgnenhet</mh:OrganisationName>
        <mh:Ident><mh:Id>310000019</mh:Id><mh:TypeId V="ENH" S="2.16.578.1.12.4.1.1.9051" DN="Organisasjonsnummer"/></mh:Ident>
      </mh:Organisation>
    </mh:Sender>
    <mh:Receiver>
      <mh:Organisation>
        <mh:OrganisationName>KPR</mh:OrganisationName>
        <mh:Ident><mh:Id>8133973</mh:Id><mh:TypeId V="HER" S="2.16.578.1.12.4.1.1.9051" DN="HER-id"/></mh:Ident>
      </mh:Organisation>
    </mh:Receiver>
  </mh:MsgInfo>
  <mh:PatientReport>
    <mh:CaseNo>1</mh:CaseNo>
    <mh:Document>
      <mh:RefDoc>
        <mh:MsgType V="XML" DN="XML-instans"/>
        <mh:Content>
BODY
        </mh:Content>
      </mh:RefDoc>
    </mh:Document>
  </mh:PatientReport>
</mh:MsgHead>
"""


def _body_xml() -> str:
    text = (EXAMPLES / "kad-melding.xml").read_text(encoding="utf-8")
    return text.split("?>", 1)[1].strip()


def test_hand_written_envelope_validates(tmp_path, msghead_with_kad_xsd):
    path = tmp_path / "haand.xml"
    path.write_text(HAND_WRITTEN.replace("BODY", _body_xml()), encoding="utf-8")
    assert msghead_with_kad_xsd.validate(etree.parse(str(path))), msghead_with_kad_xsd.error_log
    code, rep = report(path)
    assert code == 0 and findings(rep) == [] and rep["files"][0]["stays"] == 4


def _defective_message() -> dict:
    """Errors in the header and in two of four stays, of several kinds (schema, code list, rule)."""
    message = base_message()
    message["virksomhet"]["organisasjonsnummer"] = "310000018"  # check digit
    message["opphold"][1]["pasient"]["kjonn"] = "7"  # not in the code list
    message["opphold"][2]["innskrivningsdiagnoser"][0]["kode"] = "XYZ"
    del message["opphold"][2]["innleggelsestidspunkt"]
    return message


@pytest.mark.parametrize("kind", ["json", "xml"])
def test_bare_and_enveloped_message_give_the_same_findings_on_the_body(kind, tmp_path):
    message = _defective_message()
    bare = tmp_path / f"bar.{kind}"
    bare.write_text(json.dumps(message, ensure_ascii=False), encoding="utf-8")
    if kind == "xml":
        assert invoke("convert", bare, tmp_path / "b.xml").exit_code == 0
        bare = tmp_path / "b.xml"
    # The envelope carries the defective organisation number too, so only the body is at fault.
    envelope = wrap(bare, tmp_path / "konvolutt.xml")
    key = lambda f: (f["rule_id"], f["pointer"], f["opphold_id"], f["message"], f["severity"])  # noqa: E731
    bare_found = sorted(map(key, findings(report(bare)[1])))
    enveloped = findings(report(envelope)[1])
    assert bare_found and sorted(map(key, enveloped)) == bare_found
    lines = envelope.read_text(encoding="utf-8").splitlines()
    for finding in enveloped:
        assert finding["xpath"].startswith("/MsgHead/Document/RefDoc/Content/KadMelding"), finding
        leaf = finding["pointer"].rstrip("/").rsplit("/", 1)[-1]
        if finding["line"] and not leaf.isdigit():
            assert leaf in lines[finding["line"] - 1] or finding["rule_id"].startswith("KAD-STR-001"), (finding, lines[finding["line"] - 1])


def test_envelope_findings_name_line_and_xpath_in_the_envelope(tmp_path):
    text = (EXAMPLES / "konvolutt-kad-melding.xml").read_text(encoding="utf-8")
    path = tmp_path / "k.xml"
    path.write_text(text.replace("<Id>171479</Id>", "<Id>122612</Id>"), encoding="utf-8")
    [finding] = findings(report(path)[1])
    assert finding["rule_id"] == "KAD-KONV-006" and finding["xpath"] == "/MsgHead/MsgInfo/Receiver/Organisation/Ident/Id"
    assert "<Id>171479</Id>" in text.splitlines()[finding["line"] - 1]


def test_other_documents_beside_the_kad_message_are_reported(tmp_path):
    text = (EXAMPLES / "konvolutt-kad-melding.xml").read_text(encoding="utf-8")
    path = tmp_path / "k.xml"
    path.write_text(text.replace("<Content>", '<Content><annet xmlns="urn:x">1</annet>'), encoding="utf-8")
    assert [f["rule_id"] for f in findings(report(path)[1])] == ["KAD-KONV-002"]


# --- privacy and hostile input ----------------------------------------------------------------
def _tenor_number() -> str:
    """A synthetic (Tenor, month + 80) fødselsnummer that is not in the example, with valid check digits."""
    for individual in range(100, 500):
        digits = [int(c) for c in f"0181900{individual:03d}"[1:]]  # 018190 + individual number
        k1 = 11 - sum(w * d for w, d in zip((3, 7, 6, 1, 8, 9, 4, 5, 2), digits)) % 11
        k1 = 0 if k1 == 11 else k1
        k2 = 11 - sum(w * d for w, d in zip((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), digits + [k1])) % 11
        k2 = 0 if k2 == 11 else k2
        if k1 < 10 and k2 < 10:
            return "".join(map(str, digits)) + f"{k1}{k2}"
    raise AssertionError("no number")


def test_no_personal_identifier_in_full_in_envelope_errors_or_receipts(tmp_path):
    extra = _tenor_number()
    text = (EXAMPLES / "konvolutt-kad-melding.xml").read_text(encoding="utf-8")
    patient = (f"<Patient><GivenName>Kari</GivenName><Ident><Id>{extra}</Id><TypeId V=\"FNR\"/></Ident>"
               f"<Ident><Id>{PERSON_IDS[0]}</Id><TypeId V=\"FNR\"/></Ident></Patient></MsgInfo>")
    path = tmp_path / "person.xml"
    path.write_text(text.replace("</MsgInfo>", patient, 1).replace("<MsgId>", f"<MsgId>{extra}-", 1), encoding="utf-8")
    found = findings(report(path)[1])
    konv = [f for f in found if f["rule_id"] == "KAD-KONV-009"]
    assert [f["xpath"] for f in konv] == ["/MsgHead/MsgInfo/Patient/GivenName", "/MsgHead/MsgInfo/Patient/Ident[1]"]
    outputs = [invoke("validate", "--format", fmt, path).stdout for fmt in ("text", "json", "junit", "sarif", "apprec")]
    for output in outputs:
        for person_id in [extra, *PERSON_IDS]:
            assert person_id not in output
    assert "KAD-KONV-009" in outputs[-1]


@pytest.mark.parametrize("attack", ["entity", "external", "huge"])
def test_hostile_envelope_is_refused_like_hostile_xml(attack, tmp_path):
    text = (EXAMPLES / "konvolutt-kad-melding.xml").read_text(encoding="utf-8")
    secret = tmp_path / "hemmelig.txt"
    secret.write_text("HEMMELIG-7f3a\n", encoding="utf-8")
    if attack == "entity":
        doctype = '<!DOCTYPE MsgHead [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        text = text.replace("?>\n", "?>\n" + doctype, 1).replace("<MsgId>", "<MsgId>&b;", 1)
    elif attack == "external":
        doctype = f'<!DOCTYPE MsgHead [<!ENTITY s SYSTEM "{secret.as_uri()}">]>\n'
        text = text.replace("?>\n", "?>\n" + doctype, 1).replace("<MsgId>", "<MsgId>&s;", 1)
    else:
        text = text.replace("<MimeType>application/xml", "<MimeType>" + "x" * (11 << 20), 1)
    path = tmp_path / "angrep.xml"
    path.write_text(text, encoding="utf-8")
    code, rep = report(path)
    assert code == 1 and [f["rule_id"] for f in findings(rep)] == ["KAD-FIL-001"]
    assert "HEMMELIG" not in json.dumps(rep)
    root = receipt(path)
    assert _text(root, "ar:Status/@V") == "2" and _text(root, "ar:Error/@V") == "T01"


# --- the receipt -------------------------------------------------------------------------------
def _write(tmp_path: Path, name: str, message: dict | str) -> Path:
    path = tmp_path / name
    path.write_text(message if isinstance(message, str) else json.dumps(message, ensure_ascii=False), encoding="utf-8")
    return path


def _cases(tmp_path: Path) -> dict[str, tuple[Path, str, set[str]]]:
    """name: (file, expected status, expected 8221 codes)."""
    partly = base_message()
    partly["opphold"][1]["pasient"]["kjonn"] = "7"
    all_stays = base_message()
    for stay in all_stays["opphold"]:
        stay["pasient"]["kjonn"] = "7"
    header = base_message()
    header["virksomhet"]["organisasjonsnummer"] = "310000018"
    structure = base_message()
    del structure["opphold"][0]["innleggelsestidspunkt"]
    control = base_message()  # texts XML cannot carry as they are
    control["virksomhet"]["navn"] = "Akutt\u0001 døgnenhet"
    control["opphold"][0]["pasient"]["kjonn"] = "\u0003"
    cases = {
        "valid.json": (EXAMPLES / "kad-melding.json", "1", set()),
        "valid.xml": (EXAMPLES / "kad-melding.xml", "1", set()),
        "valid-envelope.xml": (EXAMPLES / "konvolutt-kad-melding.xml", "1", set()),
        "partly.json": (_write(tmp_path, "partly.json", partly), "3", {"X99"}),
        "all-stays.json": (_write(tmp_path, "all-stays.json", all_stays), "2", {"X99"}),
        "header.json": (_write(tmp_path, "header.json", header), "2", {"X99"}),
        "structure.json": (_write(tmp_path, "structure.json", structure), "3", {"T02"}),
        "control.json": (_write(tmp_path, "control.json", control), "3", {"X99"}),
        "truncated.json": (_write(tmp_path, "truncated.json", '{"meldingsinfo": {'), "2", {"T01"}),
        "truncated.xml": (_write(tmp_path, "truncated.xml", "<KadMelding xmlns='urn:kad-spec:kad-kpr:1'><meld"), "2", {"T01"}),
        "not-kad.xml": (_write(tmp_path, "not-kad.xml", "<annet/>"), "2", {"T10"}),
        "binary.json": (_write(tmp_path, "binary.json", "%PDF-1.4 ..."), "2", {"T01"}),
    }
    for name in ("partly.json", "structure.json", "header.json"):
        source = cases[name][0]
        cases[f"{name}-envelope.xml"] = (wrap(source, tmp_path / f"{name}-envelope.xml"), *cases[name][1:])
    wrong = (EXAMPLES / "konvolutt-kad-melding.xml").read_text(encoding="utf-8")
    cases["bad-envelope.xml"] = (_write(tmp_path, "bad-envelope.xml", wrong.replace("v1.2 2006-05-24", "v1.1")), "2", {"T02"})
    return cases


def test_every_receipt_validates_against_official_apprec_and_follows_the_decision(tmp_path, apprec_xsd):
    for name, (path, status, codes) in _cases(tmp_path).items():
        root = receipt(path)
        assert apprec_xsd.validate(root.getroottree()), (name, apprec_xsd.error_log)
        assert _text(root, "ar:Status/@V") == status, name
        errors = root.xpath("ar:Error", namespaces={"ar": AR})
        assert {e.get("V") for e in errors} == codes, name
        assert all(e.get("S") == "2.16.578.1.12.4.1.1.8221" and re.match(r"KAD-[A-Z]+-\d{3}: ", e.get("DN"))
                   for e in errors), name
        text = etree.tostring(root, encoding="unicode")
        for person_id in PERSON_IDS:
            assert person_id not in text, name


def test_receipt_turns_sender_and_receiver_round_and_refers_to_the_original(tmp_path, apprec_xsd):
    envelope = EXAMPLES / "konvolutt-kad-melding.xml"
    root = receipt(envelope)
    assert _text(root, "ar:Sender/ar:HCP/ar:Inst/ar:Id") == "171479"
    assert _text(root, "ar:Receiver/ar:HCP/ar:Inst/ar:Id") == "81234"
    assert _text(root, "ar:Receiver/ar:HCP/ar:Inst/ar:AdditionalId/ar:Id") == "310000019"
    assert _text(root, "ar:OriginalMsgId/ar:Id") == base_message()["meldingsinfo"]["melding_id"]
    assert _text(root, "ar:OriginalMsgId/ar:MsgType/@V") == "KPR_KAD"
    msg_id = "5d3f2a8e-7c1b-4e2a-9f3d-2b6a8c4e1f07"
    changed = _write(tmp_path, "k.xml", envelope.read_text(encoding="utf-8").replace(
        base_message()["meldingsinfo"]["melding_id"], msg_id, 1))  # MsgId only: the first occurrence
    assert _text(receipt(changed), "ar:OriginalMsgId/ar:Id") == msg_id  # from the envelope, not the body
    bare = base_message()
    bare["meldingsinfo"]["miljo"] = "produksjon"
    root = receipt(_write(tmp_path, "prod.json", bare))
    assert _text(root, "ar:Sender/ar:HCP/ar:Inst/ar:Id") == "122612"
    assert _text(root, "ar:OriginalMsgId/ar:Id") == bare["meldingsinfo"]["melding_id"]
    assert _text(root, "ar:OriginalMsgId/ar:IssueDate") == bare["meldingsinfo"]["opprettet"]


def test_several_files_give_one_receipt_each_in_a_folder(tmp_path, apprec_xsd):
    out = tmp_path / "kvitteringer"
    out.mkdir()
    inputs = [EXAMPLES / "kad-melding.json", EXAMPLES / "kad-melding.xml", EXAMPLES / "konvolutt-kad-melding.xml"]
    result = invoke("validate", "--format", "apprec", "--output", out, *inputs)
    assert result.exit_code == 0, result.stderr
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(f"{p.name}.apprec.xml" for p in inputs)
    for path in out.iterdir():
        assert apprec_xsd.validate(etree.parse(str(path)))
    refused = invoke("validate", "--format", "apprec", *inputs)
    assert refused.exit_code == 2 and "--output" in refused.stderr and refused.stdout == ""


def test_every_report_summary_uses_the_same_decision(tmp_path):
    cases = _cases(tmp_path)
    paths = [cases[n][0] for n in ("valid.json", "partly.json", "header.json", "truncated.xml")]
    expected = {"accepted": 1, "partly_accepted": 1, "rejected": 2}
    assert report(*paths)[1]["summary"]["receipt"] == expected
    text = invoke("validate", *paths).stdout
    assert "Mottak: 1 godtatt, 1 delvis godtatt, 2 avvist" in text
    assert "Receipt: 1 accepted, 1 partly accepted, 2 rejected" in invoke("validate", "--lang", "en", *paths).stdout
    junit = etree.fromstring(invoke("validate", "--format", "junit", *paths).stdout.encode())
    assert [s.xpath("string(properties/property[@name='receipt']/@value)") for s in junit.iter("testsuite")] == [
        "accepted", "partly_accepted", "rejected", "rejected"]
    sarif = json.loads(invoke("validate", "--format", "sarif", *paths).stdout)
    assert sarif["runs"][0]["properties"]["receipt"] == expected
    assert [a["properties"]["receipt"] for a in sarif["runs"][0]["artifacts"]] == [
        "accepted", "partly_accepted", "rejected", "rejected"]


def test_decision_and_code_lists_are_recorded_in_the_model():
    receipt_spec = SPEC["kvittering"]
    assert receipt_spec["statuskodeverk"]["oid"] == "2.16.578.1.12.4.1.1.8258"
    assert receipt_spec["feilkodeverk"]["oid"] == "2.16.578.1.12.4.1.1.8221"
    assert set(receipt_spec["statuskodeverk"]["koder"]) == {"1", "2", "3"}
    assert {"T01", "T02", "X99"} <= set(receipt_spec["feilkodeverk"]["koder"])
    assert set(receipt_spec["avvisning"]["avviser_hele_meldingen"]) == {"fil", "konvolutt", "melding"}
    assert SPEC["hodemelding"]["kropp"]["brukes"] == "Document"
    assert SPEC["mottaker"]["her_id"] == {"produksjon": [122612], "test": [171479, 8133973]}


def test_docs_site_has_the_envelope_page(tmp_path, apprec_xsd):
    assert invoke("docs", "--out", tmp_path / "site").exit_code == 0
    page = (tmp_path / "site" / "konvolutt.html").read_text(encoding="utf-8")
    for fact in ("122612", "171479", "8133973", "KPR_KAD", "2.16.578.1.12.4.1.1.8258", "2.16.578.1.12.4.1.1.8221",
                 "&lt;MsgHead", "&lt;Status V=&quot;1&quot;", "&lt;Status V=&quot;2&quot;", "regler/kad-konv-009.html"):
        assert fact in page, fact
    receipts = re.findall(r"(&lt;AppRec .*?&lt;/AppRec&gt;)", page, re.S)
    assert len(receipts) == 2
    import html as htmllib

    for text in receipts:
        assert apprec_xsd.validate(etree.fromstring(htmllib.unescape(text).encode()).getroottree())
    assert "konvolutt.html" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
