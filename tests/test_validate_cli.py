"""`kad-spec validate` end to end, through the CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import EXAMPLES, rule_ids

VALID = [EXAMPLES / "kad-melding.json", EXAMPLES / "kad-melding.xml"]
INVALID = sorted((EXAMPLES / "ugyldig").glob("KAD-*"))


def expected_rule(path) -> str:
    return "-".join(path.name.split("-")[:3])


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_examples_pass(validate_json, path):
    code, report = validate_json(path)
    assert code == 0
    assert rule_ids(report, "error") == []
    assert report["summary"]["stays"] == 4


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_each_invalid_example_fails_with_its_rule(validate_json, path):
    code, report = validate_json(path)
    assert code == 1
    assert expected_rule(path) in rule_ids(report, "error")


def test_invalid_examples_exist_in_both_formats():
    names = {p.stem for p in INVALID}
    assert len(INVALID) >= 10
    assert all((EXAMPLES / "ugyldig" / f"{n}.json").exists() for n in names)


def test_findings_name_file_pointer_line_and_stay(validate_json):
    path = EXAMPLES / "ugyldig" / "KAD-KL-001-ukjent-kjonn.xml"
    _, report = validate_json(path)
    finding = report["files"][0]["findings"][0]
    assert finding["file"] == str(path)
    assert finding["pointer"] == "/opphold/0/pasient/kjonn"
    assert finding["xpath"] == "/KadMelding/opphold[1]/pasient/kjonn"
    assert finding["line"] == 32
    assert finding["opphold_id"] == "KAD-2025-000123"


def test_text_report_summary_and_exit_code(cli):
    result = cli("validate", *VALID, EXAMPLES / "ugyldig" / "KAD-STR-001-virksomhet-uten-navn.json")
    assert result.exit_code == 1
    assert "3 fil(er), 12 opphold, 1 feil, 0 advarsler" in result.stdout
    assert "KAD-STR-001" in result.stdout


def test_english_messages(cli):
    result = cli("validate", "--lang", "en", EXAMPLES / "ugyldig" / "KAD-STR-001-virksomhet-uten-navn.json")
    assert "Required element 'virksomhet.navn' is missing." in result.stdout
    assert "3 files" not in result.stdout and "1 file(s), 4 stays, 1 errors" in result.stdout


def test_directory_is_searched_and_each_file_counted_once(validate_json):
    code, report = validate_json(EXAMPLES / "ugyldig", EXAMPLES / "ugyldig" / "KAD-KL-001-ukjent-kjonn.json")
    assert code == 1
    assert report["summary"]["files"] == len(INVALID)


def test_missing_path_is_a_usage_error(cli, tmp_path):
    result = cli("validate", tmp_path / "finnes-ikke.json")
    assert result.exit_code == 2
    assert "finnes-ikke.json" in result.stderr


def test_unknown_option_is_a_usage_error(cli):
    result = cli("validate", "--format", "pdf", VALID[0])
    assert result.exit_code == 2


def test_binary_file_is_a_finding_not_a_crash(validate_json, tmp_path):
    pdf = tmp_path / "sendt-ved-feil.json"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    code, report = validate_json(pdf)
    assert code == 1
    assert rule_ids(report) == ["KAD-FIL-001"]


def test_reports_state_versions_and_code_list_editions(validate_json):
    _, report = validate_json(VALID[0])
    assert report["specification_version"] == "1.0.0"
    assert report["codelist_editions"]["icd10"] == "2025"  # the example's stays are from 2025: its own edition
    assert "kommunenummer" in report["codelist_editions"]


def test_version_prints_tool_and_specification(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("kad-spec 0.1.0") and "spesifikasjon 1.0.0" in result.stdout


def test_console_script_runs_without_traceback(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"meldingsinfo": ', encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "kad_spec", "validate", str(broken)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert "KAD-FIL-001" in run.stdout and "linje 1" in run.stdout


def test_jobs_give_the_same_report_as_one_process(cli):
    args = ("validate", "--format", "json", EXAMPLES)
    single = cli(*args)
    parallel = cli(*args[:1], "--jobs", "2", *args[1:])
    assert single.exit_code == parallel.exit_code == 1
    assert single.stdout == parallel.stdout


def test_a_code_of_the_wrong_type_is_one_finding(validate_json, tmp_path):
    import json

    message = json.loads((EXAMPLES / "kad-melding.json").read_text(encoding="utf-8"))
    message["opphold"][0]["pasient"]["kjonn"] = 2  # a number, not the code "2"
    path = tmp_path / "kjonn-som-tall.json"
    path.write_text(json.dumps(message), encoding="utf-8")
    _, report = validate_json(path)
    assert rule_ids(report) == ["KAD-STR-003"]


def test_messages_show_oids_in_full(validate_json):
    _, report = validate_json(EXAMPLES / "ugyldig" / "KAD-KL-001-ukjent-kjonn.json")
    assert "OID 2.16.578.1.12.4.1.1.3101" in report["files"][0]["findings"][0]["message"]


def test_a_member_name_with_slash_and_tilde_is_an_escaped_pointer_with_its_own_line(tmp_path):
    """RFC 6901: ``/`` is ``~1`` and ``~`` is ``~0`` in a pointer; the line is the member's, not its parent's."""
    import json

    from conftest import base_message, json_report

    message = base_message()
    message["opphold"][0]["pasient"]["a/b~c"] = 1
    path = tmp_path / "melding.json"
    text = json.dumps(message, indent=2, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    code, report = json_report(path)
    (finding,) = report["files"][0]["findings"]
    assert code == 1 and finding["rule_id"] == "KAD-STR-002"
    assert finding["pointer"] == "/opphold/0/pasient/a~1b~0c"
    assert finding["line"] == next(i for i, line in enumerate(text.splitlines(), 1) if '"a/b~c"' in line)


def test_a_clean_small_file_loads_nothing_it_does_not_use():
    """Start-up is most of a small run: what a clean JSON file never needs is not imported."""
    probe = (
        "import sys, atexit\n"
        "atexit.register(lambda: sys.__stderr__.write(' '.join(sorted(sys.modules)) + '\\n'))\n"
        f"sys.argv = ['kad-spec', 'validate', {str(EXAMPLES / 'kad-melding.json')!r}]\n"
        "from kad_spec.cli import main\n"
        "main()\n"
    )
    for _ in range(2):  # the first run may compile the code lists and model into the cache (with PyYAML)
        run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
    loaded = set(run.stderr.split())
    unused = {"stdnum", "ijson", "orjson", "yaml", "lxml", "rich", "kad_spec.spec.catalogue",
              "kad_spec.validation.split", "kad_spec.ids.personnr", "kad_spec.cli.tools",
              "kad_spec.register", "kad_spec.cli.register", "sqlalchemy", "alembic", "psycopg",
              "kad_spec.service", "kad_spec.cli.serve", "starlette", "uvicorn"}
    assert not loaded & unused
