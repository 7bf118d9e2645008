"""XML read in chunks (kad_spec.message.xml_batches) gives exactly the findings of the streaming reader.

The messages are the equivalence corpus's mutated stays (``benchmarks/corpus.py``), every stay
with a defect, less the stays the XSD refuses (those send the whole file to the streaming reader,
which the other tests cover): what is left has findings of nearly every stay rule, at exact lines.
Each message is validated three ways: by the streaming reader alone, in chunks (small ones, so
that there are many), and in chunks read in parts by several processes.
"""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest
from lxml import etree

from corpus_module import load_corpus_module
from kad_spec.message import xml_batches
from kad_spec.message.json_batches import NotForBatches
from kad_spec.message.xml_reader import XmlMessage
from kad_spec.spec.model import model
from kad_spec.spec.resources import generated_dir
from kad_spec.tools.example import permissive_xml
from kad_spec.validation import split
from kad_spec.validation.engine import Settings, Validator

ROOT = Path(__file__).resolve().parents[1]


corpus = load_corpus_module()


def _xsd():
    return etree.XMLSchema(etree.parse(str(generated_dir() / "xsd" / "kad.xsd")))


def _message(path: Path, stays: int, seed: int, indent: bool = False, edit=None) -> int:
    """A message of mutated stays the XSD takes (each stay checked in a message of its own)."""
    p = corpus._plan(stays, seed, corpus.CORPUS_YEAR)
    header = p.header()
    rng = random.Random(seed)
    entries = corpus.mutated_entries(p.stays(0, stays), rng, header["meldingsinfo"]["opprettet"],
                                     corpus.CORPUS_YEAR, share=1.0)
    schema = _xsd()
    head = permissive_xml(header)
    closing = f"</{model().root.name}>\n".encode()
    kept = []
    for entry in entries:
        text = corpus._xml_entry(entry)
        if edit is not None:
            text = edit(text, len(kept))
        alone = etree.fromstring(head[: -len(closing)] + text + closing)
        if schema.validate(alone):
            kept.append(text)
    body = b"".join(kept)
    if indent:
        root = etree.fromstring(head[: -len(closing)] + body + closing)
        etree.indent(root, space="  ")
        data = b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8") + b"\n"
    else:
        data = head[: -len(closing)] + body + closing
    path.write_bytes(data)
    return len(kept)


def _findings(path: Path, jobs: int = 1, settings: Settings | None = None) -> tuple:
    result = Validator(settings or Settings(max_findings=None)).validate_file(path, jobs)
    assert result.internal_error is None
    return result.stays, sorted((f.rule_id, f.severity, f.pointer, f.line, f.column, f.opphold_id,
                                 sorted(f.params.items(), key=str)) for f in result.findings)


@pytest.fixture
def streaming(monkeypatch):
    """Validate with the streaming reader only."""

    def refuse(self, decoder, on_piece):
        raise NotForBatches("the streaming reader only")

    def use():
        monkeypatch.setattr(XmlMessage, "run_pieces", refuse)

    return use


@pytest.fixture
def chunks_read(monkeypatch):
    """Count the chunks read, and make them small: many chunks, and cuts of every kind."""
    count = []
    parse = xml_batches.ChunkReader.parse

    def counted(self, data):
        count.append(len(data))
        return parse(self, data)

    monkeypatch.setattr(xml_batches.ChunkReader, "parse", counted)
    monkeypatch.setattr(xml_batches, "CHUNK_BYTES", 16 << 10)
    return count


@pytest.mark.parametrize("indent", [False, True], ids=["one-stay-a-line", "indented"])
def test_chunks_report_what_the_streaming_reader_reports(tmp_path, monkeypatch, chunks_read, streaming, indent):
    path = tmp_path / "melding.xml"
    kept = _message(path, 600, seed=14, indent=indent)
    assert kept > 300
    in_chunks = _findings(path)
    assert len(chunks_read) > 10, "the file was not read in chunks"
    rules = {finding[0] for finding in in_chunks[1]}
    assert len(rules) > 20 and all(finding[3] for finding in in_chunks[1] if finding[2].startswith("/opphold/"))
    streaming()
    assert _findings(path) == in_chunks


@pytest.mark.skipif(not split.can_fork(), reason="the split needs the fork start method")
def test_chunks_in_parts_report_what_the_streaming_reader_reports(tmp_path, monkeypatch, chunks_read, streaming):
    read_in_parts = []
    whole = split._read_in_parts
    monkeypatch.setattr(split, "_read_in_parts", lambda *args: read_in_parts.append(whole(*args)) or read_in_parts[-1])
    path = tmp_path / "melding.xml"
    _message(path, 600, seed=15, indent=True)
    parted = _findings(path, jobs=3, settings=Settings(max_findings=None, split_bytes=1))
    assert read_in_parts and read_in_parts[0] is not None, "the file was not read in parts"
    assert len(chunks_read) > 3  # this process reads the first part
    streaming()
    assert _findings(path) == parted


def test_lines_past_65535_are_exact(tmp_path, chunks_read, streaming, monkeypatch):
    """Past libxml2's 16-bit lines the streaming reader finds the stay again in the file; a chunk
    has fewer lines than that, and counts the lines before it."""
    monkeypatch.setattr(xml_batches, "CHUNK_BYTES", 1 << 20)
    path = tmp_path / "melding.xml"
    _message(path, 3200, seed=16, indent=True)
    assert path.read_bytes().count(b"\n") > 70000
    in_chunks = _findings(path)
    assert max(finding[3] or 0 for finding in in_chunks[1]) > 65535
    streaming()
    assert _findings(path) == in_chunks


def _comment_or_cdata(text: bytes, k: int) -> bytes:
    """Every third stay written otherwise: a comment, a CDATA section or a character reference."""
    if k % 3 == 0:
        return text.replace(b"</status>", b"</status><!-- merknad -->", 1)
    if k % 3 == 1:
        return text.replace(b"<status>N</status>", b"<status><![CDATA[N]]></status>", 1)
    return text.replace(b"<status>N</status>", b"<status>&#78;</status>", 1)


def test_line_ends_and_a_limit_on_findings_are_kept_as_the_streaming_reader_keeps_them(tmp_path, chunks_read,
                                                                                       streaming):
    crlf, cr = tmp_path / "crlf.xml", tmp_path / "cr.xml"
    _message(crlf, 300, seed=19, indent=True)
    data = crlf.read_bytes()
    crlf.write_bytes(data.replace(b"\n", b"\r\n"))
    cr.write_bytes(data.replace(b"\n", b"\r"))
    limited = Settings(max_findings=3)
    in_chunks = [_findings(path, settings=settings) for path in (crlf, cr) for settings in (None, limited)]
    assert chunks_read
    streaming()
    assert [_findings(path, settings=settings) for path in (crlf, cr) for settings in (None, limited)] == in_chunks


def test_stays_not_written_plainly_are_mapped_element_by_element(tmp_path, chunks_read, streaming):
    path = tmp_path / "melding.xml"
    _message(path, 300, seed=17, edit=_comment_or_cdata)
    assert b"<![CDATA[" in path.read_bytes()
    in_chunks = _findings(path)
    assert chunks_read
    streaming()
    assert _findings(path) == in_chunks


def test_a_stay_the_xsd_refuses_sends_the_file_to_the_streaming_reader(tmp_path, chunks_read, streaming):
    path = tmp_path / "melding.xml"
    _message(path, 200, seed=18)
    data = path.read_bytes()
    last = data.rindex(b"<status>")
    path.write_bytes(data[:last] + b"<status>X</status><status>" + data[last + len(b"<status>"):])
    in_chunks = _findings(path)
    assert chunks_read
    streaming()
    assert _findings(path) == in_chunks


def _plain(stay: dict, edit=lambda text: text) -> dict:
    """The stay as the plain-stay reader writes it, through its JSON."""
    import json

    from kad_spec.message.xmlmap import to_xml

    text = edit(to_xml({"opphold": [stay]}).decode("utf-8"))
    start, end = text.index("<opphold>"), text.rindex("</opphold>") + len("</opphold>")
    array, count = xml_batches.plain_stays(model()).json(text[start:end])
    assert count == 1
    return json.loads(array)[0]


STAY = {
    "opphold_id": "KAD-1", "status": "N",
    "pasient": {"id_type": "FNR", "id": "08813821495", "kjonn": "2", "alder": 86, "bostedskommune": "3103"},
    "innleggelsestidspunkt": "2025-01-01T17:25:00",
    "innskrivningsdiagnoser": [{"kodeverk": "ICPC-2", "kode": f"K7{n}"} for n in range(5)],
    "henvist_fra": {"kategori": "44", "her_id": "123"},
}


def test_plain_stays_are_written_as_the_element_mapper_maps_them():
    assert _plain(STAY) == STAY  # more items than are read inline; optional members absent
    full = copy.deepcopy(STAY)
    full.update(utskrivningstidspunkt="2025-01-04T13:35:00",
                utskrivningsdiagnoser=[{"kodeverk": "ICD-10", "kode": "R53"}],
                utskrevet_til={"kategori": "1", "organisasjonsnummer": "974703300"})
    full["innskrivningsdiagnoser"] = full["innskrivningsdiagnoser"][:1]
    assert _plain(full) == full
    odd = copy.deepcopy(STAY)
    odd["opphold_id"] = "None"  # the text an absent value is written as, here a value
    assert _plain(odd) == odd


@pytest.mark.parametrize("written, value", [("+086", 86), (" 7 ", 7), ("-0", 0), ("0", 0), ("\n-012\t", -12)])
def test_integers_are_read_as_int_reads_them(written, value):
    stay = _plain(STAY, lambda text: text.replace("<alder>86</alder>", f"<alder>{written}</alder>"))
    assert stay["pasient"]["alder"] == int(written) == value
