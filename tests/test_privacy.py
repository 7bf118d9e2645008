"""No report may show a full personal id: at most its last two digits.

Every format (text, json, junit, sarif) in both languages runs over every example message
and over messages made here that put synthetic (Tenor) person numbers where validation
echoes values back: wrong check digits, wrong id types, ids in code fields, ids as element
names, as stay ids, in file names, in broken files and in waiver reasons.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kad_spec.ids import personnr

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
BASE = EXAMPLES / "kad-melding.json"
BASE_XML = EXAMPLES / "kad-melding.xml"
FORMATS = ("text", "json", "junit", "sarif")
LONG_DIGIT_RUN = re.compile(r"\d{11,}")

# Tenor (synthetic) persons from the base example: an FNR and a DNR with month + 80.
FNR = "12834041276"
DNR = "52854721089"


def wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def base() -> dict:
    return json.loads(BASE.read_text(encoding="utf-8"))


def made_messages() -> dict[str, str]:
    """File name -> text; each puts a person id somewhere a report might repeat it."""
    files: dict[str, str] = {}

    def variant(name: str, change) -> None:
        message = base()
        change(message)
        files[name] = json.dumps(message, indent=2, ensure_ascii=False)

    def stay(message) -> dict:
        return message["opphold"][0]

    variant("feil-kontrollsiffer-fnr.json", lambda m: stay(m)["pasient"].update(id=wrong_check_digit(FNR)))
    variant("feil-kontrollsiffer-dnr.json",
            lambda m: m["opphold"][1]["pasient"].update(id=wrong_check_digit(DNR)))
    variant("dnr-som-fnr.json", lambda m: m["opphold"][1]["pasient"].update(id_type="FNR"))
    variant("fnr-som-dnr.json", lambda m: stay(m)["pasient"].update(id_type="DNR"))
    variant("id-i-id-type.json", lambda m: stay(m)["pasient"].update(id_type=FNR))
    variant("id-i-kjonn.json", lambda m: stay(m)["pasient"].update(kjonn=FNR))
    variant("id-i-kommune.json", lambda m: stay(m)["pasient"].update(bostedskommune=FNR))
    variant("id-som-alder-tekst.json", lambda m: stay(m)["pasient"].update(alder=FNR))
    variant("id-som-alder-tall.json", lambda m: stay(m)["pasient"].update(alder=int(FNR)))
    variant("id-som-tall.json", lambda m: stay(m)["pasient"].update(id=int(FNR)))
    variant("id-med-tolv-siffer.json", lambda m: stay(m)["pasient"].update(id=FNR + "1"))
    variant("id-som-element.json", lambda m: stay(m)["pasient"].update({FNR: FNR}))
    variant("id-som-opphold-id.json", lambda m: stay(m).update(opphold_id=FNR))
    variant("id-i-opphold-id.json", lambda m: stay(m).update(opphold_id=f"KAD-{DNR}"))
    variant("id-i-diagnose.json", lambda m: stay(m)["innskrivningsdiagnoser"][0].update(kode=FNR))
    variant("id-i-tidspunkt.json", lambda m: stay(m).update(innleggelsestidspunkt=FNR))
    variant("id-i-orgnr.json", lambda m: m["virksomhet"].update(organisasjonsnummer=FNR))
    variant(f"{FNR}.json", lambda m: None)
    files["avkortet-med-id.json"] = BASE.read_text(encoding="utf-8").split(FNR)[0] + FNR
    files["dobbel-nokkel.json"] = BASE.read_text(encoding="utf-8").replace(
        f'"id": "{FNR}"', f'"id": "{FNR}", "id": "{DNR}"')
    xml = BASE_XML.read_text(encoding="utf-8")
    files["id-i-id-type.xml"] = xml.replace("<id_type>FNR</id_type>", f"<id_type>{FNR}</id_type>", 1)
    files["feil-kontrollsiffer.xml"] = xml.replace(FNR, wrong_check_digit(FNR))
    files["id-i-kjonn.xml"] = xml.replace("<kjonn>2</kjonn>", f"<kjonn>{FNR}</kjonn>", 1)
    files["id-som-alder.xml"] = xml.replace("<alder>84</alder>", f"<alder>{FNR}</alder>", 1)
    files["id-som-element.xml"] = xml.replace("<kjonn>2</kjonn>", f"<kjonn>2</kjonn><p{FNR}>{FNR}</p{FNR}>", 1)
    files["id-som-opphold-id.xml"] = xml.replace("<opphold_id>KAD-2025-000123</opphold_id>",
                                                 f"<opphold_id>{FNR}</opphold_id>", 1)
    files[f"{DNR}.xml"] = xml
    files["avkortet-med-id.xml"] = xml.split(FNR)[0] + FNR
    return files


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> tuple[Path, list[Path]]:
    directory = tmp_path_factory.mktemp("privacy")
    for name, text in made_messages().items():
        (directory / name).write_text(text, encoding="utf-8")
    examples = sorted(p for p in EXAMPLES.rglob("*") if p.suffix in (".json", ".xml"))
    (directory / "kad-spec.yaml").write_text(
        "waivers:\n"
        f"  - rule: KAD-STR-004\n    reason: Gjelder pasient {FNR} og {DNR}.\n"
        f"  - rule: KAD-KL-001\n    opphold_id: '{FNR}'\n    reason: Se {FNR}.\n"
        f"  - rule: KAD-STR-003\n    reason: Utløpt for {DNR}.\n    expires: 2001-01-01\n",
        encoding="utf-8")
    return directory, examples + sorted(p for p in directory.iterdir() if p.suffix in (".json", ".xml"))


def person_ids_in(paths: list[Path]) -> set[str]:
    ids = set()
    for path in paths:
        ids.update(LONG_DIGIT_RUN.findall(path.name))
        ids.update(LONG_DIGIT_RUN.findall(path.read_text(encoding="utf-8", errors="replace")))
    return ids


def test_the_inputs_do_hold_person_ids(inputs):
    directory, paths = inputs
    ids = person_ids_in(paths)
    assert FNR in ids and DNR in ids and wrong_check_digit(FNR) in ids
    assert personnr.is_valid(FNR) and personnr.is_valid(DNR)
    assert not personnr.is_valid(wrong_check_digit(FNR))


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_no_report_shows_a_full_person_id(cli, inputs, monkeypatch, fmt, lang):
    directory, paths = inputs
    monkeypatch.chdir(directory)
    result = cli("validate", "--format", fmt, "--lang", lang, "--config", "kad-spec.yaml", *paths)
    assert result.exit_code == 1, result.stderr
    out = result.stdout
    assert "KAD-" in out  # the run did report findings
    for person_id in person_ids_in(paths):
        assert person_id not in out, f"{fmt}/{lang} shows {person_id[:2]}…"
    leaks = LONG_DIGIT_RUN.findall(out)
    assert not leaks, f"{fmt}/{lang} shows {len(leaks)} run(s) of 11+ digits"
    assert "*********76" in out  # the FNR is shown masked, with its last two digits


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_file_is_masked_too(cli, inputs, monkeypatch, tmp_path, fmt):
    directory, paths = inputs
    monkeypatch.chdir(directory)
    target = tmp_path / f"rapport.{fmt}"
    cli("validate", "--format", fmt, "--output", target, *paths)
    assert not LONG_DIGIT_RUN.findall(target.read_text(encoding="utf-8"))


def test_usage_errors_do_not_show_a_person_id(cli, tmp_path):
    missing = tmp_path / f"{FNR}.json"
    result = cli("validate", missing)
    assert result.exit_code == 2
    assert "*********76" in result.stderr
    assert not LONG_DIGIT_RUN.findall(result.stderr + result.stdout)
    config = tmp_path / "k.yaml"
    config.write_text(f"severity_overrides:\n  {FNR}: warning\n", encoding="utf-8")
    result = cli("validate", "--config", config, BASE)
    assert result.exit_code == 2
    assert "ukjent regel-id" in result.stderr
    assert not LONG_DIGIT_RUN.findall(result.stderr + result.stdout)
