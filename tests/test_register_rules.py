"""Every history rule's example sequences through the real CLI, into SQLite and PostgreSQL.

Each message of a sequence is written as a file and taken in with its own ``kad-spec register
ingest`` (the order of the sequence is the order the register receives them, as day by day);
then the unit's open list must have the rule (a failing example) or not (a passing one).
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy

from conftest import base_message, invoke
from kad_spec.register import history, schema
from kad_spec.register.keys import KEY_ENV
from kad_spec.register.store import engine_url
from kad_spec.spec.catalogue import catalogue

KEY = "9f2c" * 16
RULES = catalogue()
SEQUENCES = [
    pytest.param(rule_id, index, id=f"{rule_id}-{example.name}")
    for rule_id, rule in sorted(RULES.items())
    if rule.implementation.kind == "history"
    for index, example in enumerate(rule.examples)
]


def open_findings(url: str) -> list[tuple[str, str]]:
    """(rule, severity) of every finding open on the register's lists."""
    engine = sqlalchemy.create_engine(engine_url(url))
    try:
        with engine.connect() as connection:
            f = schema.funn
            query = sqlalchemy.select(f.c.regel, f.c.alvorlighet).where(f.c.lukket_utc.is_(None)).order_by(f.c.id)
            return [tuple(row) for row in connection.execute(query)]
    finally:
        engine.dispose()


def ingest_sequence(example, url: str, folder) -> list[int]:
    """Each message of the sequence in its own ingest; their exit codes."""
    base = base_message()
    codes = []
    for number, step in enumerate(example.sequence, start=1):
        path = folder / f"melding-{number}.json"
        path.write_text(json.dumps(step.document(base), ensure_ascii=False, indent=2), encoding="utf-8")
        result = invoke("register", "ingest", path, "--db", url, "--format", "json")
        assert result.exit_code in (0, 1), (result.exit_code, result.output)
        codes.append(result.exit_code)
    return codes


def test_every_history_rule_has_sequences():
    assert {param.values[0] for param in SEQUENCES} == {
        getattr(history, name) for name in dir(history) if name.startswith("REG_")}


def test_each_rule_names_its_own_function_of_history():
    named = {}
    for rule in RULES.values():
        if rule.implementation.kind == "history":
            (handler,) = rule.implementation.handlers
            module, _, name = handler.rpartition(".")
            assert module == "kad_spec.register.history" and callable(getattr(history, name)), rule.id
            assert getattr(history, "REG_" + rule.id.rsplit("-", 1)[1]) == rule.id
            named[name] = rule.id
    assert len(named) == len({rule_id for rule_id, _ in (p.values for p in SEQUENCES)})  # none shared


@pytest.mark.parametrize("rule_id, index", SEQUENCES)
def test_sequence_through_cli(rule_id, index, register_url, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    rule = RULES[rule_id]
    example = rule.examples[index]
    codes = ingest_sequence(example, register_url, tmp_path)
    found = open_findings(register_url)
    rules_found = {regel for regel, _ in found}
    errors = sorted({regel for regel, severity in found if severity == "error"})
    if example.expect == "pass":
        assert rule_id not in rules_found, f"passing sequence left {rule_id} open: {found}"
        assert errors == [], f"passing sequence of {rule_id} left errors open: {found}"
        assert codes == [0] * len(codes)
        return
    assert rule_id in rules_found, f"failing sequence did not open {rule_id}: {found}"
    assert {severity for regel, severity in found if regel == rule_id} == {rule.severity}
    others = [regel for regel in errors if regel != rule_id]
    assert others == [], f"failing sequence of {rule_id} also left errors open: {found}"
    assert codes[-1] == (1 if rule.severity == "error" else 0)
