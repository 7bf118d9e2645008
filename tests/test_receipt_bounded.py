"""The receipt's status stays exact when --max-findings leaves findings out of the report.

A stay with an error is rejected, a message whose every stay has an error is rejected whole
(``model/konvolutt.yaml``, kvittering.avvisning). Findings beyond --max-findings are counted,
not kept, so the status must come from the counts too: which stays they hit is recorded for
them. Every format's receipt summary, the AppRec itself and a file read in parts agree with a
run that keeps every finding.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from lxml import etree

from conftest import EXAMPLES, invoke

AR = "http://www.kith.no/xmlstds/apprec/2012-02-15"
KAD_SPEC = Path(sys.executable).parent / "kad-spec"
STAYS = 30


def _message(stays: list) -> dict:
    message = json.loads((EXAMPLES / "kad-melding.json").read_text(encoding="utf-8"))
    message["opphold"] = stays
    return message


def _good_stay() -> dict:
    return json.loads((EXAMPLES / "kad-melding.json").read_text(encoding="utf-8"))["opphold"][0]


def _bad_stays(n: int) -> list[dict]:
    # Only an id: every other required member is missing, so each stay has several errors.
    return [{"opphold_id": f"KAD-2024-{i:06d}"} for i in range(n)]


def _write(path: Path, stays: list) -> Path:
    # Compact, so that a file read in parts is cut between stays (``,{"opphold_id"``).
    path.write_text(json.dumps(_message(stays), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return path


@pytest.fixture()
def every_stay_bad(tmp_path) -> Path:
    return _write(tmp_path / "alle.json", _bad_stays(STAYS))


@pytest.fixture()
def one_stay_good(tmp_path) -> Path:
    return _write(tmp_path / "en-god.json", _bad_stays(STAYS) + [_good_stay()])


def _json(path: Path, *extra) -> dict:
    result = invoke("validate", "--format", "json", *extra, path)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def _statuses(path: Path, *extra) -> dict[str, str]:
    """The receipt summary of one file in every format."""
    report = _json(path, *extra)
    summary = report["summary"]["receipt"]
    found = {"json": next(v for v, n in summary.items() if n == 1)}
    text = invoke("validate", *extra, path).stdout
    found["text"] = next(line for line in text.splitlines() if line.startswith("Mottak: "))
    junit = ET.fromstring(invoke("validate", "--format", "junit", *extra, path).stdout)
    found["junit"] = junit.find(".//testsuite/properties/property[@name='receipt']").get("value")
    sarif = json.loads(invoke("validate", "--format", "sarif", *extra, path).stdout)["runs"][0]
    found["sarif"] = sarif["artifacts"][0]["properties"]["receipt"]
    assert sarif["properties"]["receipt"] == summary
    receipt = etree.fromstring(invoke("validate", "--format", "apprec", *extra, path).stdout.encode())
    found["apprec"] = receipt.find(f"{{{AR}}}Status").get("V")
    return found


def test_findings_are_left_out_of_the_report_in_these_files(every_stay_bad):
    file = _json(every_stay_bad, "--max-findings", "2")["files"][0]
    assert file["truncated"] and sum(o["count"] for o in file["omitted"]) > STAYS
    stays_shown = {f["opphold_id"] for f in file["findings"]}
    assert len(stays_shown) < STAYS  # the kept findings alone do not show every stay bad


@pytest.mark.parametrize("cap", ["2", "1000"])
def test_every_stay_with_an_error_rejects_the_message_however_few_findings_are_kept(every_stay_bad, cap):
    found = _statuses(every_stay_bad, "--max-findings", cap)
    assert found == {"json": "rejected", "text": "Mottak: 0 godtatt, 0 delvis godtatt, 1 avvist",
                     "junit": "rejected", "sarif": "rejected", "apprec": "2"}


@pytest.mark.parametrize("cap", ["2", "1000"])
def test_one_good_stay_makes_the_message_partly_accepted_however_few_findings_are_kept(one_stay_good, cap):
    found = _statuses(one_stay_good, "--max-findings", cap)
    assert found == {"json": "partly_accepted", "text": "Mottak: 0 godtatt, 1 delvis godtatt, 0 avvist",
                     "junit": "partly_accepted", "sarif": "partly_accepted", "apprec": "3"}


def test_a_waiver_for_one_stay_counts_for_its_left_out_findings(tmp_path, every_stay_bad):
    # Every rule waived for the first stay: that stay is no longer rejected, the others are.
    rules = sorted({f["rule_id"] for f in _json(every_stay_bad)["files"][0]["findings"]})
    config = tmp_path / "kad-spec.yaml"
    config.write_text("waivers:\n" + "".join(
        f"  - rule: {rule}\n    opphold_id: KAD-2024-000000\n    reason: kjent\n" for rule in rules), encoding="utf-8")
    assert _statuses(every_stay_bad, "--max-findings", "2", "--config", config)["json"] == "partly_accepted"
    assert _statuses(every_stay_bad, "--max-findings", "1000", "--config", config)["json"] == "partly_accepted"


def test_errors_made_warnings_leave_the_message_accepted_also_when_counted(tmp_path, every_stay_bad):
    rules = sorted({f["rule_id"] for f in _json(every_stay_bad)["files"][0]["findings"]})
    config = tmp_path / "kad-spec.yaml"
    config.write_text("severity_overrides:\n" + "".join(f"  {rule}: warning\n" for rule in rules), encoding="utf-8")
    found = _statuses(every_stay_bad, "--max-findings", "2", "--config", config)
    assert found["json"] == "accepted" and found["apprec"] == "1"


def test_receipt_lists_the_kept_findings_and_counts_the_rest_per_rule(one_stay_good, apprec_schema):
    full = _json(one_stay_good)
    capped = _json(one_stay_good, "--max-findings", "2")["files"][0]
    result = invoke("validate", "--format", "apprec", "--max-findings", "2", one_stay_good)
    assert result.exit_code == 1
    root = etree.fromstring(result.stdout.encode())
    assert apprec_schema.validate(root.getroottree()), apprec_schema.error_log
    errors = root.findall(f"{{{AR}}}Error")
    kept = [e for e in errors if "--max-findings" not in e.get("DN")]
    more = [e for e in errors if "--max-findings" in e.get("DN")]
    assert len(kept) == len(capped["findings"])
    omitted = {}
    for o in capped["omitted"]:
        omitted[o["rule_id"]] = omitted.get(o["rule_id"], 0) + o["count"]
    assert sorted(e.get("DN").split(":")[0] for e in more) == sorted(omitted)
    for element in more:
        rule_id = element.get("DN").split(":")[0]
        assert f"{omitted[rule_id]} funn til av denne regelen" in element.get("DN")
        # Coded as the rule's listed errors are.
        assert {e.get("V") for e in kept if e.get("DN").startswith(rule_id + ":")} == {element.get("V")}
    assert len(kept) + sum(omitted.values()) == full["summary"]["errors"]
    english = etree.fromstring(invoke("validate", "--format", "apprec", "--lang", "en", "--max-findings", "2",
                                      one_stay_good).stdout.encode())
    assert any("more findings of this rule are not listed" in e.get("DN") for e in english.findall(f"{{{AR}}}Error"))


@pytest.fixture(scope="module")
def apprec_schema():
    from kad_spec.message.envelope import APPREC_XSD, schema

    return schema(APPREC_XSD)


def test_receipts_for_several_files_are_written_one_by_one_into_a_folder(tmp_path, every_stay_bad, one_stay_good):
    out = tmp_path / "kvitteringer"
    out.mkdir()
    result = invoke("validate", "--format", "apprec", "--max-findings", "2", "--output", out, every_stay_bad,
                    one_stay_good)
    assert result.exit_code == 1 and result.stdout == ""
    status = {p.name: etree.parse(str(p)).getroot().find(f"{{{AR}}}Status").get("V") for p in out.iterdir()}
    assert status == {"alle.json.apprec.xml": "2", "en-god.json.apprec.xml": "3"}


def test_a_file_read_in_parts_gets_the_same_status(tmp_path):
    # Many stays, cut into parts by several processes: the stays hit are counted across the parts.
    every = _write(tmp_path / "alle.json", _bad_stays(3000))
    good = _write(tmp_path / "en-god.json", _bad_stays(3000) + [_good_stay()])
    env = {**os.environ, "KAD_SPEC_SPLIT_BYTES": "4000"}
    for path, status in ((every, "rejected"), (good, "partly_accepted")):
        runs = [subprocess.run([str(KAD_SPEC), "validate", "--format", "json", "--jobs", jobs, "--max-findings", "3",
                                str(path)], capture_output=True, env=env, timeout=300) for jobs in ("1", "3")]
        reports = [json.loads(run.stdout) for run in runs]
        assert [r["summary"]["receipt"][status] for r in reports] == [1, 1], [run.stderr[-300:] for run in runs]
        assert reports[0]["summary"] == reports[1]["summary"]
