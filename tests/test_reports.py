"""The report formats of ``kad-spec validate``, through the real CLI.

The JSON report must validate against its published schema, the JUnit report must parse
with a JUnit library and count what the JSON report counts, and the SARIF report must
validate against the official SARIF 2.1.0 schema.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

from conftest import EXAMPLES, ROOT, base_message, json_report, run_cli
from kad_spec import __version__
from kad_spec.spec.catalogue import catalogue
from kad_spec.spec.model import model

REPORT_SCHEMA = ROOT / "generated" / "jsonschema" / "report.schema.json"
SARIF_SCHEMA = Path(__file__).parent / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
FORMATS = ("text", "json", "junit", "sarif")


def write(path: Path, message: dict) -> Path:
    path.write_text(json.dumps(message, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def three_defects() -> dict:
    """Structure findings only: a missing required field, a wrong type, an unknown code."""
    message = base_message()
    del message["virksomhet"]["navn"]  # KAD-STR-001, no stay
    message["opphold"][0]["pasient"]["alder"] = "84"  # KAD-STR-003 in the first stay
    message["opphold"][1]["status"] = "X"  # KAD-KL-001 in the second stay
    return message


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """Files given by relative name, as a CI job would; SARIF URIs are then relative."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "feil.json", three_defects())
    write(tmp_path / "gyldig.json", base_message())
    return tmp_path


def structure_ids(report_: dict) -> list[str]:
    return sorted(f["rule_id"] for file in report_["files"] for f in file["findings"])


def test_base_findings_are_the_structure_rules_this_suite_builds_on(workdir):
    code, data = json_report("feil.json")
    assert code == 1
    ids = structure_ids(data)
    for rule_id in ("KAD-STR-001", "KAD-STR-003", "KAD-KL-001"):
        assert rule_id in ids


# --- JSON -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_json_report_validates_against_published_schema(workdir, lang):
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    paths = ["feil.json", "gyldig.json", *sorted(EXAMPLES.rglob("*.json")), *sorted(EXAMPLES.rglob("*.xml"))]
    _, data = json_report("--lang", lang, *paths)
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["language"] == lang
    assert data["summary"]["files"] == len(paths)


def test_json_finding_has_every_fact(workdir):
    _, data = json_report("feil.json")
    finding = next(f for f in data["files"][0]["findings"] if f["rule_id"] == "KAD-STR-003")
    assert finding["severity"] == "error"
    assert finding["file"] == "feil.json"
    assert finding["pointer"] == "/opphold/0/pasient/alder"
    assert finding["xpath"] == f"/{model().root.name}/opphold[1]/pasient/alder"
    assert isinstance(finding["line"], int) and finding["line"] > 1
    assert finding["opphold_id"] == base_message()["opphold"][0]["opphold_id"]
    assert finding["message"]


# --- JUnit ------------------------------------------------------------------------------


def junit(*args) -> tuple[int, JUnitXml, str]:
    code, out, _ = run_cli("validate", "--format", "junit", *args)
    return code, JUnitXml.fromstring(out.encode("utf-8")), out


def suites(xml: JUnitXml) -> dict:
    return {suite.name: suite for suite in xml}


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_junit_parses_and_counts_match_the_json_report(workdir, lang):
    paths = ["feil.json", "gyldig.json"]
    code, xml, _ = junit("--lang", lang, *paths)
    _, data = json_report("--lang", lang, *paths)
    assert code == 1
    by_name = suites(xml)
    assert sorted(by_name) == sorted(paths)
    for file in data["files"]:
        suite = by_name[file["path"]]
        assert suite.failures == file["errors"]  # warnings fail only under --fail-on warning
        assert suite.errors == 0
        assert suite.tests == len(list(suite))
        failures = [r for case in suite for r in case.result if isinstance(r, Failure)]
        assert len(failures) == suite.failures
        assert sorted(f.message.split(" ")[0] for f in failures) == sorted(x["rule_id"] for x in file["findings"])
    assert xml.failures == data["summary"]["errors"]


def warning_only(workdir) -> str:
    """A message whose one finding is a warning (overlapping stays, KAD-OPH-002)."""
    code, _, _ = run_cli("example", "--defect", "KAD-OPH-002", "-o", workdir / "advarsel.json")
    assert code == 0
    return "advarsel.json"


def test_junit_of_a_warning_only_run_has_no_failed_test(workdir):
    name = warning_only(workdir)
    code, xml, text = junit(name)
    assert code == 0
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (1, 0, 0, 0)
    suite = suites(xml)[name]
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (1, 0, 0, 0)
    case = next(iter(suite))
    assert case.is_passed and case.name.startswith("KAD-OPH-002")
    assert "<system-out>rule_id: KAD-OPH-002" in text and "severity: warning" in text
    assert "<failure" not in text


def test_junit_warning_fails_under_fail_on_warning(workdir):
    name = warning_only(workdir)
    code, xml, _ = junit("--fail-on", "warning", name)
    assert code == 1
    assert (xml.tests, xml.failures, xml.errors) == (1, 1, 0)
    failure = next(iter(suites(xml)[name])).result[0]
    assert isinstance(failure, Failure) and failure.type == "warning"


def test_text_report_names_the_place_as_xpath_in_xml_and_pointer_in_json(workdir):
    for suffix in ("xml", "json"):
        assert run_cli("example", "--defect", "KAD-KL-001", "-o", workdir / f"kode.{suffix}")[0] == 0
    code, text, _ = run_cli("validate", "kode.xml", "kode.json")
    assert code == 1
    xml_part, json_part = text.split("kode.json")
    assert "[linje 32, /KadMelding/opphold[1]/pasient/kjonn]" in xml_part
    assert "/opphold/0/pasient/kjonn" not in xml_part
    line = next(li for li in json_part.splitlines() if "KAD-KL-001" in li)
    assert line.endswith("/opphold/0/pasient/kjonn]") and "linje " in line
    code, text, _ = run_cli("validate", "--lang", "en", "kode.xml")
    assert "[line 32, /KadMelding/opphold[1]/pasient/kjonn]" in text


def test_junit_failure_carries_rule_message_and_location(workdir):
    _, xml, _ = junit("feil.json")
    suite = suites(xml)["feil.json"]
    case = next(c for c in suite if c.name.startswith("KAD-STR-003"))
    assert case.classname == "feil.json"
    failure = case.result[0]
    assert isinstance(failure, Failure)
    assert failure.type == "error"
    assert failure.message.startswith("KAD-STR-003")
    body = failure.text
    assert "pointer: /opphold/0/pasient/alder" in body
    assert f"opphold_id: {base_message()['opphold'][0]['opphold_id']}" in body
    assert "line: " in body


def test_junit_clean_file_has_one_passing_test(workdir):
    _, xml, _ = junit("gyldig.json")
    suite = suites(xml)["gyldig.json"]
    cases = list(suite)
    assert len(cases) == 1 and cases[0].is_passed
    assert suite.failures == 0 and suite.tests == 1


def test_junit_unreadable_file_is_an_error(workdir):
    (workdir / "avkortet.json").write_text('{"meldingsinfo": {', encoding="utf-8")
    code, xml, _ = junit("avkortet.json")
    suite = suites(xml)["avkortet.json"]
    assert code == 1
    assert suite.errors == 1 and suite.failures == 0
    result = list(suite)[0].result[0]
    assert isinstance(result, Error) and result.message.startswith("KAD-FIL-001")


def test_junit_properties_state_versions_and_editions(workdir):
    _, xml, _ = junit("feil.json")
    suite = suites(xml)["feil.json"]
    props = {p.name: p.value for p in suite.properties()}
    assert props["tool_version"] == __version__
    assert props["specification_version"] == model().version
    _, data = json_report("feil.json")
    for name, edition in data["codelist_editions"].items():
        assert props[f"codelist.{name}"] == edition


# --- SARIF ------------------------------------------------------------------------------


def sarif(*args) -> tuple[int, dict]:
    code, out, _ = run_cli("validate", "--format", "sarif", *args)
    return code, json.loads(out)


def sarif_validator():
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_sarif_validates_against_the_official_schema(workdir, lang):
    paths = ["feil.json", "gyldig.json", *sorted(EXAMPLES.rglob("*.json")), *sorted(EXAMPLES.rglob("*.xml"))]
    _, log = sarif("--lang", lang, *paths)
    errors = sorted(sarif_validator().iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{e.json_path}: {e.message}" for e in errors[:5]]
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1


def test_sarif_schema_check_can_fail():
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": [{"level": "fatal"}]}]}
    assert list(sarif_validator().iter_errors(bad))


def test_sarif_driver_and_rule_metadata(workdir):
    _, log = sarif("feil.json")
    run_ = log["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "kad-spec"
    assert driver["version"] == __version__
    docs = model().annotations["dokumentasjon_url"]
    assert driver["informationUri"] == docs
    rules = {r["id"]: r for r in driver["rules"]}
    assert set(rules) == set(catalogue())
    rule = rules["KAD-STR-001"]
    entry = catalogue()["KAD-STR-001"]
    assert rule["shortDescription"]["text"] == entry.title
    assert entry.when in rule["fullDescription"]["text"]
    assert rule["help"]["text"]
    assert rule["helpUri"] == docs.rstrip("/") + "/regler/kad-str-001.html"
    assert rule["defaultConfiguration"]["level"] == entry.severity
    assert run_["properties"]["specificationVersion"] == model().version
    _, data = json_report("feil.json")
    assert run_["properties"]["codelistEditions"] == data["codelist_editions"]


def test_sarif_results_match_the_json_findings(workdir):
    _, log = sarif("feil.json")
    _, data = json_report("feil.json")
    results = log["runs"][0]["results"]
    findings = data["files"][0]["findings"]
    assert len(results) == len(findings)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    for result, finding in zip(results, findings):
        assert result["ruleId"] == finding["rule_id"]
        assert rules[result["ruleIndex"]]["id"] == finding["rule_id"]
        assert result["level"] == finding["severity"]
        assert result["message"]["text"] == finding["message"]
        location = result["locations"][0]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uri"] == "feil.json" and artifact["uriBaseId"] == "SRCROOT"
        assert location["physicalLocation"]["region"]["startLine"] == finding["line"]
        logical = location["logicalLocations"]
        assert logical[0]["fullyQualifiedName"] == finding["pointer"]
        if finding["opphold_id"]:
            assert logical[-1]["name"] == finding["opphold_id"]
            assert result["properties"]["opphold_id"] == finding["opphold_id"]
        assert "suppressions" not in result


def test_sarif_xml_file_uses_xpath(workdir):
    path = EXAMPLES / "ugyldig" / "KAD-KL-001-ukjent-kjonn.xml"
    _, log = sarif(path)
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "KAD-KL-001")
    logical = result["locations"][0]["logicalLocations"][0]
    assert logical["kind"] == "element"
    assert logical["fullyQualifiedName"].startswith(f"/{model().root.name}/")
    assert log["runs"][0]["artifacts"][0]["mimeType"] == "application/xml"


# --- every format -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_format_states_versions_and_editions(workdir, fmt, lang):
    _, data = json_report("feil.json")
    _, out, _ = run_cli("validate", "--format", fmt, "--lang", lang, "feil.json")
    assert __version__ in out
    assert model().version in out
    assert data["codelist_editions"], "the run used code lists, so it must name their editions"
    for edition in data["codelist_editions"].values():
        assert edition in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_shows_rule_severity_message_location_and_stay(workdir, fmt):
    _, data = json_report("feil.json")
    _, out, _ = run_cli("validate", "--format", fmt, "feil.json")
    finding = next(f for f in data["files"][0]["findings"] if f["rule_id"] == "KAD-STR-003")
    for fact in ("rule_id", "message", "pointer", "opphold_id"):
        assert finding[fact] in out, fact
    assert str(finding["line"]) in out
    assert "feil.json" in out
    severity_words = {"text": "feil", "json": "error", "junit": "error", "sarif": "error"}
    assert severity_words[fmt] in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_file_holds_the_same_report(workdir, fmt):
    target = workdir / f"rapport.{fmt}"
    code, out, _ = run_cli("validate", "--format", fmt, "--output", target, "feil.json")
    _, direct, _ = run_cli("validate", "--format", fmt, "feil.json")
    assert code == 1
    assert out == ""
    assert target.read_text(encoding="utf-8") == direct


def test_output_to_missing_directory_is_a_usage_error(workdir):
    code, _, err = run_cli("validate", "--format", "json", "--output", workdir / "finnes-ikke" / "r.json", "feil.json")
    assert code == 2
    assert "finnes-ikke" in err


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "text"])
def test_same_input_gives_identical_bytes(workdir, fmt):
    paths = ["feil.json", "gyldig.json", *sorted((EXAMPLES / "ugyldig").iterdir())]
    first = run_cli("validate", "--format", fmt, *paths)[1]
    second = run_cli("validate", "--format", fmt, *paths)[1]
    assert first == second
    assert first.strip()


# --- exit code and limits ---------------------------------------------------------------


def many_of_one_rule(workdir, n: int = 4) -> Path:
    """``n`` stays with a wrong code in ``status`` (KAD-KL-001), and one missing name (KAD-STR-001)."""
    message = base_message()
    del message["virksomhet"]["navn"]
    stays = []
    start = datetime(2025, 1, 1, 0, 0)
    for i in range(n):  # one patient, stays one after another
        stay = copy.deepcopy(message["opphold"][0])
        stay["opphold_id"] = f"KAD-2025-{i:06d}"
        stay["status"] = "X"
        stay["innleggelsestidspunkt"] = (start + timedelta(hours=3 * i)).isoformat()
        stay["utskrivningstidspunkt"] = (start + timedelta(hours=3 * i + 2)).isoformat()
        stays.append(stay)
    message["opphold"] = stays
    return write(workdir / "mange.json", message)


def test_max_findings_keeps_that_many_per_rule_and_counts_the_rest(workdir):
    many_of_one_rule(workdir)
    code, data = json_report("--max-findings", "1", "mange.json")
    assert code == 1
    file = data["files"][0]
    assert sorted(f["rule_id"] for f in file["findings"]) == ["KAD-KL-001", "KAD-STR-001"]
    assert file["truncated"] is True
    assert file["omitted"] == [{"rule_id": "KAD-KL-001", "severity": "error", "count": 3,
                                "opphold_id": None, "waived": None}]
    assert file["errors"] == 5 and data["summary"]["errors"] == 5 and data["summary"]["omitted"] == 3
    _, xml, _ = junit("--max-findings", "1", "mange.json")
    failing = [c for c in suites(xml)["mange.json"] if not c.is_passed]
    assert len(failing) == 3 and any("3" in c.name and "KAD-KL-001" in c.name for c in failing)
    _, log = sarif("--max-findings", "1", "mange.json")
    assert len(log["runs"][0]["results"]) == 2
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("--max-findings" in n["message"]["text"] and "3" in n["message"]["text"] for n in notes)
    _, text, _ = run_cli("validate", "--max-findings", "1", "mange.json")
    assert "3 funn til av KAD-KL-001" in text and "KAD-KL-001 Koden finnes ikke i kodeverket: 4" in text


def test_without_max_findings_a_thousand_per_rule_are_kept(workdir):
    many_of_one_rule(workdir, 1003)
    code, data = json_report("mange.json")
    file = data["files"][0]
    assert code == 1 and len([f for f in file["findings"] if f["rule_id"] == "KAD-KL-001"]) == 1000
    omitted = {o["rule_id"]: o["count"] for o in file["omitted"]}
    assert omitted["KAD-KL-001"] == 3
    assert file["errors"] == len([f for f in file["findings"] if f["severity"] == "error"]) + sum(omitted.values())


def test_max_findings_does_not_hide_an_error_from_the_exit_code(workdir):
    # KAD-KL-001 is made a warning; the counted findings beyond the limit are waived for every
    # stay but one, and that one's error must still fail the run.
    many_of_one_rule(workdir)
    config = workdir / "k.yaml"
    config.write_text("severity_overrides:\n  KAD-STR-001: warning\n"
                      "waivers:\n"
                      "  - rule: KAD-KL-001\n    opphold_id: KAD-2025-000002\n    reason: kjent\n"
                      "  - rule: KAD-KL-001\n    opphold_id: KAD-2025-000003\n    reason: kjent\n"
                      "  - rule: KAD-KL-001\n    opphold_id: KAD-2025-000000\n    reason: kjent\n",
                      encoding="utf-8")
    code, data = json_report("--config", config, "--max-findings", "1", "mange.json")
    file = data["files"][0]
    assert [f["opphold_id"] for f in file["findings"] if f["rule_id"] == "KAD-KL-001"] == ["KAD-2025-000000"]
    assert sorted((o["opphold_id"] or "", o["waived"] or "", o["count"]) for o in file["omitted"]) == [
        ("", "", 1), ("KAD-2025-000002", "kjent", 1), ("KAD-2025-000003", "kjent", 1)]
    assert file["errors"] == 1 and data["summary"]["waived"] == 3
    assert code == 1


def test_fail_on_warning(workdir):
    message = base_message()
    del message["virksomhet"]["navn"]
    write(workdir / "en-feil.json", message)
    config = workdir / "k.yaml"
    config.write_text("severity_overrides:\n  KAD-STR-001: warning\n", encoding="utf-8")
    assert json_report("--config", config, "en-feil.json")[0] == 0
    code, data = json_report("--config", config, "--fail-on", "warning", "en-feil.json")
    assert code == 1
    assert data["summary"]["warnings"] == 1 and data["summary"]["errors"] == 0
    assert json_report("--fail-on", "warning", "gyldig.json")[0] == 0
