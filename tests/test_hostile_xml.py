"""Hostile XML through the real CLI: entities, DTDs, depth and huge text are refused with
KAD-FIL-001 and a line, quickly, and nothing behind an entity is ever read."""

from __future__ import annotations

import json

import pytest

from hostile import SECRET, assert_no_traceback, hostile_xml, run_cli

FORMATS = ("text", "json", "junit", "sarif")
REFUSED_BY_DOCTYPE = ("xxe-fil.xml", "xxe-http.xml", "xxe-parameter.xml", "ekstern-dtd.xml", "billion-laughs.xml",
                      "xxe-etter-lang-kommentar.xml", "billion-laughs-etter-lang-kommentar.xml")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return hostile_xml(tmp_path_factory.mktemp("xml"))


@pytest.mark.parametrize("name", REFUSED_BY_DOCTYPE)
def test_doctype_is_refused_with_its_line(cli, files, name):
    result = cli("validate", "--format", "json", files[name])
    assert result.exit_code == 1
    assert_no_traceback(result.stdout, result.stderr)
    found = json.loads(result.stdout)["files"][0]["findings"]
    assert [f["rule_id"] for f in found] == ["KAD-FIL-001"]
    assert "DOCTYPE" in found[0]["message"]
    assert found[0]["line"] == (3 if "kommentar" in name else 2)


@pytest.mark.parametrize("name, reason", [
    ("dyp-nesting.xml", "depth"), ("dyp-nesting-i-opphold.xml", "depth"), ("stor-tekstnode.xml", "Text node"),
])
def test_depth_and_huge_text_are_refused(cli, files, name, reason):
    result = cli("validate", "--format", "json", files[name])
    assert result.exit_code == 1
    assert_no_traceback(result.stdout, result.stderr)
    found = json.loads(result.stdout)["files"][0]["findings"]
    assert [f["rule_id"] for f in found] == ["KAD-FIL-001"]
    assert reason in found[0]["message"] and found[0]["line"] == 1 and found[0]["column"]


def test_every_attack_is_rejected_fast_in_a_fresh_process(files):
    """One process per file: no hang (timeout), no traceback, exit 1. The time is a hang guard."""
    for name, path in files.items():
        if not name.endswith(".xml"):
            continue
        run = run_cli("validate", path, timeout=20)
        assert run.returncode == 1, (name, run.stderr)
        assert_no_traceback(run.stdout, run.stderr)
        assert "KAD-FIL-001" in run.stdout
        assert run.seconds < 20, name


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", ["nb", "en"])
def test_entity_target_never_appears_in_any_output(cli, files, fmt, lang, tmp_path):
    paths = [files[n] for n in REFUSED_BY_DOCTYPE]
    result = cli("validate", "--format", fmt, "--lang", lang, *paths)
    assert result.exit_code == 1
    assert SECRET not in result.stdout and SECRET not in result.stderr
    assert "lollol" not in result.stdout
    target = tmp_path / f"rapport.{fmt}"
    cli("validate", "--format", fmt, "--output", target, *paths)
    assert SECRET not in target.read_text(encoding="utf-8")


def test_whole_document_parser_refuses_them_too(files):
    from kad_spec.message.xmlmap import XmlInputError, parse_xml_bytes

    for name in REFUSED_BY_DOCTYPE:
        with pytest.raises(XmlInputError):
            parse_xml_bytes(files[name].read_bytes())
