"""Property-based tests: generated valid messages pass, single mutations are caught with the
right rule id, and no byte sequence makes the CLI crash.

A bounded number of examples runs in the normal test run; ``KAD_SPEC_FUZZ_EXAMPLES`` raises
it (``python benchmarks/fuzz.py --examples 5000`` does that). No example database is written.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import tempfile
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from hostile import BASE_JSON, BASE_XML, assert_no_traceback

EXAMPLES = int(os.environ.get("KAD_SPEC_FUZZ_EXAMPLES", "20"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not os.environ.get("KAD_SPEC_FUZZ_RANDOM"),
                suppress_health_check=list(HealthCheck))
LAST_YEAR = date.today().year - 1


@cache
def validator():
    from kad_spec.validation.engine import Validator

    return Validator()


def generated(seed: int, year: int, count: int) -> dict:
    from kad_spec.tools.example import ExampleOptions, plan

    made = plan(ExampleOptions(count=count, seed=seed, year=year))
    return {**made.header(), "opphold": list(made.stays(0, count))}


def validate_message(message: dict | bytes, suffix: str = ".json"):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"melding{suffix}"
        path.write_bytes(message if isinstance(message, bytes) else json.dumps(message, ensure_ascii=False).encode())
        result = validator().validate_file(path)
    assert result.internal_error is None, result.internal_error
    return result


messages = st.builds(generated, seed=st.integers(0, 10_000), year=st.integers(2017, LAST_YEAR),
                     count=st.integers(1, 6))


@FUZZ
@given(message=messages)
def test_generated_messages_pass(message):
    errors = [f for f in validate_message(message).findings if f.severity == "error"]
    assert errors == []


@FUZZ
@given(seed=st.integers(0, 10_000), year=st.integers(2017, LAST_YEAR))
def test_generated_xml_messages_pass(seed, year):
    from kad_spec.message.xmlmap import to_xml

    errors = [f for f in validate_message(to_xml(generated(seed, year, 3)), ".xml").findings if f.severity == "error"]
    assert errors == []


# --- single mutations ---------------------------------------------------------------------

REQUIRED = {
    "opphold_id": "KAD-STR-001", "status": "KAD-STR-001", "pasient": "KAD-STR-001",
    "innleggelsestidspunkt": "KAD-STR-001", "innskrivningsdiagnoser": "KAD-DIA-001", "henvist_fra": "KAD-STR-001",
    "pasient.id": "KAD-STR-001", "pasient.id_type": "KAD-STR-001", "pasient.kjonn": "KAD-STR-001",
    "pasient.alder": "KAD-STR-001", "pasient.bostedskommune": "KAD-STR-001",
    "utskrevet_til": "KAD-OPH-004", "utskrivningsdiagnoser": "KAD-DIA-002",
}


def _drop(stay: dict, field: str) -> bool:
    *parents, last = field.split(".")
    node = stay
    for part in parents:
        node = node.get(part)
        if not isinstance(node, dict):
            return False
    return node.pop(last, None) is not None


def _corrupt_check_digit(stay: dict) -> str:
    number = stay["pasient"]["id"]
    stay["pasient"]["id"] = number[:-1] + str((int(number[-1]) + 1) % 10)
    return "KAD-ID-001"


def _swap_times(stay: dict) -> str | None:
    if "utskrivningstidspunkt" not in stay:
        return None
    stay["innleggelsestidspunkt"], stay["utskrivningstidspunkt"] = (
        stay["utskrivningstidspunkt"], stay["innleggelsestidspunkt"])
    return "KAD-TID-001"


UNKNOWN_CODES = {
    ("pasient", "kjonn"): ("7", "KAD-KL-001"),
    ("henvist_fra", "kategori"): ("77", "KAD-KL-001"),
    # Not in the edition of the admission date (DIA-003), or, for a year whose edition is not
    # bundled, not in the nearest edition (DIA-004, a warning).
    ("innskrivningsdiagnoser", 0, "kode"): (None, ("KAD-DIA-003", "KAD-DIA-004")),
}


def _unknown_code(stay: dict, where: tuple):
    value, rule = UNKNOWN_CODES[where]
    node = stay
    for part in where[:-1]:
        node = node[part]
    if value is None:  # a code in the form of the stated code system, but not in it
        value = "Z99" if node["kodeverk"] == "ICPC-2" else "U999"
    node[where[-1]] = value
    return rule


mutations = st.one_of(
    st.tuples(st.just("drop"), st.sampled_from(sorted(REQUIRED))),
    st.tuples(st.just("check_digit"), st.none()),
    st.tuples(st.just("swap"), st.none()),
    st.tuples(st.just("code"), st.sampled_from(sorted(UNKNOWN_CODES, key=str))),
)


@FUZZ
@given(message=messages, mutation=mutations, data=st.data())
def test_single_mutation_is_caught_with_its_rule(message, mutation, data):
    index = data.draw(st.integers(0, len(message["opphold"]) - 1))
    broken = copy.deepcopy(message)
    stay = broken["opphold"][index]
    kind, what = mutation
    if kind == "drop":
        expected = REQUIRED[what] if _drop(stay, what) else None
    elif kind == "check_digit":
        expected = _corrupt_check_digit(stay)
    elif kind == "swap":
        expected = _swap_times(stay)
    else:
        expected = _unknown_code(stay, what)
    if expected is None:
        return  # the field is absent in this stay (an ongoing stay has no discharge)
    found = {(f.rule_id, f.opphold_id) for f in validate_message(broken).findings}
    alternatives = expected if isinstance(expected, tuple) else (expected,)
    assert any((rule, stay.get("opphold_id")) in found for rule in alternatives), (mutation, found)


# --- bytes --------------------------------------------------------------------------------

SEEDS = [BASE_JSON.read_bytes(), BASE_XML.read_bytes()]


@st.composite
def mangled(draw):
    """The example's bytes with a few random edits: most stay close to a real message."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "cut"]))
        chunk = draw(st.binary(min_size=1, max_size=8))
        if op == "insert":
            data[at:at] = chunk
        elif op == "delete":
            del data[at : at + len(chunk)]
        elif op == "replace":
            data[at : at + len(chunk)] = chunk
        else:
            del data[at:]
    return bytes(data)


fuzz_bytes = st.one_of(
    st.binary(max_size=600),
    mangled(),
    st.builds(lambda a, b: a + b, st.sampled_from([b"{", b"[", b"<", b"\xef\xbb\xbf{", b'{"opphold": [']),
              st.binary(max_size=300)),
)


@FUZZ
@given(data=fuzz_bytes, suffix=st.sampled_from([".json", ".xml", ".txt"]))
def test_no_bytes_crash_the_cli(data, suffix):
    from kad_spec.cli import app

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        result = CliRunner().invoke(app, ["validate", "--format", "json", str(path)], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stderr
    assert_no_traceback(result.stdout, result.stderr)
    assert json.loads(result.stdout)["summary"]["files"] == 1
