"""What every check may know about the message it is checking."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from kad_spec.rules import get
from kad_spec.spec.timeutil import Moment, parse_moment

if TYPE_CHECKING:
    from kad_spec.rules.codes import PeriodVerdicts


@dataclass
class MessageContext:
    header: dict
    today: date
    file: str = ""
    # Verdicts per code and validity period (kad_spec.rules.codes.PeriodVerdicts), kept for the
    # message: by list name, and one for the diagnoses (made by their first batch).
    code_verdicts: dict[str, PeriodVerdicts] = field(default_factory=dict)
    diagnosis_verdicts: PeriodVerdicts | None = None

    @cached_property
    def miljo(self) -> str | None:
        value = get(self.header, "meldingsinfo", "miljo")
        return value if isinstance(value, str) else None

    @cached_property
    def opprettet(self) -> Moment | None:
        return parse_moment(get(self.header, "meldingsinfo", "opprettet"))

    @cached_property
    def created_at(self) -> float | None:
        """The message's creation time in seconds since 1970 (None if unreadable)."""
        from kad_spec.rules.times import epoch

        created = self.opprettet
        return epoch(created) if created is not None else None

    @cached_property
    def virksomhet(self) -> dict:
        value = self.header.get("virksomhet") if isinstance(self.header, dict) else None
        return value if isinstance(value, dict) else {}

    @cached_property
    def codelists(self):
        from kad_spec.codelists import load_codelists

        return load_codelists()
