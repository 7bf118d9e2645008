"""What validation finds, independent of how it is reported."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kad_spec.output import mask

ERROR = "error"
WARNING = "warning"
SEVERITY_ORDER = {WARNING: 1, ERROR: 2}


def mask_digits(text: str) -> str:
    """Hide every personal identifier but its last two digits: :func:`kad_spec.output.mask`."""
    return mask(text)


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

    def sort_key(self):
        return (self.file, self.line or 0, self.pointer, self.rule_id)
