"""What validation finds, independent of how it is reported."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"
SEVERITY_ORDER = {WARNING: 1, ERROR: 2}

# 11 or more digits, also when written in groups ("128340 41276", "128340-41276"). Dots do not
# join groups: OIDs such as 2.16.578.1.12.4.1.1.3101 must stay readable.
_PERSON_ID_LIKE = re.compile(r"\d(?:[ -]?\d){10,}")


def mask_digits(text: str) -> str:
    """Hide every run of 11 or more digits but its last two: no report may show a person id.

    Nine- and ten-digit runs (organisation numbers, HER-ids, phone numbers) are left as they are.
    """

    def _mask(match: re.Match) -> str:
        run = match.group(0)
        digits = [c for c in run if c.isdigit()]
        return "*" * (len(digits) - 2) + "".join(digits[-2:])

    return _PERSON_ID_LIKE.sub(_mask, text)


@dataclass(frozen=True)
class Hit:
    """A rule implementation's raw result: which rule, where below the checked node, and the facts."""

    rule_id: str
    pointer: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    line: int | None = None  # set by readers that know the position (XML)


@dataclass
class Finding:
    rule_id: str
    severity: str
    file: str
    pointer: str
    params: dict[str, Any] = field(default_factory=dict)
    line: int | None = None
    column: int | None = None
    opphold_id: str | None = None
    waived: str | None = None  # the waiver's reason when a waiver applies
    xpath_base: str | None = None  # in an envelope: XPath of the message's holder, or of the envelope element itself

    def sort_key(self):
        return (self.file, self.line or 0, self.pointer, self.rule_id)
