"""Hostile and broken JSON through the real CLI: a finding naming file and position, exit 1,
no traceback, bounded time. Deep nesting and huge values are refused before parsing."""

from __future__ import annotations

import json
import os
import resource
import time

import pytest

from hostile import assert_no_traceback, hostile_json, one_line_message, run_cli


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return hostile_json(tmp_path_factory.mktemp("json"))


def findings(cli, path, *extra):
    result = cli("validate", "--format", "json", *extra, path)
    assert_no_traceback(result.stdout, result.stderr)
    report = json.loads(result.stdout)
    return result.exit_code, report["files"][0]["findings"]


def only(found, rule_id):
    hits = [f for f in found if f["rule_id"] == rule_id]
    assert hits, found
    return hits[0]


def test_syntax_error_gives_line_and_column(cli, files):
    code, found = findings(cli, files["syntaksfeil.json"])
    assert code == 1
    hit = only(found, "KAD-FIL-001")
    assert (hit["line"], hit["column"]) == (3, 23)  # the second comma
    assert hit["file"].endswith("syntaksfeil.json")


@pytest.mark.parametrize("name", ["nan.json", "infinity.json"])
def test_nan_and_infinity_are_not_json(cli, files, name):
    code, found = findings(cli, files[name])
    assert code == 1
    hit = only(found, "KAD-FIL-001")
    assert hit["line"] == 35 and hit["column"]


def test_raw_control_character_in_a_string_is_a_syntax_error(cli, files):
    code, found = findings(cli, files["kontrolltegn.json"])
    assert code == 1
    hit = only(found, "KAD-FIL-001")
    assert "control character" in hit["message"] and (hit["line"], hit["column"]) == (8, 16)


def test_escaped_control_character_is_text_and_allowed_in_free_text(cli, files):
    # \u0001 is valid JSON; in a free-text field (virksomhet.navn) it is not a finding.
    code, found = findings(cli, files["escaped-kontrolltegn.json"])
    assert code == 0, found


def test_duplicate_key_is_an_error_at_its_line(cli, files):
    code, found = findings(cli, files["dobbel-nokkel.json"])
    assert code == 1
    hit = only(found, "KAD-FIL-003")
    assert hit["pointer"] == "/opphold/0/pasient/kjonn" and hit["line"] == 34


def test_numbers_as_text_and_text_as_numbers_are_type_errors(cli, files):
    code, found = findings(cli, files["tall-som-tekst.json"])
    assert code == 1
    pointers = {f["pointer"] for f in found if f["rule_id"] == "KAD-STR-003"}
    assert {"/opphold/0/pasient/alder", "/opphold/0/pasient/kjonn"} <= pointers


def test_huge_number_is_refused_not_crashed(cli, files):
    code, found = findings(cli, files["stort-tall.json"])
    assert code == 1
    assert only(found, "KAD-FIL-001")["line"] == 35


def test_utf8_bom_is_accepted(cli, files):
    code, found = findings(cli, files["bom.json"])
    assert (code, found) == (0, [])


@pytest.mark.parametrize("name, encoding", [
    ("utf16.json", "UTF-16 LE"), ("utf16be-uten-bom.json", "UTF-16 BE"),
    ("latin1.json", "ISO-8859-1"), ("windows1252.json", "Windows-1252"),
])
def test_other_encodings_are_named(cli, files, name, encoding):
    code, found = findings(cli, files[name])
    assert code == 1
    hit = only(found, "KAD-FIL-002")
    assert encoding in hit["message"] and hit["line"]


@pytest.mark.parametrize("name", ["dyp-nesting.json", "dyp-nesting-objekter.json", "dyp-nesting-toppnivaa.json"])
def test_deep_nesting_is_refused_quickly_with_position(cli, files, name):
    started = time.monotonic()
    code, found = findings(cli, files[name])
    assert time.monotonic() - started < 20  # a hang guard, not a speed target
    assert code == 1
    hit = only(found, "KAD-FIL-001")
    assert "64" in hit["message"] and hit["line"] == 1 and hit["column"] > 1


def test_deep_nesting_in_text_report_and_english(cli, files):
    for fmt in ("text", "junit", "sarif"):
        result = cli("validate", "--format", fmt, "--lang", "en", files["dyp-nesting.json"])
        assert result.exit_code == 1
        assert_no_traceback(result.stdout, result.stderr)
        assert "nested deeper than 64 levels" in result.stdout


def test_nesting_at_the_limit_is_read(cli, tmp_path):
    # 3 levels (message, stay list, stay) + 61 = 64: parsed, then reported as an unknown element.
    path = tmp_path / "grense.json"
    text = json.dumps({**_base(), "opphold": [{**_base()["opphold"][0], "x": _nested(61)}]})
    path.write_text(text, encoding="utf-8")
    code, found = findings(cli, path)
    assert code == 1
    assert "KAD-FIL-001" not in {f["rule_id"] for f in found}
    assert "KAD-STR-002" in {f["rule_id"] for f in found}


def _base():
    from hostile import base

    return base()


def _nested(depth: int):
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


def test_one_long_line_in_a_subprocess(tmp_path):
    """~200 MB on one line: one huge text value (refused at once) and, separately, many stays."""
    huge = one_line_message(tmp_path / "en-linje-stor-verdi.json", text_mb=200)
    run = run_cli("validate", "--format", "json", huge, timeout=120)
    assert_no_traceback(run.stdout, run.stderr)
    assert run.returncode == 1
    hit = json.loads(run.stdout)["files"][0]["findings"][0]
    assert hit["rule_id"] == "KAD-FIL-001" and hit["line"] == 1 and hit["column"] > 400
    assert "1 MB" in hit["message"]

    many = one_line_message(tmp_path / "en-linje-mange-opphold.json", stays=20_000)
    run = run_cli("validate", "--format", "json", "--max-findings", "5", many, timeout=300)
    assert_no_traceback(run.stdout, run.stderr)
    assert run.returncode in (0, 1)
    assert json.loads(run.stdout)["summary"]["stays"] == 20_000


def test_two_gigabyte_line_with_one_value(tmp_path):
    path = one_line_message(tmp_path / "to-gb.json", text_mb=2048)
    run = run_cli("validate", "--format", "json", path, timeout=600)
    path.unlink()
    assert_no_traceback(run.stdout, run.stderr)
    assert run.returncode == 1
    assert json.loads(run.stdout)["files"][0]["findings"][0]["rule_id"] == "KAD-FIL-001"


@pytest.mark.huge  # 2 GB of millions of stays on one line: `make test-huge`
def test_two_gigabyte_line_of_stays(tmp_path):
    many = one_line_message(tmp_path / "to-gb-opphold.json", stays=int(os.environ.get("KAD_SPEC_HUGE_STAYS", "5000000")))
    run = run_cli("validate", "--format", "json", "--max-findings", "5", many, timeout=1800)
    assert_no_traceback(run.stdout, run.stderr)
    assert run.returncode in (0, 1)
    print(f"\n2 GB-linje: {many.stat().st_size >> 20} MB, {run.seconds:.1f} s, "
          f"maks RSS (barneprosesser) {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >> 10} MB")
