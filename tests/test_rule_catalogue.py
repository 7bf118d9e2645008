"""The rule catalogue (model/rules/*.yaml) against the implementation and the real CLI.

Every catalogued rule has an implementation and every implementation a catalogue entry; every
example is written to a file, validated with ``kad-spec validate --format json`` and must pass or
fail as catalogued. A failing example must report its own rule and no other rule at error level
(the examples are the vendors' conformance suite), unless the rule says ``isolated: false``.
The register's history rules have sequences of messages for examples instead: those run through
``kad-spec register ingest`` (tests/test_register_rules.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kad_spec.spec.catalogue import catalogue
from kad_spec.cli import app
from kad_spec.rules import implemented_rule_ids
from kad_spec.spec.patch import apply_patch

REPO = Path(__file__).resolve().parents[1]
BASE_EXAMPLE = REPO / "examples" / "kad-melding.json"
BASE_ENVELOPE = REPO / "examples" / "konvolutt-kad-melding.xml"  # the base of envelope examples
RULES = catalogue()


def write_example(example, directory: Path) -> Path:
    if example.envelope is not None:
        from kad_spec.message.envelope import apply_edits

        path = directory / "example-envelope.xml"
        path.write_bytes(apply_edits(BASE_ENVELOPE.read_bytes(), example.envelope))
        return path
    suffix = ".xml" if example.format == "xml" else ".json"
    path = directory / f"example{suffix}"
    raw = example.file_bytes()
    if raw is not None:
        path.write_bytes(raw)
    else:
        base = json.loads(BASE_EXAMPLE.read_text(encoding="utf-8"))
        path.write_text(json.dumps(apply_patch(base, example.patch), ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def validate_with_cli(path: Path) -> dict:
    result = CliRunner().invoke(app, ["validate", "--format", "json", str(path)])
    assert result.exit_code in (0, 1), (result.exit_code, result.output, result.exception)
    return json.loads(result.stdout)


def findings_of(report: dict) -> list[dict]:
    return [f for file in report["files"] for f in file["findings"]]


# -- catalogue against implementation ------------------------------------------------------------
def test_every_catalogued_rule_is_implemented():
    missing = set(RULES) - implemented_rule_ids()
    assert not missing, f"catalogued without implementation: {sorted(missing)}"


def test_every_implemented_rule_is_catalogued():
    extra = implemented_rule_ids() - set(RULES)
    assert not extra, f"implemented without catalogue entry: {sorted(extra)}"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_is_complete(rule_id):
    rule = RULES[rule_id]
    assert rule.severity in ("error", "warning")
    assert rule.title and rule.title_en and rule.given and rule.when and rule.then
    assert rule.message_nb.strip() and rule.message_en.strip()
    expectations = {ex.expect for ex in rule.examples}
    assert expectations == {"pass", "fail"}, f"{rule_id} needs a passing and a failing example"
    area_prefix = {
        "identitet": "KAD-ID-", "organisasjon": "KAD-ORG-", "tid": "KAD-TID-", "diagnose": "KAD-DIA-",
        "opphold": "KAD-OPH-", "melding": "KAD-MLD-", "kodeverk": "KAD-KL-", "struktur": "KAD-STR-", "fil": "KAD-FIL-",
        "konvolutt": "KAD-KONV-", "register": "KAD-REG-",
    }
    assert rule_id.startswith(area_prefix[rule.area]), f"{rule_id} is filed under {rule.area}"


def test_message_placeholders_are_the_same_in_both_languages():
    import string

    def names(template: str) -> set[str]:
        return {name.removesuffix("_en") for _, name, _, _ in string.Formatter().parse(template) if name}

    for rule in RULES.values():
        assert names(rule.message_nb) == names(rule.message_en), rule.id


def test_history_rules_and_only_they_have_sequences_for_examples():
    for rule in RULES.values():
        history = rule.implementation.kind == "history"
        assert all((example.sequence is not None) == history for example in rule.examples), rule.id


# -- examples through the CLI -------------------------------------------------------------------
EXAMPLES = [
    pytest.param(rule_id, index, id=f"{rule_id}-{example.name}")
    for rule_id, rule in sorted(RULES.items())
    for index, example in enumerate(rule.examples)
    if example.sequence is None  # a history rule's sequences: tests/test_register_rules.py
]


def test_every_example_has_its_own_test_id():
    """The ids are the examples' names; a missing or repeated name would hide an example's id."""
    ids = [param.id for param in EXAMPLES]
    assert all(not test_id.endswith("-") for test_id in ids)
    single = sum(1 for rule in RULES.values() for example in rule.examples if example.sequence is None)
    assert len(set(ids)) == len(ids) == single


@pytest.mark.parametrize(("rule_id", "index"), EXAMPLES)
def test_example_through_cli(rule_id, index, tmp_path):
    rule = RULES[rule_id]
    example = rule.examples[index]
    report = validate_with_cli(write_example(example, tmp_path))
    findings = findings_of(report)
    reported = {f["rule_id"] for f in findings}
    if example.expect == "pass":
        assert rule_id not in reported, f"passing example reported {rule_id}: {findings}"
        errors = sorted({f["rule_id"] for f in findings if f["severity"] == "error"})
        assert not errors, f"passing example of {rule_id} reports errors {errors}: {findings}"
        return
    assert rule_id in reported, f"failing example did not report {rule_id}: {findings}"
    own = [f for f in findings if f["rule_id"] == rule_id]
    assert all(f["severity"] == rule.severity for f in own)
    if rule.extra.get("isolated", True):
        others = sorted({f["rule_id"] for f in findings if f["severity"] == "error" and f["rule_id"] != rule_id})
        assert not others, f"failing example of {rule_id} also reports errors {others}: {findings}"


def test_base_example_is_clean():
    report = validate_with_cli(BASE_EXAMPLE)
    assert findings_of(report) == []


def test_no_example_report_shows_a_full_person_id(tmp_path):
    """Every person id in the examples is masked in the report (only the last two digits)."""
    base = json.loads(BASE_EXAMPLE.read_text(encoding="utf-8"))
    for rule in RULES.values():
        for example in rule.examples:
            if example.raw is not None or example.sequence is not None:
                continue
            doc = apply_patch(base, example.patch)
            ids = [s["pasient"]["id"] for s in doc.get("opphold", []) if isinstance(s.get("pasient"), dict) and "id" in s["pasient"]]
            text = json.dumps(validate_with_cli(write_example(example, tmp_path)), ensure_ascii=False)
            for person_id in ids:
                assert str(person_id) not in text, rule.id
