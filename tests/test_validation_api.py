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
