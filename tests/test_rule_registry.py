"""One rule registry: every catalogue entry names its implementation, and the engine proves it.

Each rule in ``model/rules/`` says in ``implementation`` what finds it: check functions
(``check``), schema keywords (``schema``) or the reader (``reader``). Every failing example is
validated with a trace of which handler produced each hit: the rule must be found by the handler
its entry names, and no handler may report a rule whose entry names another.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kad_spec.spec.catalogue import catalogue
from kad_spec.message import ReadFailure, open_document
from kad_spec.rules import registered_checks, unnamed_checks
from kad_spec.validation.engine import FileResult, Settings, Validator
from test_rule_catalogue import write_example

RULES = catalogue()
FAILING = [
    pytest.param(rule_id, index, id=f"{rule_id}-{example.name}")
    for rule_id, rule in sorted(RULES.items())
    for index, example in enumerate(rule.examples)
    if example.expect == "fail" and example.sequence is None  # history rules: never found in one file
]


def allowed_origins(rule, file_format: str) -> set[str]:
    impl = rule.implementation
    if impl.kind == "check":
        return set(impl.handlers)
    if impl.kind == "history":
        return set()  # found by kad-spec register ingest across messages, never by validating a file
    if impl.kind == "schema":
        # An XML message is checked against the XSD while it is read: schema findings come from the reader.
        return {"schema", "reader"} if file_format == "xml" else {"schema"}
    return {"reader"}


def traced_hits(path: Path) -> tuple[str, list[tuple[str, str]]]:
    """(format, [(origin, rule id)]) of every hit of a validation of ``path``."""
    validator = Validator(Settings())
    found: list[tuple[str, str]] = []
    try:
        doc = open_document(path)
    except ReadFailure as failure:
        return "unreadable", [("reader", failure.rule_id)]
    result = FileResult(path=str(path))
    validator.check_document(doc, result, trace=lambda origin, hit: found.append((origin, hit.rule_id)))
    return doc.format, found


def test_every_named_check_is_registered_and_every_registered_check_is_named():
    checks = registered_checks()
    named = {name for rule in RULES.values() if rule.implementation.kind == "check"
             for name in rule.implementation.handlers}
    assert named - set(checks) == set(), "named in the catalogue, not registered"
    assert unnamed_checks() == set(), "registered, but no rule names it"


@pytest.mark.parametrize("rule_id, index", FAILING)
def test_the_named_handler_finds_the_rule_and_no_handler_finds_another_rule(rule_id, index, tmp_path):
    rule = RULES[rule_id]
    path = write_example(rule.examples[index], tmp_path)
    file_format, hits = traced_hits(path)
    mine = {origin for origin, found in hits if found == rule_id}
    assert mine, f"{rule_id}: no hit at all on its failing example"
    assert mine <= allowed_origins(rule, file_format), f"{rule_id} found by {mine}, declared {rule.implementation}"
    strays = [(origin, found) for origin, found in hits
              if origin not in allowed_origins(RULES[found], file_format)]
    assert strays == [], "handlers reporting rules whose entries name another implementation"
