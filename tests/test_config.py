"""``--config``: severity overrides and waivers, with expiry, and clear errors for bad files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from junitparser import JUnitXml, Skipped

from conftest import EXAMPLES, base_message, json_report, run_cli
from kad_spec.validation.config import ConfigError, Waiver, load_config
from kad_spec.validation.engine import Settings, Validator

SAMPLE = EXAMPLES / "kad-spec.yaml"
TODAY = date(2027, 6, 15)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """feil.json: a missing name (no stay), a wrong type in stay 0, an unknown code in stay 1."""
    monkeypatch.chdir(tmp_path)
    message = base_message()
    del message["virksomhet"]["navn"]
    message["opphold"][0]["pasient"]["alder"] = "84"
    message["opphold"][1]["status"] = "X"
    (tmp_path / "feil.json").write_text(json.dumps(message, indent=2, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def config_file(directory: Path, text: str) -> Path:
    path = directory / "kad-spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


STAY_0 = "KAD-2025-000123"
STAY_1 = "KAD-2025-000124"


# --- loading --------------------------------------------------------------------------


def test_sample_config_loads():
    config = load_config(SAMPLE)
    assert config.severity_overrides == {"KAD-STR-002": "warning"}
    assert [w.rule for w in config.waivers] == ["KAD-KL-001", "KAD-STR-004"]
    assert config.waivers[0].expires == date(2029, 12, 31)
    assert config.waivers[0].opphold_id == STAY_1
    assert config.waivers[1].file == "testdata/*.json"
    assert all(w.reason for w in config.waivers)


def test_empty_config_is_allowed(tmp_path):
    config = load_config(config_file(tmp_path, "# ingenting\n"))
    assert config.severity_overrides == {} and config.waivers == []


BAD_CONFIGS = [
    ("waiver: []\n", "linje 1", "ukjent nøkkel «waiver»"),
    ("severity_overrides:\n  KAD-STR-001: info\n", "linje 2", "ugyldig alvorlighet «info»"),
    ("severity_overrides:\n  KAD-XYZ-999: warning\n", "linje 2", "ukjent regel-id «KAD-XYZ-999»"),
    ("waivers:\n  - rule: KAD-XYZ-999\n    reason: x\n", "linje 2", "ukjent regel-id «KAD-XYZ-999»"),
    ("waivers:\n  - rule: KAD-STR-001\n", "linje 2", "«reason» mangler"),
    ("waivers:\n  - rule: KAD-STR-001\n    reason: '  '\n", "linje 3", "«reason» mangler"),
    ("waivers:\n  - rule: KAD-STR-001\n    reason: x\n    file_glob: a\n", "linje 4", "ukjent nøkkel «file_glob»"),
    ("waivers:\n  - rule: KAD-STR-001\n    reason: x\n    expires: 2026-02-30\n", "linje 4", "ugyldig dato «2026-02-30»"),
    ("waivers:\n  - rule: KAD-STR-001\n    reason: x\n    expires: snart\n", "linje 4", "ugyldig dato «snart»"),
    ("waivers:\n  - reason: x\n", "linje 2", "«rule» mangler"),
    ("waivers: KAD-STR-001\n", "linje 1", "skal være en liste"),
    ("- a\n- b\n", "", "forventet en YAML-tabell"),
    ("severity_overrides: [\n", "linje", "ikke gyldig YAML"),
]


@pytest.mark.parametrize("text,where,problem", BAD_CONFIGS)
def test_bad_config_names_file_position_and_problem(tmp_path, text, where, problem):
    path = config_file(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message
    assert where in message
    assert problem in message


def test_bad_config_through_cli_is_exit_2_without_traceback(workdir):
    path = config_file(workdir, "severity_overrides:\n  KAD-STR-001: fatal\n")
    code, out, err = run_cli("validate", "--config", path, "feil.json")
    assert code == 2
    assert out == ""
    assert "kad-spec.yaml linje 2" in err and "«fatal»" in err
    assert "Traceback" not in err


def test_missing_config_file_is_exit_2(workdir):
    code, _, err = run_cli("validate", "--config", workdir / "finnes-ikke.yaml", "feil.json")
    assert code == 2
    assert "finnes-ikke.yaml" in err and "finner ikke" in err


# --- severity overrides ---------------------------------------------------------------


def test_severity_override_changes_every_report_and_the_exit_code(workdir):
    path = config_file(workdir, "severity_overrides:\n  KAD-STR-003: warning\n  KAD-KL-001: warning\n"
                                "  KAD-STR-001: warning\n")
    code, data = json_report("--config", path, "feil.json")
    assert code == 0
    assert {f["severity"] for f in data["files"][0]["findings"]} == {"warning"}
    assert data["summary"]["errors"] == 0 and data["summary"]["warnings"] == 3
    assert json_report("--config", path, "--fail-on", "warning", "feil.json")[0] == 1
    _, out, _ = run_cli("validate", "--format", "sarif", "--config", path, "feil.json")
    assert {r["level"] for r in json.loads(out)["runs"][0]["results"]} == {"warning"}
    _, out, _ = run_cli("validate", "--config", path, "feil.json")
    assert "advarsel KAD-STR-003" in out


def test_override_only_touches_its_rule(workdir):
    lowered = config_file(workdir, "severity_overrides:\n  KAD-STR-003: warning\n")
    _, data = json_report("--config", lowered, "feil.json")
    severities = {f["rule_id"]: f["severity"] for f in data["files"][0]["findings"]}
    assert severities == {"KAD-STR-001": "error", "KAD-STR-003": "warning", "KAD-KL-001": "error"}
    assert data["summary"]["errors"] == 2 and data["summary"]["warnings"] == 1


# --- waivers --------------------------------------------------------------------------


def waive_all(directory: Path, extra: str = "") -> Path:
    return config_file(directory, (
        "waivers:\n"
        "  - rule: KAD-STR-001\n    file: 'feil.json'\n    reason: Navnet kommer fra Enhetsregisteret.\n"
        f"  - rule: KAD-STR-003\n    opphold_id: {STAY_0}\n    reason: Rettes i versjon 2.\n"
        f"  - rule: KAD-KL-001\n    opphold_id: {STAY_1}\n    reason: Ny statuskode.\n" + extra))


def test_waived_findings_stay_listed_counted_and_do_not_fail(workdir):
    code, data = json_report("--config", waive_all(workdir), "feil.json")
    assert code == 0
    findings = data["files"][0]["findings"]
    assert len(findings) == 3
    assert {f["rule_id"]: f["waived"] for f in findings} == {
        "KAD-STR-001": "Navnet kommer fra Enhetsregisteret.",
        "KAD-STR-003": "Rettes i versjon 2.",
        "KAD-KL-001": "Ny statuskode.",
    }
    assert data["summary"]["waived"] == 3
    assert data["summary"]["errors"] == 0


def test_waived_findings_in_text_sarif_and_junit(workdir):
    path = waive_all(workdir)
    _, text, _ = run_cli("validate", "--config", path, "feil.json")
    assert "unntatt (feil) KAD-STR-003" in text
    assert "3 unntatt" in text
    _, text_en, _ = run_cli("validate", "--lang", "en", "--config", path, "feil.json")
    assert "waived (error) KAD-STR-003" in text_en and "3 waived" in text_en
    _, out, _ = run_cli("validate", "--format", "sarif", "--config", path, "feil.json")
    results = json.loads(out)["runs"][0]["results"]
    assert all(r["suppressions"][0]["status"] == "accepted" for r in results)
    assert {r["suppressions"][0]["justification"] for r in results} >= {"Rettes i versjon 2."}
    _, out, _ = run_cli("validate", "--format", "junit", "--config", path, "feil.json")
    suite = next(iter(JUnitXml.fromstring(out.encode())))
    assert suite.failures == 0 and suite.skipped == 3
    skipped = [r for case in suite for r in case.result if isinstance(r, Skipped)]
    assert any("Rettes i versjon 2." in s.message for s in skipped)


def test_waiver_only_covers_its_stay(workdir):
    path = config_file(workdir, f"waivers:\n  - rule: KAD-STR-003\n    opphold_id: {STAY_1}\n    reason: x\n")
    code, data = json_report("--config", path, "feil.json")
    assert code == 1
    assert all(f["waived"] is None for f in data["files"][0]["findings"])


def test_waiver_file_glob(workdir):
    matching = config_file(workdir, "waivers:\n  - rule: KAD-STR-001\n    file: '*.json'\n    reason: x\n")
    _, data = json_report("--config", matching, str(workdir / "feil.json"))
    waived = {f["rule_id"] for f in data["files"][0]["findings"] if f["waived"]}
    assert waived == {"KAD-STR-001"}
    other = config_file(workdir, "waivers:\n  - rule: KAD-STR-001\n    file: 'andre/*.json'\n    reason: x\n")
    _, data = json_report("--config", other, "feil.json")
    assert not any(f["waived"] for f in data["files"][0]["findings"])


def test_expired_waiver_through_the_cli_stops_and_is_reported(workdir):
    path = config_file(workdir, f"waivers:\n  - rule: KAD-STR-003\n    opphold_id: {STAY_0}\n"
                                "    reason: Gammel avtale.\n    expires: 2001-01-31\n"
                                "  - rule: KAD-STR-001\n    reason: Gjelder lenge.\n    expires: 2999-12-31\n")
    code, data = json_report("--config", path, "feil.json")
    assert code == 1
    by_rule = {f["rule_id"]: f["waived"] for f in data["files"][0]["findings"]}
    assert by_rule["KAD-STR-003"] is None
    assert by_rule["KAD-STR-001"] == "Gjelder lenge."
    assert len(data["notices"]) == 1
    assert "2001-01-31" in data["notices"][0] and "KAD-STR-003" in data["notices"][0]
    for fmt in ("text", "junit", "sarif"):
        _, out, _ = run_cli("validate", "--format", fmt, "--config", path, "feil.json")
        assert "2001-01-31" in out, fmt
    _, out, _ = run_cli("validate", "--lang", "en", "--config", path, "feil.json")
    assert "expired on 2001-01-31" in out


def _result():
    return Validator(Settings(today=TODAY)).validate_paths([Path("feil.json")])


@pytest.mark.parametrize("expires,applies", [
    (date(2027, 6, 14), False),  # the day before today: expired
    (date(2027, 6, 15), True),  # today is the last day it applies
    (date(2027, 6, 16), True),
    (None, True),
])
def test_expiry_with_a_fixed_today(workdir, expires, applies):
    from kad_spec.validation.config import Config

    config = Config(path="k.yaml", waivers=[Waiver(rule="KAD-STR-003", reason="r", expires=expires, number=1)])
    result = _result()
    config.apply(result, TODAY)
    finding = next(f for f in result.findings if f.rule_id == "KAD-STR-003")
    assert (finding.waived == "r") is applies
    assert bool(result.notices) is not applies
    if not applies:
        assert "k.yaml" in result.notices[0] and "unntak 1" in result.notices[0]


def test_first_matching_waiver_gives_the_reason(workdir):
    from kad_spec.validation.config import Config

    config = Config(waivers=[
        Waiver(rule="KAD-STR-003", reason="gammel", expires=date(2020, 1, 1), number=1),
        Waiver(rule="KAD-STR-003", reason="ny", opphold_id=STAY_0, number=2),
        Waiver(rule="KAD-STR-003", reason="generell", number=3),
    ])
    result = _result()
    config.apply(result, TODAY, lang="en")
    assert next(f for f in result.findings if f.rule_id == "KAD-STR-003").waived == "ny"
    assert len(result.notices) == 1 and "expired on 2020-01-01" in result.notices[0]
