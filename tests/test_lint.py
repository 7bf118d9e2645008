"""`kad-spec lint`: the bundled model is clean; each check id fires on a model edit made for it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from kad_spec.spec.resources import codelists_dir, model_dir
from kad_spec.tools.lint import CHECKS, lint_model


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(model_dir(), target)
    shutil.copytree(codelists_dir(), tmp_path / "codelists")
    return target


def edit_model(directory: Path, change) -> None:
    path = directory / "kad.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def ids(directory: Path, linkml: bool = False) -> set[str]:
    return {p.check_id for p in lint_model(directory, linkml=linkml).problems}


def test_bundled_model_is_clean_including_linkml(cli):
    result = cli("lint")
    assert result.exit_code == 0, result.output
    assert "0 feil, 0 advarsler" in result.output


def test_json_output_lists_checks_and_counts(cli, model_copy):
    edit_model(model_copy, lambda d: d["classes"]["Pasient"]["attributes"]["kjonn"].pop("description"))
    result = cli("lint", model_copy, "--format", "json", "--no-linkml")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["errors"] == 1
    assert doc["problems"] == [{
        "id": "LINT-003", "severity": "error", "location": "element Pasient.kjonn",
        "message": "element Pasient.kjonn mangler beskrivelse på bokmål (description).",
    }]
    assert set(doc["checks"]) == set(CHECKS)


def _drop_pv_description(d):
    d["enums"]["UtTil"]["permissible_values"]["2"].pop("description")


def _drop_title_en(d):
    d["classes"]["Adresse"]["annotations"].pop("title_en")


def _drop_oid(d):
    d["enums"]["Kjonn"]["annotations"].pop("oid")


def _drop_source(d):
    d["enums"]["UtTil"]["annotations"].pop("source")


def _drop_item_9(d):
    for cls in ("Opphold", "UtskrevetTil"):
        for attr in d["classes"][cls]["attributes"].values():
            if (attr.get("annotations") or {}).get("forslag_punkt") == "9":
                attr["annotations"].pop("forslag_punkt")


def _bad_version(d):
    d["version"] = "1.0"


def _extra_code(d):
    d["enums"]["Kjonn"]["permissible_values"]["7"] = {"description": "Ukjent kode", "annotations": {"title_en": "x"}}


def _unknown_codelist(d):
    d["enums"]["Kjonn"]["annotations"]["codelist"] = "finnes_ikke"


def _wrong_oid(d):
    d["enums"]["Kjonn"]["annotations"]["oid"] = "2.16.578.1.12.4.1.1.9999"


def _no_flag(d):
    d["classes"]["Pasient"]["attributes"]["alder"]["annotations"].pop("krav")


def _no_dates(d):
    d["annotations"].pop("ikrafttredelse")


@pytest.mark.parametrize(
    "check_id, change",
    [
        ("LINT-003", _drop_pv_description),
        ("LINT-004", _drop_title_en),
        ("LINT-005", _drop_oid),
        ("LINT-006", _drop_source),
        ("LINT-009", _drop_item_9),
        ("LINT-010", _bad_version),
        ("LINT-011", _extra_code),
        ("LINT-012", _unknown_codelist),
        ("LINT-013", _wrong_oid),
        ("LINT-015", _no_flag),
        ("LINT-016", _no_dates),
    ],
)
def test_each_model_check_fires_on_its_edit(model_copy, check_id, change):
    assert ids(model_copy) == set()
    edit_model(model_copy, change)
    assert ids(model_copy) == {check_id}


def test_code_missing_from_enum_is_reported(model_copy):
    edit_model(model_copy, lambda d: d["enums"]["Meldingsstatus"]["permissible_values"].pop("T"))
    problems = lint_model(model_copy, linkml=False).problems
    assert [(p.check_id, p.location) for p in problems] == [("LINT-011", "kodeverk Meldingsstatus")]
    assert "Koden T" in problems[0].message


def test_rule_without_failing_or_passing_example(model_copy):
    path = model_copy / "rules" / "struktur.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    first, second = list(doc["rules"])[:2]
    doc["rules"][first]["examples"] = [e for e in doc["rules"][first]["examples"] if e["expect"] == "pass"]
    doc["rules"][second]["examples"] = [e for e in doc["rules"][second]["examples"] if e["expect"] == "fail"]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    problems = {(p.check_id, p.location) for p in lint_model(model_copy, linkml=False).problems}
    assert problems == {("LINT-008", f"regel {first}"), ("LINT-007", f"regel {second}")}


def test_linkml_problem_is_mapped_and_fails(cli, model_copy):
    edit_model(model_copy, lambda d: d["classes"]["Pasient"]["attributes"]["alder"].update(range="Finnesikke"))
    result = cli("lint", model_copy)
    assert result.exit_code == 1
    assert "LINT-001 feil" in result.output


def test_unreadable_yaml_names_file_and_line(cli, model_copy):
    (model_copy / "kad.yaml").write_text("id: x\nname: [unclosed\n", encoding="utf-8")
    result = cli("lint", model_copy, "--no-linkml")
    assert result.exit_code == 1
    assert "LINT-014" in result.output
    assert f"{model_copy / 'kad.yaml'}:" in result.output
    assert "Traceback" not in result.output


def test_missing_model_dir_is_usage_error(cli, tmp_path):
    result = cli("lint", tmp_path / "nope")
    assert result.exit_code == 2


def test_every_check_is_documented():
    text = (Path(__file__).parents[1] / "docs" / "verktoy.md").read_text(encoding="utf-8")
    for check in CHECKS.values():
        assert f"| {check.id} | {'feil' if check.level == 'error' else 'advarsel'} |" in text, check.id


def _edit_examples(model_copy: Path, change) -> str:
    path = model_copy / "rules" / "diagnose.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    rule_id = next(iter(doc["rules"]))
    change(doc["rules"][rule_id]["examples"])
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return rule_id


@pytest.mark.parametrize(("change", "said"), [
    (lambda examples: examples[0].pop("name"), "mangler navn"),
    (lambda examples: examples[0].update(name="Tom liste"), "skal være snake_case"),
    (lambda examples: examples[0].update(name="pass_when_list_is_empty"), "begynne med fail_"),
    (lambda examples: examples[1].update(name=examples[0]["name"]), "et annet eksempel i regelen også har"),
])
def test_example_without_a_valid_unique_name(cli, model_copy, change, said):
    rule_id = _edit_examples(model_copy, change)
    result = cli("lint", model_copy, "--format", "json", "--no-linkml")
    assert result.exit_code == 1
    problems = json.loads(result.output)["problems"]
    assert [(p["id"], p["severity"]) for p in problems] == [("LINT-019", "error")]
    assert problems[0]["location"].startswith(f"regel {rule_id}, eksempel ")
    assert said in problems[0]["message"]
