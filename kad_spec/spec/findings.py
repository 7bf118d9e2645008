"""What validation finds, independent of how it is reported."""

from __future__ import annotations

import re
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
    xpath_base: str | None = None  # in an envelope: XPath of the message's holder, or of the envelope element itself

    def sort_key(self):
        return (self.file, self.line or 0, self.pointer, self.rule_id)


DEFAULT_MAX_FINDINGS = 1000  # detailed findings kept per rule and file by ``kad-spec validate``

_STAY = re.compile(r"^/opphold/(\d+)(?:/|$)")


def stay_index(pointer: str | None) -> int | None:
    """The index of the stay a pointer is in (``/opphold/N/...``); None for the message as a whole."""
    match = _STAY.match(pointer or "")
    return int(match.group(1)) if match else None


class StaySet:
    """Which stays some findings point at, one bit per stay, and whether one points at none.

    What a receipt's status needs of findings that are counted, not kept: a million stays cost
    125 kB, however many findings they have.
    """

    __slots__ = ("bits", "whole")

    def __init__(self):
        self.bits = bytearray()
        self.whole = False  # a finding points at the message, not at one of its stays

    def add_pointer(self, pointer: str | None) -> None:
        index = stay_index(pointer)
        if index is None:
            self.whole = True
        else:
            self.add(index)

    def add(self, index: int) -> None:
        byte = index >> 3
        if byte >= len(self.bits):
            self.bits.extend(bytes(byte + 1 - len(self.bits)))
        self.bits[byte] |= 1 << (index & 7)

    def update(self, other: "StaySet", offset: int = 0) -> None:
        """Add the stays of ``other``, whose indices count from ``offset`` (a part of a file)."""
        self.whole = self.whole or other.whole
        if offset % 8 == 0:
            start = offset >> 3
            if start + len(other.bits) > len(self.bits):
                self.bits.extend(bytes(start + len(other.bits) - len(self.bits)))
            for i, byte in enumerate(other.bits):
                if byte:
                    self.bits[start + i] |= byte
            return
        for index in other:
            self.add(index + offset)

    def __iter__(self):
        for i, byte in enumerate(self.bits):
            if byte:
                for bit in range(8):
                    if byte >> bit & 1:
                        yield i * 8 + bit

    def __len__(self) -> int:
        return int.from_bytes(self.bits, "little").bit_count()


@dataclass
class Omitted:
    """Findings of one rule in one file beyond the detailed ones kept: counted, not kept.

    ``opphold_id`` is set only for a stay that a waiver names, so that waivers still apply to
    the count exactly; every other stay's findings of the rule share one count. ``stays`` holds
    which stays they point at, for the receipt's status (None: not recorded, as after
    :meth:`kad_spec.validation.engine.FileResult.counted`, which keeps the status itself).
    """

    rule_id: str
    count: int
    opphold_id: str | None = None
    severity: str = ERROR
    waived: str | None = None
    stays: StaySet | None = None


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
        self.stays_of: dict[tuple[str, str | None], StaySet] = {}  # per key of omitted: the stays hit

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
        stays = self.stays_of.get(key)
        if stays is None:
            stays = self.stays_of[key] = StaySet()
        stays.add_pointer(item[0].pointer)

    def extend(self, items) -> None:
        for item in items:
            self.append(item)

    def __iadd__(self, items):
        self.extend(items)
        return self

    def count_omitted(self, key: tuple[str, str | None], n: int, stays: StaySet | None = None, offset: int = 0) -> None:
        """Count ``n`` more omitted findings under ``key``; ``stays`` they point at count from ``offset``."""
        self.omitted[key] = self.omitted.get(key, 0) + n
        if stays is not None:
            self.stays_of.setdefault(key, StaySet()).update(stays, offset)

    def like(self) -> "CappedHits":
        """An empty list with the same limit."""
        return CappedHits(self.limit, self.named_stays)

    def add_omitted_of(self, other: "CappedHits", offset: int = 0) -> None:
        """Add the counts of ``other``, a reading of stays that start at index ``offset``."""
        stays_of = getattr(other, "stays_of", {})
        for key, n in getattr(other, "omitted", {}).items():
            self.count_omitted(key, n, stays_of.get(key), offset)

    def __reduce__(self):
        # Sent between processes whole: appending on unpickling must not count anything again.
        return _rebuild_capped, (self.limit, self.named_stays, list(self), self.kept, self.omitted, self.stays_of)


def _rebuild_capped(limit, named_stays, items, kept, omitted, stays_of) -> CappedHits:
    hits = CappedHits(limit, named_stays)
    list.extend(hits, items)
    hits.kept, hits.omitted, hits.stays_of = kept, omitted, stays_of
    return hits
