"""One XML file read in parts by several processes: the same report as one reading, or no split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kad_spec.validation import split
from kad_spec.message.xmlmap import to_xml
from test_split import _message, _report, _stay, _tricky_stays, spy  # noqa: F401 - spy is a fixture

pytestmark = pytest.mark.skipif(not split.can_fork(), reason="the split needs the fork start method")


def _xml(stays: list[dict], **options) -> bytes:
    return to_xml(json.loads(_message(stays, **options)))


def _stay_text(xml: bytes, stay_id: str) -> tuple[int, int]:
    """Start and end of the stay with this opphold_id in the XML text (its first occurrence)."""
    at = xml.index(f"<opphold_id>{stay_id}</opphold_id>".encode())
    return xml.rindex(b"<opphold>", 0, at), xml.index(b"</opphold>", at)


def _changed(xml: bytes, stay_id: str, old: bytes, new: bytes) -> bytes:
    start, end = _stay_text(xml, stay_id)
    body = xml[start:end]
    assert old in body
    return xml[:start] + body.replace(old, new, 1) + xml[end:]


def _findings(report: str) -> list[dict]:
    return json.loads(report)["files"][0]["findings"]


def _line_of(xml: bytes, text: bytes, occurrence: int = 1) -> int:
    at = -1
    for _ in range(occurrence):
        at = xml.index(text, at + 1)
    return xml.count(b"\n", 0, at) + 1


@pytest.mark.parametrize("jobs", [2, 3, 4])
def test_split_report_is_byte_identical(tmp_path, spy, jobs):  # noqa: F811 - the fixture
    stays = _tricky_stays()
    path = tmp_path / "melding.xml"
    path.write_bytes(_xml(stays, tjenestekommuner=("4601",)))
    whole = _report(path, jobs=1)
    parted = _report(path, jobs=jobs)
    assert spy, "the file was not read in parts"
    assert parted == whole
    found = {(f["rule_id"], f["pointer"]): f for f in _findings(whole)}
    # The cases the merge must get right are really in the message.
    assert ("KAD-OPH-001", "/opphold/45/opphold_id") in found
    assert ("KAD-OPH-005", "/opphold/50/opphold_id") in found
    assert ("KAD-OPH-001", "/opphold/55/opphold_id") in found
    assert ("KAD-OPH-002", "/opphold/40/innleggelsestidspunkt") in found
    assert ("KAD-KL-003", "/virksomhet/tjenestekommuner/0") in found
    assert ("KAD-STR-003", "/opphold/30/pasient/alder") in found  # an XSD type error in a later part
    # A repeat first seen in another part has the line of its own opphold_id element.
    repeat = found[("KAD-OPH-001", "/opphold/55/opphold_id")]
    assert repeat["line"] == _line_of(path.read_bytes(), f"<opphold_id>{stays[3]['opphold_id']}<".encode(), 3)
    assert json.loads(parted)["files"][0]["stays"] == len(stays)


def test_schema_errors_in_a_later_part_have_their_lines(tmp_path, spy):  # noqa: F811
    stays = [_stay(i) for i in range(60)]
    xml = _xml(stays)
    xml = _changed(xml, "KAD-T-0050", b"<status>N</status>", b"<status>X</status>")  # not in the code list
    xml = _changed(xml, "KAD-T-0052", b"<status>", b"<ukjent>1</ukjent>\n    <status>")  # unknown element
    xml = _changed(xml, "KAD-T-0056", b"<status>N</status>", b"")  # a required element missing
    path = tmp_path / "melding.xml"
    path.write_bytes(xml)
    whole = _report(path, jobs=1)
    assert _report(path, jobs=2) == whole
    assert spy
    found = {(f["rule_id"], f["pointer"]): f for f in _findings(whole)}
    assert found[("KAD-KL-001", "/opphold/50/status")]["line"] == _line_of(xml, b"<status>X</status>")
    assert found[("KAD-STR-002", "/opphold/52/ukjent")]["line"] == _line_of(xml, b"<ukjent>")
    assert found[("KAD-STR-001", "/opphold/56/status")]["opphold_id"] == "KAD-T-0056"


def test_syntax_error_in_a_later_part_is_reported_as_by_one_reading(tmp_path, spy):  # noqa: F811
    xml = _changed(_xml([_stay(i) for i in range(60)]), "KAD-T-0051", b"</status>", b"</statu>")
    path = tmp_path / "melding.xml"
    path.write_bytes(xml)
    whole = _report(path, jobs=1)
    assert _report(path, jobs=2) == whole
    assert not spy
    assert "KAD-FIL-001" in whole


def test_a_prefixed_root_is_not_split(tmp_path, spy):  # noqa: F811
    xml = _xml(_tricky_stays())
    xml = xml.replace(b'<KadMelding xmlns="urn:kad-spec:kad-kpr:1">',
                      b'<k:KadMelding xmlns:k="urn:kad-spec:kad-kpr:1" xmlns="urn:kad-spec:kad-kpr:1">', 1)
    xml = xml.replace(b"</KadMelding>", b"</k:KadMelding>")
    path = tmp_path / "melding.xml"
    path.write_bytes(xml)
    assert split.plan_xml(path, 2) == []
    whole = _report(path, jobs=1)
    assert _report(path, jobs=2) == whole
    assert not spy
    assert "KAD-OPH-001" in whole  # the message was read: its stays were checked


def test_elements_after_the_stays_mean_no_split(tmp_path, spy):  # noqa: F811
    xml = _xml([_stay(i) for i in range(60)])
    xml = xml.replace(b"</KadMelding>", b"  <ekstra>1</ekstra>\n</KadMelding>")
    path = tmp_path / "melding.xml"
    path.write_bytes(xml)
    whole = _report(path, jobs=1)
    for jobs in (2, 3):
        assert _report(path, jobs=jobs) == whole
    assert not spy
    assert "KAD-STR-002" in whole


def test_stays_nested_in_a_stay_are_not_cut(tmp_path):
    """A cut between stays nested in another element does not parse as a part, and is not used."""
    inner = b"<opphold>\n<a/>\n</opphold>\n<opphold>\n<b/>\n</opphold>"
    xml = _xml([_stay(i) for i in range(20)])
    xml = xml.replace(b"<status>N</status>", b"<status>N</status>" + inner)
    path = tmp_path / "melding.xml"
    path.write_bytes(xml)
    for jobs in (2, 3, 5):
        assert _report(path, jobs=jobs) == _report(path, jobs=1)


def test_plan_cuts_between_stays_and_counts_lines(tmp_path):
    xml = _xml([_stay(i) for i in range(30)])
    path = tmp_path / "melding.xml"
    path.write_bytes(xml)
    parts = split.plan_xml(path, 3)
    assert len(parts) == 3
    newlines = split.NewlinesBefore(path)
    for part in parts[1:]:
        assert xml[part.start:].startswith(b"<opphold>")
        assert newlines(part.start) == xml.count(b"\n", 0, part.start)
    texts = []
    for part in parts:
        with split.PartFile(path, part) as handle:
            texts.append(handle.read())
    assert texts[0].endswith(b"</KadMelding>") and texts[1].startswith(b'<KadMelding xmlns="urn:kad-spec:kad-kpr:1">')
    assert sum(t.count(b"<opphold>") for t in texts) == 30


def test_json_and_xml_agree_on_the_split_path(tmp_path, spy):  # noqa: F811
    stays = _tricky_stays()
    json_path, xml_path = tmp_path / "melding.json", tmp_path / "melding.xml"
    json_path.write_text(_message(stays, tjenestekommuner=("4601",)), encoding="utf-8")
    xml_path.write_bytes(_xml(stays, tjenestekommuner=("4601",)))

    def key(path: Path):
        return sorted((f["rule_id"], f["severity"], f["pointer"], f["opphold_id"])
                      for f in _findings(_report(path, jobs=3)))

    from_json = key(json_path)
    assert from_json and from_json == key(xml_path)
    assert len(spy) == 2, "both files were read in parts"


def test_a_repeat_across_parts_in_clean_stays_has_its_line(tmp_path, spy):  # noqa: F811
    """Only the merge finds something in the later part: its lines are still moved."""
    import copy

    from test_split import BASE

    stays = []
    for i in range(40):
        stay = copy.deepcopy(BASE["opphold"][i % 4])
        stay["opphold_id"] = f"KAD-R-{i:04d}"
        stays.append(stay)
    stays[35]["opphold_id"] = stays[2]["opphold_id"]
    path = tmp_path / "melding.xml"
    path.write_bytes(_xml(stays))
    whole = _report(path, jobs=1)
    assert _report(path, jobs=2) == whole
    assert spy
    stay_findings = [f for f in _findings(whole) if f["pointer"].startswith("/opphold/") and f["line"] is not None
                     and f["rule_id"] != "KAD-OPH-002"]
    (repeat,) = stay_findings
    assert repeat["pointer"] == "/opphold/35/opphold_id"
    assert repeat["line"] == _line_of(path.read_bytes(), b"<opphold_id>KAD-R-0002<", 2)
