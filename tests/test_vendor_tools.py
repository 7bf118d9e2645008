"""The published artefacts under the tools vendors use: ajv (strict), Python jsonschema with format
checking, jsonschema-rs, xmllint, xmlschema, lxml and lxml's ISO Schematron.

ajv comes from npm into ``.venv/npm-tools`` (git-ignored) on first use; without npm the ajv
tests skip and say why, except in CI (``CI`` set), where a missing npm is a failure. xmllint
(Debian package libxml2-utils) is treated the same way.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import EXAMPLES, ROOT, invoke

GENERATED = ROOT / "generated"
SCHEMA = GENERATED / "jsonschema" / "kad.schema.json"
XSD = GENERATED / "xsd" / "kad.xsd"
SCHEMATRON = GENERATED / "schematron" / "kad.sch"
NPM_TOOLS = ROOT / ".venv" / "npm-tools"
AJV_PACKAGES = ("ajv-cli@5.0.0", "ajv-formats@3.0.1")
SVRL = "{http://purl.oclc.org/dsdl/svrl}"
IMPOSSIBLE = ["2025-02-30T14:35:00", "2025-02-30T14:35", "2025-03-01T25:35", "2025-13-01T10:00",
              "2025-03-32T10:00", "2025-02-29T10:00:00", "2025-03-01T10:60", "2025-03-01T10:00+15:00"]
REAL = ["2025-02-28T14:35", "2025-02-28T14:35:00", "2024-02-29T10:00", "2025-03-01T10:00:00.5Z",
        "2025-03-01T10:00+01:00", "2025-03-01T10:00:00-14:00"]


def _missing_tool(what: str, how: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} mangler i CI; {how}")
    pytest.skip(f"{what} finnes ikke ({how}); CI er ikke satt")


@pytest.fixture(scope="session")
def ajv():
    binary = NPM_TOOLS / "node_modules" / ".bin" / "ajv"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None or shutil.which("node") is None:
            _missing_tool("npm og node", "installer Node.js med npm; testen henter ajv-cli og ajv-formats fra npm")
        NPM_TOOLS.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "install", "--prefix", str(NPM_TOOLS), "--no-audit", "--no-fund", *AJV_PACKAGES],
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr

    def run(*args, schema=SCHEMA):
        return subprocess.run([str(binary), *args, "--spec=draft2020", "--strict=true", "-c", "ajv-formats",
                               "-s", str(schema)], capture_output=True, text=True, cwd=NPM_TOOLS, timeout=300)

    return run


@pytest.fixture(scope="session")
def xmllint():
    found = shutil.which("xmllint")
    if found is None:
        _missing_tool("xmllint", "apt-get install -y libxml2-utils")
    return found


@pytest.fixture(scope="session")
def defects(tmp_path_factory):
    """``kad-spec example --defect RULE`` for every catalogued rule of one message, JSON and (where it
    can) XML; the register's history rules are broken by sequences of messages, not by one."""
    from kad_spec.spec.catalogue import catalogue

    folder = tmp_path_factory.mktemp("defects")
    made: dict[str, dict[str, object]] = {}
    single = sorted(rule_id for rule_id, rule in catalogue().items() if rule.implementation.kind != "history")
    for rule_id in single:
        for fmt in ("json", "xml"):
            target = folder / f"{rule_id}.{fmt}"
            if invoke("example", "--defect", rule_id, "--format", fmt, "-o", target).exit_code == 0:
                made.setdefault(rule_id, {})[fmt] = target
    assert len(made) == len(single)
    return made


def _checked_by(rule_id: str) -> tuple[str, ...]:
    from kad_spec.spec.catalogue import catalogue
    from kad_spec.spec.coverage import checked_by
    from kad_spec.spec.model import model

    return checked_by(catalogue()[rule_id], model())


def _json_files(defects) -> dict[str, object]:
    candidates = {p.name: p for p in sorted(EXAMPLES.rglob("*.json"))}
    candidates.update({path.name: path for by_format in defects.values() if (path := by_format.get("json"))})
    files = {}
    for name, path in candidates.items():
        try:
            json.loads(path.read_bytes().decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue  # a file that is not JSON at all is no case for a schema validator
        files[name] = path
    return files


def _ajv_verdicts(ajv, files) -> dict[str, bool]:
    out = ajv("validate", *[a for path in files.values() for a in ("-d", str(path))])
    text = out.stdout + out.stderr
    assert "strict mode" not in text, text
    verdicts = {}
    for name, path in files.items():
        if re.search(rf"^{re.escape(str(path))} valid$", text, re.M):
            verdicts[name] = True
        elif re.search(rf"^{re.escape(str(path))} invalid$", text, re.M):
            verdicts[name] = False
    assert verdicts.keys() == files.keys(), text[-2000:]
    return verdicts


# -- JSON Schema -------------------------------------------------------------------------------


def test_ajv_in_strict_mode_compiles_the_message_schema(ajv):
    out = ajv("compile")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "strict mode" not in out.stdout + out.stderr
    assert json.loads(SCHEMA.read_text("utf-8"))["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_ajv_in_strict_mode_compiles_the_activity_report_schema(ajv):
    out = ajv("compile", schema=GENERATED / "jsonschema" / "aktivitetsrapport.schema.json")
    assert out.returncode == 0, out.stdout + out.stderr


def test_ajv_python_jsonschema_and_jsonschema_rs_agree_on_every_example_and_defect(ajv, defects):
    import jsonschema
    import jsonschema_rs

    schema = json.loads(SCHEMA.read_text("utf-8"))
    reference = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    jsonschema.Draft202012Validator.check_schema(schema)
    rust = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    files = _json_files(defects)
    verdicts = _ajv_verdicts(ajv, files)
    assert verdicts["kad-melding.json"] is True
    for name, path in files.items():
        doc = json.loads(path.read_text("utf-8"))
        assert reference.is_valid(doc) == verdicts[name] == rust.is_valid(doc), name
    for rule_id, by_format in defects.items():
        name = f"{rule_id}.json"
        if name in verdicts and not rule_id.startswith("KAD-FIL-"):
            # The schema rejects a rule's defect exactly when the registry says it checks the rule
            # (a file that is no KAD message at all the schema rejects as well).
            assert verdicts[name] == ("json-schema" not in _checked_by(rule_id)), rule_id


def _with_admission_time(tmp_path, value: str) -> tuple[dict, object]:
    """The bundled example with its first stay admitted at ``value``, and the file it is written to."""
    message = json.loads((EXAMPLES / "kad-melding.json").read_text("utf-8"))
    message["opphold"][0]["innleggelsestidspunkt"] = value
    path = tmp_path / "m.json"
    path.write_text(json.dumps(message), encoding="utf-8")
    return message, path


@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_json_schema_tools_reject_impossible_times(ajv, tmp_path, value):
    import jsonschema
    import jsonschema_rs

    message, path = _with_admission_time(tmp_path, value)
    schema = json.loads(SCHEMA.read_text("utf-8"))
    assert not jsonschema.Draft202012Validator(schema).is_valid(message)
    assert not jsonschema_rs.validator_for(schema).is_valid(message)
    assert ajv("validate", "-d", str(path)).returncode != 0


@pytest.mark.parametrize("value", REAL)
def test_json_schema_tools_accept_real_times_with_or_without_seconds(ajv, tmp_path, value):
    import jsonschema

    message, path = _with_admission_time(tmp_path, value)
    assert jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text("utf-8"))).is_valid(message)
    assert ajv("validate", "-d", str(path)).returncode == 0


# -- XSD ---------------------------------------------------------------------------------------


def _xml_with_admission(tmp_path, value: str):
    text = (EXAMPLES / "kad-melding.xml").read_text("utf-8")
    text, count = re.subn(r"<innleggelsestidspunkt>[^<]*<", f"<innleggelsestidspunkt>{value}<", text, count=1)
    assert count == 1
    path = tmp_path / "m.xml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("value", IMPOSSIBLE + REAL)
def test_xmllint_xmlschema_and_lxml_judge_times_by_the_calendar(xmllint, tmp_path, value):
    import xmlschema
    from lxml import etree

    path = _xml_with_admission(tmp_path, value)
    expected = value in REAL
    linted = subprocess.run([xmllint, "--noout", "--schema", str(XSD), str(path)], capture_output=True, text=True)
    assert (linted.returncode == 0) is expected, linted.stderr
    assert xmlschema.XMLSchema10(str(XSD)).is_valid(str(path)) is expected
    assert etree.XMLSchema(etree.parse(str(XSD))).validate(etree.parse(str(path))) is expected


@pytest.mark.parametrize("value", ["2025-02-30T14:35:00", "2025-13-01T10:00"])
def test_kad_spec_reports_an_impossible_time_once_as_kad_tid_007_in_json_and_xml(tmp_path, value):
    from conftest import json_report

    xml_path = _xml_with_admission(tmp_path, value)
    message = json.loads((EXAMPLES / "kad-melding.json").read_text("utf-8"))
    message["opphold"][0]["innleggelsestidspunkt"] = value
    json_path = tmp_path / "m.json"
    json_path.write_text(json.dumps(message), encoding="utf-8")
    for path in (json_path, xml_path):
        code, report = json_report(path)
        found = [(f["rule_id"], f["pointer"]) for f in report["files"][0]["findings"]]
        assert code == 1 and found == [("KAD-TID-007", "/opphold/0/innleggelsestidspunkt")], (path, found)


def test_xmllint_rejects_the_xml_defect_of_each_rule_the_xsd_checks_and_only_those(xmllint, defects):
    from kad_spec.spec.catalogue import catalogue

    for rule_id, by_format in defects.items():
        path = by_format.get("xml")
        # An envelope rule's defect is a MsgHead document: kad.xsd is not its schema (tests/test_envelope.py).
        if path is None or catalogue()[rule_id].area == "konvolutt":
            continue
        linted = subprocess.run([xmllint, "--noout", "--schema", str(XSD), str(path)], capture_output=True, text=True)
        readable = "parser error" not in linted.stderr
        if readable:
            assert (linted.returncode != 0) is ("xsd" in _checked_by(rule_id)), (rule_id, linted.stderr)


# -- Schematron --------------------------------------------------------------------------------


def _schematron():
    from lxml import etree, isoschematron

    return isoschematron.Schematron(etree.parse(str(SCHEMATRON)), store_report=True)


def _fired(schematron, path) -> set[tuple[str, int, str]]:
    """(rule id, stay number from 0, message) of each failed assertion."""
    from lxml import etree

    schematron.validate(etree.parse(str(path)))
    fired = set()
    for failed in schematron.validation_report.iter(f"{SVRL}failed-assert"):
        rule_id = failed.get("id").rsplit("-", 1)[0]
        stay = re.search(r"'opphold'[^\]]*\]\[(\d+)\]", failed.get("location"))
        text = " ".join("".join(failed.itertext()).split())
        assert text.startswith(f"{rule_id}: "), text
        assert failed.get("role") in ("error", "warning")
        fired.add((rule_id, int(stay.group(1)) - 1 if stay else -1, text.removeprefix(f"{rule_id}: ")))
    return fired


def _reported(path, rule_ids) -> set[tuple[str, int, str]]:
    from conftest import json_report

    _, report = json_report(path)
    found = set()
    for finding in report["files"][0]["findings"]:
        if finding["rule_id"] in rule_ids:
            stay = re.match(r"/opphold/(\d+)", finding["pointer"] or "")
            found.add((finding["rule_id"], int(stay.group(1)) if stay else -1, finding["message"]))
    return found


def test_schematron_carries_the_conditional_requirements_with_rule_id_and_bokmaal_message():
    from kad_spec.spec.catalogue import catalogue

    text = SCHEMATRON.read_text("utf-8")
    for rule_id in ("KAD-DIA-002", "KAD-OPH-004", "KAD-TID-001"):
        assert f'<pattern id="{rule_id}">' in text
        assert "schematron" in _checked_by(rule_id)
    assert catalogue()["KAD-OPH-004"].message_nb in text


def test_schematron_fires_exactly_where_kad_spec_reports_its_rules(defects):
    from kad_spec.spec.catalogue import catalogue

    covered = {rid for rid in catalogue() if "schematron" in _checked_by(rid)}
    assert {"KAD-DIA-002", "KAD-OPH-004", "KAD-TID-001"} <= covered
    schematron = _schematron()
    xml_files = [EXAMPLES / "kad-melding.xml", *sorted(EXAMPLES.rglob("*.xml"))]
    xml_files += [by_format["xml"] for by_format in defects.values() if "xml" in by_format]
    checked = 0
    for path in xml_files:
        try:
            fired = _fired(schematron, path)
        except Exception:  # noqa: BLE001 - a file that is no XML at all is a case for the XML parser
            continue
        assert fired == _reported(path, covered), path.name  # same places, same bokmål messages
        checked += 1
    assert checked > len(covered)
    for rule_id in covered:  # each rule's own defect makes its assertion fire
        assert rule_id in {r for r, _, _ in _fired(schematron, defects[rule_id]["xml"])}


def test_xmllint_accepts_the_xml_defect_of_the_conditional_rules_but_schematron_does_not(xmllint, defects):
    schematron = _schematron()
    for rule_id in ("KAD-DIA-002", "KAD-OPH-004"):
        path = defects[rule_id]["xml"]
        linted = subprocess.run([xmllint, "--noout", "--schema", str(XSD), str(path)], capture_output=True, text=True)
        assert linted.returncode == 0, linted.stderr
        assert (rule_id, 0) in {(r, stay) for r, stay, _ in _fired(schematron, path)}


@pytest.mark.parametrize("admitted, discharged, rules", [
    ("2025-03-01T14:35:00", "2025-03-01T14:34", {"KAD-TID-001"}),  # seconds on one side only
    ("2025-03-01T14:35", "2025-03-01T14:35:00", set()),  # equal is allowed
    ("2025-03-01T14:35:01", "2025-03-01T14:35:00", {"KAD-TID-001"}),
    ("2025-03-01T14:35Z", "2025-03-01T10:00Z", {"KAD-TID-001"}),
    ("2025-03-01T14:35+01:00", "2025-03-02T10:00+01:00", set()),
    ("2025-03-01T14:35+01:00", "2025-02-28T10:00:00+01:00", {"KAD-TID-001"}),
    ("2024-12-31T23:59", "2025-01-01T00:00", set()),
    ("2016-12-30T10:00", "2017-01-02T10:00", {"KAD-TID-003"}),
])
def test_schematron_and_kad_spec_agree_on_edited_times(tmp_path, admitted, discharged, rules):
    from kad_spec.spec.catalogue import catalogue

    covered = {rid for rid in catalogue() if "schematron" in _checked_by(rid)}
    text = (EXAMPLES / "kad-melding.xml").read_text("utf-8")
    text = re.sub(r"<innleggelsestidspunkt>[^<]*<", f"<innleggelsestidspunkt>{admitted}<", text, count=1)
    text = re.sub(r"<utskrivningstidspunkt>[^<]*<", f"<utskrivningstidspunkt>{discharged}<", text, count=1)
    path = tmp_path / "m.xml"
    path.write_text(text, encoding="utf-8")
    fired = _fired(_schematron(), path)
    assert fired == _reported(path, covered)
    assert {rule for rule, _, _ in fired} == rules
