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


DEFAULT_MAX_FINDINGS = 1000  # detailed findings kept per rule and file by ``kad-spec validate``


@dataclass
class Omitted:
    """Findings of one rule in one file beyond the detailed ones kept: counted, not kept.

    ``opphold_id`` is set only for a stay that a waiver names, so that waivers still apply to
    the count exactly; every other stay's findings of the rule share one count.
    """

    rule_id: str
    count: int
    opphold_id: str | None = None
    severity: str = ERROR
    waived: str | None = None


class CappedHits(list):
    """``(Hit, opphold_id)`` pairs, at most ``limit`` per rule; the rest are counted in ``omitted``.

    Validation adds hits here as it reads, so a file with a million findings holds no more than
    ``limit`` of each rule. ``limit`` None keeps every hit.
    """

    def __init__(self, limit: int | None = None, named_stays: frozenset[str] = frozenset()):
        super().__init__()
        self.limit = limit
        self.named_stays = named_stays
        self.kept: dict[str, int] = {}
        self.omitted: dict[tuple[str, str | None], int] = {}

    def append(self, item) -> None:
        if self.limit is None:
            super().append(item)
            return
        rule_id = item[0].rule_id
        kept = self.kept.get(rule_id, 0)
        if kept < self.limit:
            self.kept[rule_id] = kept + 1
            super().append(item)
            return
        stay = item[1] if item[1] in self.named_stays else None
        key = (rule_id, stay)
        self.omitted[key] = self.omitted.get(key, 0) + 1

    def extend(self, items) -> None:
        for item in items:
            self.append(item)

    def __iadd__(self, items):
        self.extend(items)
        return self

    def count_omitted(self, key: tuple[str, str | None], n: int) -> None:
        self.omitted[key] = self.omitted.get(key, 0) + n

    def like(self) -> "CappedHits":
        """An empty list with the same limit."""
        return CappedHits(self.limit, self.named_stays)

    def add_omitted_of(self, other: "CappedHits") -> None:
        for key, n in getattr(other, "omitted", {}).items():
            self.count_omitted(key, n)

    def __reduce__(self):
        # Sent between processes whole: appending on unpickling must not count anything again.
        return _rebuild_capped, (self.limit, self.named_stays, list(self), self.kept, self.omitted)


def _rebuild_capped(limit, named_stays, items, kept, omitted) -> CappedHits:
    hits = CappedHits(limit, named_stays)
    list.extend(hits, items)
    hits.kept, hits.omitted = kept, omitted
    return hits
