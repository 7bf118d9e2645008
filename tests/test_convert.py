"""`kad-spec convert`: lossless JSON ↔ XML through the CLI, and clear refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import orjson
import pytest

from kad_spec.spec.resources import examples_dir
from kad_spec.message.xmlmap import from_xml, to_json, to_xml

BASE = examples_dir() / "kad-melding.json"


def canonical(path: Path) -> bytes:
    data = path.read_bytes()
    doc = from_xml(data) if data.lstrip().startswith(b"<") else orjson.loads(data)
    return to_json(doc)


def round_trip(cli, src: Path, tmp: Path) -> None:
    """src → other format → back; both results in canonical form equal the source's."""
    other = tmp / ("mid.xml" if src.suffix == ".json" else "mid.json")
    back = tmp / f"back{src.suffix}"
    before = src.read_bytes()
    assert cli("convert", src, other).exit_code == 0
    assert cli("convert", other, back).exit_code == 0
    assert src.read_bytes() == before
    assert canonical(back) == canonical(src) == canonical(other)


def test_base_example_round_trips_byte_identical(cli, tmp_path):
    xml = tmp_path / "m.xml"
    back = tmp_path / "m.json"
    result = cli("convert", BASE, xml)
    assert result.exit_code == 0, result.output
    assert xml.read_bytes() == to_xml(orjson.loads(BASE.read_bytes()))
    assert cli("convert", xml, back).exit_code == 0
    assert back.read_bytes() == to_json(orjson.loads(BASE.read_bytes()))
    # A second round is a fixed point, byte for byte.
    assert cli("convert", back, tmp_path / "m2.xml").exit_code == 0
    assert (tmp_path / "m2.xml").read_bytes() == xml.read_bytes()


@pytest.mark.parametrize("path", sorted(p for p in examples_dir().rglob("*") if p.suffix in (".json", ".xml")), ids=lambda p: p.name)
def test_every_example_round_trips_or_is_refused_cleanly(cli, path, tmp_path):
    result = cli("convert", path, tmp_path / ("x.xml" if path.suffix == ".json" else "x.json"))
    if path.stem.startswith("kad-melding") or result.exit_code == 0:
        assert result.exit_code == 0, result.output
        round_trip(cli, path, tmp_path)
    else:
        assert result.exit_code == 1
        assert str(path) in result.output
    assert "Traceback" not in result.output


def test_generated_messages_round_trip(cli, tmp_path):
    from kad_spec.tools.example import ExampleOptions, write_examples

    for fmt in ("json", "xml"):
        out = tmp_path / f"gen.{fmt}"
        write_examples(ExampleOptions(count=25, seed=3, year=2023, format=fmt), out)
        sub = tmp_path / fmt
        sub.mkdir()
        round_trip(cli, out, sub)


def test_to_option_overrides_extension(cli, tmp_path):
    out = tmp_path / "melding.txt"
    assert cli("convert", BASE, out, "--to", "xml").exit_code == 0
    assert out.read_bytes().startswith(b"<?xml")


def test_unknown_extension_is_usage_error(cli, tmp_path):
    result = cli("convert", BASE, tmp_path / "melding.txt")
    assert result.exit_code == 2
    assert ".json eller .xml" in result.output


def test_refuses_to_overwrite_input(cli, tmp_path):
    src = tmp_path / "m.json"
    shutil.copy(BASE, src)
    before = src.read_bytes()
    result = cli("convert", src, src)
    assert result.exit_code == 2
    assert src.read_bytes() == before


def test_missing_input_is_usage_error(cli, tmp_path):
    assert cli("convert", tmp_path / "nope.json", tmp_path / "out.xml").exit_code == 2


def _write_json(tmp_path: Path, change) -> Path:
    doc = orjson.loads(BASE.read_bytes())
    change(doc)
    path = tmp_path / "in.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_unknown_json_element_is_refused_with_pointer(cli, tmp_path):
    src = _write_json(tmp_path, lambda d: d["opphold"][0]["pasient"].update(navn="Ola"))
    result = cli("convert", src, tmp_path / "out.xml")
    assert result.exit_code == 1
    assert "/opphold/0/pasient/navn: ukjent element «navn» i Pasient" in result.output
    assert not (tmp_path / "out.xml").exists()


def test_value_xml_cannot_carry_is_refused_not_changed(cli, tmp_path):
    src = _write_json(tmp_path, lambda d: d["opphold"][0]["pasient"].update(alder="84"))
    result = cli("convert", src, tmp_path / "out.xml")
    assert result.exit_code == 1
    assert "/opphold/0/pasient/alder" in result.output


def test_null_value_is_refused(cli, tmp_path):
    src = _write_json(tmp_path, lambda d: d["virksomhet"].update(her_id=None))
    result = cli("convert", src, tmp_path / "out.xml")
    assert result.exit_code == 1
    assert "/virksomhet/her_id" in result.output


def test_broken_json_names_line_and_column(cli, tmp_path):
    src = tmp_path / "in.json"
    src.write_text('{\n  "meldingsinfo": {,\n}', encoding="utf-8")
    result = cli("convert", src, tmp_path / "out.xml")
    assert result.exit_code == 1
    assert f"{src}:2:" in result.output
    assert "Traceback" not in result.output


def test_unknown_xml_element_is_refused_with_line(cli, tmp_path):
    xml = to_xml(orjson.loads(BASE.read_bytes())).replace(b"<poststed>", b"<gate>x</gate><poststed>")
    src = tmp_path / "in.xml"
    src.write_bytes(xml)
    result = cli("convert", src, tmp_path / "out.json")
    assert result.exit_code == 1
    assert "gate" in result.output and f"{src}:" in result.output


def test_doctype_is_refused(cli, tmp_path):
    src = tmp_path / "in.xml"
    src.write_bytes(b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<KadMelding/>\n')
    result = cli("convert", src, tmp_path / "out.json")
    assert result.exit_code == 1
    assert "DOCTYPE" in result.output


def test_neither_json_nor_xml(cli, tmp_path):
    src = tmp_path / "in.json"
    src.write_text("hei", encoding="utf-8")
    result = cli("convert", src, tmp_path / "out.xml")
    assert result.exit_code == 1
    assert "verken JSON eller XML" in result.output


def test_directory_as_input_is_usage_error(cli, tmp_path):
    result = cli("convert", tmp_path, tmp_path / "out.xml")
    assert result.exit_code == 2
    assert "er en mappe" in result.output


@pytest.mark.parametrize("content, words", [
    (b"", "filen er tom"),
    (b"%PDF-1.7\n", "PDF-fil"),
    (b"\xff\xfe{\x00}\x00", "UTF-16 LE"),
    (b'\xef\xbb\xbf{"meldingsinfo": {}, "meldingsinfo": {}}', "«meldingsinfo» forekommer mer enn én gang"),
])
def test_input_is_refused_as_the_validator_refuses_it(cli, tmp_path, content, words):
    src = tmp_path / "in.json"
    src.write_bytes(content)
    result = cli("convert", src, tmp_path / "out.xml")
    assert result.exit_code == 1
    assert f"{src}: " in result.output and words in result.output
    assert "Traceback" not in result.output
