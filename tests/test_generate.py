"""Generated artefacts: in step with the model, deterministic, and accepting the valid examples."""

from __future__ import annotations

import importlib.util
import json
import shutil

import pytest

from conftest import EXAMPLES, ROOT

GENERATED = ROOT / "generated"


def test_generated_files_are_in_step_with_the_model(cli):
    result = cli("generate", "--check")
    assert result.exit_code == 0, result.stdout


def test_check_fails_and_names_the_stale_file_after_a_model_edit(cli, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(ROOT / "model", model)
    text = (model / "kad.yaml").read_text(encoding="utf-8")
    edited = text.replace("Pasientens kjønn (Volven 3101).", "Pasientens kjønn etter Volven 3101.")
    assert edited != text
    (model / "kad.yaml").write_text(edited, encoding="utf-8")
    result = cli("generate", "--check", "--model", model)
    assert result.exit_code == 1
    assert "jsonschema/kad.schema.json" in result.stdout
    assert "xsd/kad.xsd" in result.stdout


def test_reruns_are_byte_identical(cli, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert cli("generate", "--out", first).exit_code == 0
    assert cli("generate", "--out", second).exit_code == 0
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files and files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


def test_json_schema_accepts_the_valid_example_under_the_reference_library():
    import jsonschema

    schema = json.loads((GENERATED / "jsonschema" / "kad.schema.json").read_text(encoding="utf-8"))
    message = json.loads((EXAMPLES / "kad-melding.json").read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema).check_schema(schema)
    jsonschema.validate(message, schema)
    del message["opphold"][0]["utskrevet_til"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(message, schema)


def test_json_schema_carries_enum_oids():
    schema = json.loads((GENERATED / "jsonschema" / "kad.schema.json").read_text(encoding="utf-8"))
    # Code list metadata sits in $comment as JSON: strict validators accept no other keywords.
    info = json.loads(schema["$defs"]["UtTil"]["$comment"])
    assert info["oid"] == "2.16.578.1.12.4.1.1.7300"
    assert info["koder"]["2"] == "Som død" and info["kilde"].startswith("Volven 7300")
    assert json.loads(schema["$comment"]) == {"versjon": "1.0.0"}
    assert schema["$defs"]["Kjonn"]["enum"] == ["0", "1", "2", "9"]


def test_xsd_accepts_the_valid_xml_under_lxml_and_xmlschema():
    import xmlschema
    from lxml import etree

    xsd_path = GENERATED / "xsd" / "kad.xsd"
    xml_path = EXAMPLES / "kad-melding.xml"
    schema = etree.XMLSchema(etree.parse(str(xsd_path)))
    assert schema.validate(etree.parse(str(xml_path))), schema.error_log
    xmlschema.XMLSchema10(str(xsd_path)).validate(str(xml_path))


def test_python_classes_import_and_accept_the_example():
    spec = importlib.util.spec_from_file_location("kad_model", GENERATED / "python" / "kad_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    message = json.loads((EXAMPLES / "kad-melding.json").read_text(encoding="utf-8"))
    parsed = module.KadMelding(**message)
    assert parsed.opphold[1].pasient.alder == 77
    message["virksomhet"]["organisasjonsnummer"] = "12345"
    with pytest.raises(Exception, match="organisasjonsnummer"):
        module.KadMelding(**message)


def test_markdown_reference_traces_every_proposal_item():
    index = (GENERATED / "docs" / "index.md").read_text(encoding="utf-8")
    for item in range(1, 10):
        assert f"\n| {item} | " in index
    assert "## Sporbarhet til høringsnotatet" in index


def test_output_does_not_depend_on_where_the_model_lies(cli, tmp_path):
    model = tmp_path / "elsewhere" / "model"
    shutil.copytree(ROOT / "model", model)
    result = cli("generate", "--check", "--model", model)
    assert result.exit_code == 0, result.stdout


def _classes():
    spec = importlib.util.spec_from_file_location("kad_model_strict", GENERATED / "python" / "kad_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path, value", [
    (("opphold", 0, "pasient", "alder"), "84"),
    (("opphold", 0, "pasient", "alder"), True),
    (("opphold",), None),
    (("meldingsinfo", "kontaktperson"), None),
    (("virksomhet", "organisasjonsnummer"), 123456785),
])
def test_python_classes_refuse_what_the_schema_refuses(path, value):
    import jsonschema
    import pydantic

    module = _classes()
    message = json.loads((EXAMPLES / "kad-melding.json").read_text(encoding="utf-8"))
    node = message
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    schema = json.loads((GENERATED / "jsonschema" / "kad.schema.json").read_text(encoding="utf-8"))
    assert not jsonschema.Draft202012Validator(schema).is_valid(message)
    with pytest.raises(pydantic.ValidationError):
        module.KadMelding(**message)
    with pytest.raises(pydantic.ValidationError):
        module.KadMelding.model_validate_json(json.dumps(message))


def test_python_classes_write_a_message_kad_spec_accepts(tmp_path, cli):
    module = _classes()
    text = (EXAMPLES / "kad-melding.json").read_text(encoding="utf-8")
    parsed = module.KadMelding.model_validate_json(text)
    parsed.opphold[2].opphold_id = "KAD-2025-000999"
    dumped = parsed.model_dump_json(indent=2)
    assert "null" not in dumped
    assert json.loads(dumped)["opphold"][2]["opphold_id"] == "KAD-2025-000999"
    target = tmp_path / "skrevet.json"
    target.write_text(dumped, encoding="utf-8")
    result = cli("validate", target)
    assert result.exit_code == 0, result.stdout
    built = module.Opphold(**json.loads(text)["opphold"][2])
    assert "utskrivningstidspunkt" not in built.model_dump()  # absent stays absent
    assert "pydantic" in (GENERATED / "python" / "kad_model.py").read_text(encoding="utf-8")[:400]


def test_the_vendor_guides_python_example_runs(tmp_path, cli):
    import subprocess
    import sys

    guide = (ROOT / "docs" / "leverandor.md").read_text(encoding="utf-8")
    code = guide.split("```python\n", 1)[1].split("```", 1)[0]
    shutil.copy(EXAMPLES / "kad-melding.json", tmp_path / "eksport.json")
    env = {"PYTHONPATH": str(GENERATED / "python"), "PATH": "/usr/bin:/bin"}
    ran = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert cli("validate", tmp_path / "ny.json").exit_code == 0
