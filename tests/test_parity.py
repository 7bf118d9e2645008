"""The JSON and the XML form of the same content give the same findings."""

from __future__ import annotations

import copy
import json

import pytest

from conftest import EXAMPLES

BASE = json.loads((EXAMPLES / "kad-melding.json").read_text(encoding="utf-8"))


def _findings(validate_json, path):
    _, report = validate_json(path)
    return sorted((f["rule_id"], f["severity"], f["pointer"], f["opphold_id"]) for f in report["files"][0]["findings"])


# A broken file (KAD-FIL-*) has no common content to compare.
PAIRS = sorted({p.stem for p in (EXAMPLES / "ugyldig").glob("*.xml") if not p.stem.startswith("KAD-FIL")} | {"kad-melding"})


@pytest.mark.parametrize("stem", PAIRS)
def test_bundled_pairs_agree(validate_json, stem):
    folder = EXAMPLES if stem == "kad-melding" else EXAMPLES / "ugyldig"
    json_path, xml_path = folder / f"{stem}.json", folder / f"{stem}.xml"
    assert _findings(validate_json, json_path) == _findings(validate_json, xml_path)


MUTATIONS = {
    "navn mangler": lambda d: d["virksomhet"].pop("navn"),
    "ukjent kjønn": lambda d: d["opphold"][0]["pasient"].__setitem__("kjonn", "3"),
    "alder over 130": lambda d: d["opphold"][0]["pasient"].__setitem__("alder", 131),
    "utskrevet til mangler": lambda d: d["opphold"][0].pop("utskrevet_til"),
    "kategori mangler": lambda d: d["opphold"][0]["henvist_fra"].pop("kategori"),
    "innskrivningsdiagnoser mangler": lambda d: d["opphold"][0].pop("innskrivningsdiagnoser"),
    "pasient-id mangler": lambda d: d["opphold"][1]["pasient"].pop("id"),
    "tjenestekommuner mangler": lambda d: d["virksomhet"].pop("tjenestekommuner"),
    "meldingsinfo mangler": lambda d: d.pop("meldingsinfo"),
    "ukjent status": lambda d: d["opphold"][3].__setitem__("status", "X"),
    # The XSD names the optional elements it would also accept first: the missing one is the required one.
    "henvist_fra mangler sist i oppholdet": lambda d: [d["opphold"][0].pop(k, None) for k in ("henvist_fra", "utskrevet_til")],
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_mutations_agree(validate_json, tmp_path, name):
    from kad_spec.message.xmlmap import to_xml

    message = copy.deepcopy(BASE)
    MUTATIONS[name](message)
    json_path, xml_path = tmp_path / "m.json", tmp_path / "m.xml"
    json_path.write_text(json.dumps(message, indent=2, ensure_ascii=False), encoding="utf-8")
    xml_path.write_bytes(to_xml(message))
    from_json = _findings(validate_json, json_path)
    assert from_json, "the mutation must produce a finding"
    assert from_json == _findings(validate_json, xml_path)
