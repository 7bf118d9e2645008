"""The lint and diff checks share one registry shape: id, level, handler, message in both languages.

Every entry must name a function of the package that really speaks of its id, a level the tool
knows, a message in bokmål and English, and a row in the documentation of the tools.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from kad_spec.tools import diff, lint

DOCS = (Path(__file__).parents[1] / "docs" / "verktoy.md").read_text(encoding="utf-8")
TABLES = {
    "lint": (lint.CHECKS, set(lint.LEVELS), r"LINT-\d{3}"),
    "diff": (diff.CHECKS, {diff.BREAKING, diff.NON_BREAKING, diff.DOCUMENTATION, diff.VERSIONING}, r"DIFF-\d{3}"),
}
ENTRIES = [pytest.param(tool, check_id, id=check_id) for tool, (table, _, _) in TABLES.items() for check_id in table]


@pytest.mark.parametrize(("tool", "check_id"), ENTRIES)
def test_entry_is_complete(tool, check_id):
    table, levels, id_form = TABLES[tool]
    check = table[check_id]
    assert re.fullmatch(id_form, check.id)
    assert check.levels and set(check.levels) <= levels, check.levels
    assert check.message.nb.strip() and check.message.en.strip()
    assert check.message.nb != check.message.en


@pytest.mark.parametrize(("tool", "check_id"), ENTRIES)
def test_handler_exists_and_speaks_of_its_id(tool, check_id):
    check = TABLES[tool][0][check_id]
    module = inspect.getmodule(check.handler)
    assert module is not None and module.__name__.startswith("kad_spec."), check.handler
    assert getattr(module, check.handler.__name__) is check.handler, "the handler is a function of its module"
    assert f'"{check_id}"' in inspect.getsource(module), f"{check.handler.__qualname__}'s module never names {check_id}"


@pytest.mark.parametrize(("tool", "check_id"), ENTRIES)
def test_every_check_is_documented(tool, check_id):
    assert re.search(rf"^\| {check_id} \|", DOCS, re.M), f"{check_id} has no row in docs/verktoy.md"


def test_lint_runs_every_handler_once_in_table_order():
    assert lint.handlers() == list(dict.fromkeys(c.handler for c in lint.CHECKS.values()))
    assert len(set(lint.handlers())) == len(lint.handlers())


def test_every_id_in_the_code_is_in_a_table():
    """An id written in the tools' code but missing from the table would have no level."""
    for tool, (table, _, id_form) in TABLES.items():
        module = lint if tool == "lint" else diff
        written = set(re.findall(rf'"({id_form})"', inspect.getsource(module)))
        assert written <= set(table), sorted(written - set(table))
