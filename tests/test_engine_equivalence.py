"""The validation engine's findings on a mutated corpus are exactly those it reported before.

``benchmarks/corpus.py`` generates the corpus deterministically (4000 stays, seed 14: an indented
JSON message, an XML message, a one-line JSON message, messages with header defects or from
other years, every failing catalogue example, unreadable files and an envelope), a quarter of the
stays mutated with the defects the catalogue describes. ``kad-spec validate --format json`` runs
on the folder, and the report, reduced to a canonical order-independent form, must equal
``tests/fixtures/corpus/expected-4000.json``, which the engine wrote before any rewrite. Rewrite
that file only for a deliberate change of behaviour (``python benchmarks/corpus.py --write-expected``)
and say why in the commit. ``python benchmarks/corpus.py --compare --stays 100000`` does the same
with 100 000 stays against ``tests/fixtures/corpus/reference-100k.json``.

Every catalogued rule is found in the corpus; no rule is left out. These rules are found only in
the small files beside the main messages, because their defect is not in a stay:

- KAD-DIA-004: only stays that no code-list edition covers have it (ICD-10 before 2020, in
  ``h-2017`` and ``h-2019``); the main messages are from 2025.
- KAD-ID-005: the header says ``produksjon`` (``h-produksjon``).
- KAD-KL-003: the service municipalities are in the header.
- KAD-MLD-001, KAD-MLD-002: the header's version and creation time.
- KAD-FIL-001, KAD-FIL-002, KAD-FIL-004: the whole file cannot be read as a KAD message.
- KAD-KONV-001 … KAD-KONV-009: the MsgHead envelope.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from corpus_module import load_corpus_module
from kad_spec.spec.catalogue import catalogue

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ROOT / "tests" / "fixtures" / "corpus" / "expected-4000.json"
REFERENCE_100K = ROOT / "tests" / "fixtures" / "corpus" / "reference-100k.json"
NOT_IN_CORPUS: set[str] = set()
# The rules validation finds; the register's history rules need a sequence of messages (tests/test_register_rules.py).
VALIDATED = {rule_id for rule_id, rule in catalogue().items() if rule.implementation.kind != "history"}
ONLY_BESIDE_MAIN_MESSAGES = {
    "KAD-DIA-004", "KAD-ID-005", "KAD-KL-003", "KAD-MLD-001", "KAD-MLD-002",
    "KAD-FIL-001", "KAD-FIL-002", "KAD-FIL-004", *(f"KAD-KONV-{n:03d}" for n in range(1, 10)),
}


corpus = load_corpus_module()


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validated(tmp_path_factory) -> tuple[dict, str]:
    directory = tmp_path_factory.mktemp("corpus")
    files = corpus.write_corpus(directory, expected_stays(), expected_seed())
    return corpus.canonical(corpus.validate(directory)), corpus.corpus_digest(files)


def expected_stays() -> int:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))["summary"]["stays"]


def expected_seed() -> int:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))["summary"]["seed"]


def test_the_generator_writes_the_corpus_the_expected_report_was_made_from(validated, expected):
    _, digest = validated
    assert digest == expected["summary"]["corpus_sha256"], (
        "benchmarks/corpus.py or its inputs (generator, catalogue examples) changed the corpus; "
        "the expected report no longer describes it")


def test_findings_equal_the_expected_report(validated, expected):
    form, _ = validated
    canonical_expected = {"files": expected["files"], "findings": expected["findings"]}
    diff = corpus.differences(canonical_expected, form)
    assert not diff, "the engine's findings changed:\n" + "\n".join(diff)
    assert form == canonical_expected


def test_every_catalogued_rule_is_found_in_the_corpus(expected):
    found = {row[1] for row in expected["findings"]}
    assert found <= set(catalogue()), f"findings of uncatalogued rules: {sorted(found - set(catalogue()))}"
    assert VALIDATED - found == NOT_IN_CORPUS


def test_the_main_messages_carry_every_rule_a_stay_can_break(expected):
    in_main = {row[1] for row in expected["findings"] if row[0].startswith("m-")}
    assert VALIDATED - in_main == ONLY_BESIDE_MAIN_MESSAGES


def test_every_rule_occurs_many_times_in_the_main_messages(expected):
    counts: dict[str, int] = {}
    for row in expected["findings"]:
        if row[0].startswith("m-"):
            counts[row[1]] = counts.get(row[1], 0) + 1
    rare = {rule: n for rule, n in counts.items() if n < 2}
    assert not rare, f"rules found only once in the main messages: {rare}"


def test_the_report_shows_no_full_identifier(expected):
    text = EXPECTED.read_text(encoding="utf-8")
    assert not re.search(r"\d{11,}", text)


def test_the_100k_reference_covers_every_rule():
    reference = json.loads(REFERENCE_100K.read_text(encoding="utf-8"))
    assert reference["stays"] == 100_000
    assert VALIDATED - set(reference["rule_counts"]) == NOT_IN_CORPUS
    assert sum(reference["rule_counts"].values()) == reference["findings"]
    assert re.fullmatch(r"[0-9a-f]{64}", reference["canonical_sha256"])


def test_the_command_writes_what_the_module_writes(tmp_path):
    command = [sys.executable, str(ROOT / "benchmarks" / "corpus.py"), "--stays", "60", "--seed", "3"]
    written, xml = tmp_path / "a.json", tmp_path / "a.xml"
    for target in (written, xml):
        subprocess.run([*command, "-o", str(target)], check=True, capture_output=True)
    again = tmp_path / "b.json"
    corpus.write_message(again, 60, 3, "json")
    assert written.read_bytes() == again.read_bytes()
    assert xml.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<KadMelding')
    report = corpus.validate(tmp_path)
    assert all(file["stays"] >= 60 for file in report["files"])
    assert all(file["findings"] for file in report["files"])
