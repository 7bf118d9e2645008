"""The shape of the tools' checks: one table per tool, like the rule catalogue for messages.

``kad-spec lint`` and ``kad-spec diff`` each keep one table of :class:`Check` entries: a
stable id, the level of what the check finds, the function that finds it (the handler) and
what it finds, in bokmål and English. A reader answers "where does LINT-007 come from" by
reading one line, and a test holds every entry to its handler and to the documentation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from kad_spec.spec.text import Text


@dataclass(frozen=True)
class Check:
    id: str
    level: str | tuple[str, ...]  # one level (lint), or the levels its findings can have (diff)
    handler: Callable[..., Any]
    message: Text  # what the check finds
    classification: Text | None = None  # when a finding gets which level, where that depends on the change

    @property
    def levels(self) -> tuple[str, ...]:
        return self.level if isinstance(self.level, tuple) else (self.level,)


def registry(*checks: Check) -> dict[str, Check]:
    """The checks by id, in the order given; an id given twice is a fault in the table."""
    table: dict[str, Check] = {}
    for check in checks:
        if check.id in table:
            raise ValueError(f"check id {check.id} is in the table twice")
        table[check.id] = check
    return table
