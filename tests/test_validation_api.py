"""The engine's public API (kad_spec.validation): the same findings as the CLI, from files and bytes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kad_spec.cli import app
from kad_spec.validation import Options, check_document, check_paths

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _broken(tmp_path: Path) -> Path:
    message = json.loads((EXAMPLES / "kad-melding.json").read_text("utf-8"))
    message["opphold"][1]["opphold_id"] = message["opphold"][0]["opphold_id"]
    message["opphold"][2]["pasient"]["alder"] = "åtti"
    path = tmp_path / "feil.json"
    path.write_text(json.dumps(message, ensure_ascii=False), encoding="utf-8")
    return path


def _rules(result) -> list[tuple[str, str]]:
    return sorted((f.rule_id, f.pointer) for f in result.findings)


def test_a_file_and_its_bytes_give_the_findings_the_cli_reports(tmp_path):
    path = _broken(tmp_path)
    cli = json.loads(CliRunner().invoke(app, ["validate", "--format", "json", str(path)]).stdout)
    expected = sorted((f["rule_id"], f["pointer"]) for f in cli["files"][0]["findings"])
    from_file = check_document(path)
    from_bytes = check_document(path.read_bytes(), name="opplastet.json")
    assert _rules(from_file) == _rules(from_bytes) == expected
    assert ("KAD-OPH-001", "/opphold/1/opphold_id") in expected
    assert from_bytes.path == "opplastet.json" and {f.file for f in from_bytes.findings} == {"opplastet.json"}


def test_xml_bytes_and_unreadable_bytes(tmp_path):
    assert check_document((EXAMPLES / "kad-melding.xml").read_bytes()).findings == []
    empty = check_document(b"", name="tom.json")
    assert [f.rule_id for f in empty.findings] == ["KAD-FIL-001"]


def test_check_paths_searches_folders_in_order(tmp_path):
    _broken(tmp_path)
    (tmp_path / "ok.json").write_bytes((EXAMPLES / "kad-melding.json").read_bytes())
    results = list(check_paths([tmp_path], Options(max_findings=1)))
    assert [Path(r.path).name for r in results] == ["feil.json", "ok.json"]
    assert results[0].findings and not results[1].findings


def test_on_batch_is_given_every_stay_once_in_file_order(tmp_path):
    seen = []
    result = check_document(EXAMPLES / "kad-melding.json", on_batch=lambda batch: seen.extend(
        (batch.start + i, stay_id) for i, stay_id in enumerate(batch.column("opphold_id"))))
    assert seen == [(0, "KAD-2025-000123"), (1, "KAD-2025-000124"), (2, "KAD-2025-000125"), (3, "KAD-2025-000126")]
    assert result.verdict == "accepted"


def test_refused_stays_are_those_an_error_points_at(tmp_path):
    from kad_spec.validation import refused_stays

    result = check_document(_broken(tmp_path), Options(max_findings=None))
    assert refused_stays(result) == {1, 2}
    assert result.verdict == "partly_accepted"


def test_the_header_is_known_before_the_stays_are_read(tmp_path):
    from kad_spec.validation import message_files, read_header

    header = read_header(EXAMPLES / "kad-melding.xml")
    assert header["meldingsinfo"]["melding_id"] == "0b5c7f0e-6c1e-4a8e-9a59-3f1f5d1e2a10"
    assert header["virksomhet"]["organisasjonsnummer"] == "310000019"
    (tmp_path / "tom.json").write_bytes(b"")
    assert read_header(tmp_path / "tom.json") is None
    assert message_files([EXAMPLES]) == sorted(message_files([EXAMPLES]))
    assert EXAMPLES / "kad-melding.json" in message_files([EXAMPLES])
