"""Rules: stays (KAD-OPH-*).

KAD-OPH-004 (utskrevet_til missing once discharged) is the JSON Schema's conditional ``required``,
claimed in the catalogue. Overlap is found by a keyed hash of the patient's id: the id itself is
neither kept nor shown.
"""

from __future__ import annotations

import os
from array import array
from typing import Iterable

from kad_spec.findings import Hit
from kad_spec.rules import batch_check, collection_check, provides
from kad_spec.validation.batch import MISSING
from kad_spec.rules.times import stay_times

provides("KAD-OPH-004")

CANCEL = "C"
DISCHARGE_FIELDS = ("utskrivningsdiagnoser", "utskrevet_til")
# A fresh salt per process: the hashes cannot be compared with anything outside this run.
_PATIENT_SALT = os.urandom(16)
BYTES_PER_STAY = 600  # a typical stay in a file; sizes the tables so that they rarely grow


@batch_check("KAD-OPH-003")
def check_discharge_fields(batch, ctx) -> list[tuple[int, Hit]]:
    discharged = batch.column("utskrivningstidspunkt")
    found = []
    for key in DISCHARGE_FIELDS:
        hit = Hit("KAD-OPH-003", f"/{key}", {"element": f"opphold.{key}"})
        # An empty list says nothing about a discharge; null is no discharge time.
        found += [(i, hit) for i, (value, out) in enumerate(zip(batch.column(key), discharged))
                  if (out is MISSING or out is None) and value is not MISSING and value]
    found.sort(key=lambda pair: pair[0])
    return found


class _IntTable:
    """A hash table from 64-bit ints to 32-bit ints in two flat arrays: 12 bytes a slot, no objects.

    A message may hold a million stays; a dict or set of them would take ten times the memory.
    Open addressing with linear probing, grown by half when two thirds full.
    """

    EMPTY = -(2**63)

    def __init__(self, capacity: int = 1021):
        self.keys = array("q", [self.EMPTY]) * capacity
        self.values = array("i", bytes(4 * capacity))  # indices and positions: 32 bits are plenty
        self.size = 0
        self.capacity = capacity
        # Each table places keys its own way: copying one table into another in slot order
        # would otherwise pile the keys into long probe runs.
        self.salt = int.from_bytes(os.urandom(8), "big") | 1

    def _slot(self, key: int) -> int:
        keys, capacity, empty = self.keys, self.capacity, self.EMPTY
        i = key * self.salt % capacity
        while True:
            found = keys[i]
            if found == key or found == empty:
                return i
            i = i + 1 if i + 1 < capacity else 0

    def get(self, key: int, default: int | None = None) -> int | None:
        i = self._slot(key)
        return self.values[i] if self.keys[i] == key else default

    def put(self, key: int, value: int) -> int | None:
        """Set the value; return the one it replaces, or None (one probe for both)."""
        keys, capacity, empty = self.keys, self.capacity, self.EMPTY
        i = key * self.salt % capacity
        found = keys[i]
        while found != key and found != empty:  # the probe of _slot, inlined: this runs per stay
            i = i + 1 if i + 1 < capacity else 0
            found = keys[i]
        values = self.values
        if found == key:
            old = values[i]
            values[i] = value
            return old
        keys[i] = key
        values[i] = value
        self.size += 1
        if 3 * self.size > 2 * capacity:
            self._grow()
        return None

    def _grow(self) -> None:
        old_keys, old_values, empty = self.keys, self.values, self.EMPTY
        self.__init__(self.capacity * 3 // 2 | 1)
        for i, key in enumerate(old_keys):  # no list of pairs: that would take more than the table
            if key != empty:
                self.put(key, old_values[i])

    def items(self):
        """(key, value) pairs, one at a time."""
        empty, values = self.EMPTY, self.values
        for i, key in enumerate(self.keys):
            if key != empty:
                yield key, values[i]


def _id_key(text: str) -> int:
    """A 64-bit key for an opphold_id (Python's own string hash, seeded per process)."""
    key = hash(text)
    return key if key != _IntTable.EMPTY else key + 1


def _patient_int_key(id_type: str, number: str) -> int:
    """A 64-bit keyed hash of a person id (Python's SipHash, seeded per process, salted per run):
    not reversible, not comparable outside this run, and never shown."""
    key = hash((_PATIENT_SALT, id_type, number))
    return key if key != _IntTable.EMPTY else key + 1


_NONE = -1


def _expected_stays(ctx) -> int:
    """Table size for the stays the file likely holds (growing a table re-inserts every key)."""
    try:
        size = os.path.getsize(ctx.file) if ctx.file else 0
    except OSError:
        size = 0
    return max(1021, size // BYTES_PER_STAY * 3 // 2 | 1)


@collection_check("KAD-OPH-001", "KAD-OPH-002", "KAD-OPH-005")
class StaysInMessage:
    """opphold_id unique (a cancellation alone for its id); overlapping stays of one patient.

    The state is kept in flat arrays, about 50 bytes a stay, so that a backfill of a million
    stays stays within bounded memory: opphold_ids by a 64-bit keyed hash, and their texts
    (for the messages) in one byte buffer; each patient's periods as a chain through arrays.
    """

    def __init__(self, ctx):
        self.ctx = ctx
        expected = _expected_stays(ctx)
        # opphold_id key -> first index << 2 | any entry is C << 1 | the first entry is C
        self.seen = _IntTable(expected)
        self.id_start = array("i")  # per stay index: where its opphold_id starts in id_text, or -1
        self.id_text = bytearray()
        self.latest_period = _IntTable(expected)  # patient key -> position of the latest period
        self.start, self.end = array("d"), array("d")
        self.index, self.previous = array("i"), array("i")  # the stay, and the same patient's previous period
        self.apart: dict[str, int] = {}  # opphold_ids whose hash an earlier, other id has

    # -- opphold_ids ------------------------------------------------------------------------
    def _remember_id(self, index: int, stay_id: str) -> None:
        starts, text = self.id_start, self.id_text
        if len(starts) < index:
            starts.extend([_NONE] * (index - len(starts)))
        starts.append(len(text))
        text += stay_id.encode()
        text.append(0)

    def id_of(self, index: int) -> str:
        start = self.id_start[index] if index < len(self.id_start) else _NONE
        if start == _NONE:
            return ""
        return self.id_text[start : self.id_text.index(0, start)].decode()

    def add_batch(self, batch) -> list[tuple[int, Hit]]:
        ids = batch.column("opphold_id")
        statuses = batch.column("status")
        numbers = batch.column("pasient.id")
        id_types = batch.column("pasient.id_type")
        discharged = batch.column("utskrivningstidspunkt")
        times = stay_times(batch)
        found = []
        for i, stay_id in enumerate(ids):
            if type(stay_id) is not str:
                continue
            index = batch.start + i
            self._remember_id(index, stay_id)
            cancelled = statuses[i] == CANCEL
            hit = self._duplicate(index, stay_id, cancelled)
            if hit:
                found.append((i, hit))
            if not cancelled:
                self._remember_period(index, numbers[i], id_types[i], times.start[i], times.end[i],
                                      discharged[i] is MISSING)
        return found

    def _duplicate(self, index: int, stay_id: str, cancelled: bool) -> Hit | None:
        key = _id_key(stay_id)
        earlier = self.seen.get(key)
        if earlier is not None and self.id_of(earlier >> 2) != stay_id:
            return self._duplicate_apart(index, stay_id, cancelled)  # another id with the same hash
        first = self.seen.put(key, index << 2 | cancelled << 1 | cancelled)
        if first is None:
            return None
        any_cancel = bool(first & 2) or cancelled
        self.seen.put(key, first | any_cancel << 1)
        return self._repeat(index, stay_id, first, any_cancel)

    def _duplicate_apart(self, index: int, stay_id: str, cancelled: bool) -> Hit | None:
        """As :meth:`_duplicate`, for the (very rare) ids whose hash another id already has."""
        first = self.apart.get(stay_id)
        if first is None:
            self.apart[stay_id] = index << 2 | cancelled << 1 | cancelled
            return None
        any_cancel = bool(first & 2) or cancelled
        self.apart[stay_id] = first | any_cancel << 1
        return self._repeat(index, stay_id, first, any_cancel)

    @staticmethod
    def _repeat(index: int, stay_id: str, first: int, any_cancel: bool) -> Hit:
        rule = "KAD-OPH-005" if any_cancel else "KAD-OPH-001"
        return Hit(rule, f"/opphold/{index}/opphold_id", {
            "opphold_id": stay_id, "forste": (first >> 2) + 1, "denne": index + 1})

    # -- periods ------------------------------------------------------------------------------
    def _remember_period(self, index: int, number, id_type, start, end, ongoing: bool) -> None:
        if type(number) is not str or type(id_type) is not str or start is None:
            return
        if ongoing:
            end = float("inf")  # still admitted
        elif end is None or end < start:
            return  # the time rules report this; no sensible period to compare
        self._add_period(_patient_int_key(id_type, number), start, end, index)

    def _add_period(self, patient: int, start: float, end: float, index: int) -> None:
        position = len(self.start)
        self.start.append(start)
        self.end.append(end)
        self.index.append(index)
        previous = self.latest_period.put(patient, position)
        self.previous.append(_NONE if previous is None else previous)

    # -- parts of one message ---------------------------------------------------------------------
    def merge(self, other: "StaysInMessage", offset: int, found: Iterable[Hit] = ()) -> list[Hit]:
        """Take in a later part of the same message, read on its own (its stays numbered from 0).

        ``offset`` is the number of stays before that part; ``found`` are the hits its ``add``
        gave. Returns those hits as one reading of the whole message would have given them,
        and the repeated opphold_ids that only the whole message shows. ``other`` is used up.
        """
        hits = [self._renumbered(hit, offset) for hit in found]
        for key, packed in other.seen.items():  # the engine sorts findings; order here is free
            first_index = (packed >> 2) + offset
            text = other.id_of(packed >> 2)
            earlier = self.seen.get(key)
            if earlier is not None and self.id_of(earlier >> 2) != text:
                hits += self._merge_apart(text, first_index, packed)  # another id with the same hash
                continue
            if earlier is None:
                self.seen.put(key, first_index << 2 | packed & 3)
                continue
            rule = "KAD-OPH-005" if earlier & 2 or packed & 1 else "KAD-OPH-001"
            hits.append(Hit(rule, f"/opphold/{first_index}/opphold_id", {
                "opphold_id": text, "forste": (earlier >> 2) + 1, "denne": first_index + 1}))
            self.seen.put(key, earlier | (packed & 2))
        for text, packed in other.apart.items():
            hits += self._merge_apart(text, (packed >> 2) + offset, packed)
        self._take_ids(other, offset)
        self._take_periods(other, offset)
        return hits

    def _merge_apart(self, text: str, first_index: int, packed: int) -> list[Hit]:
        earlier = self.apart.get(text)
        if earlier is None:
            self.apart[text] = first_index << 2 | packed & 3
            return []
        self.apart[text] = earlier | (packed & 2)
        rule = "KAD-OPH-005" if earlier & 2 or packed & 1 else "KAD-OPH-001"
        return [Hit(rule, f"/opphold/{first_index}/opphold_id", {
            "opphold_id": text, "forste": (earlier >> 2) + 1, "denne": first_index + 1})]

    def detached(self) -> "StaysInMessage":
        """This state without its message context, to be sent to another process."""
        self.ctx = None
        return self

    def _take_ids(self, other: "StaysInMessage", offset: int) -> None:
        if len(self.id_start) < offset:
            self.id_start.extend([_NONE] * (offset - len(self.id_start)))
        shift = len(self.id_text)
        self.id_start.extend(start + shift if start != _NONE else _NONE for start in other.id_start)
        self.id_text += other.id_text
        other.id_start, other.id_text = array("i"), bytearray()

    def _take_periods(self, other: "StaysInMessage", offset: int) -> None:
        for patient, last in other.latest_period.items():
            chain = []
            while last != _NONE:
                chain.append(last)
                last = other.previous[last]
            for position in reversed(chain):
                self._add_period(patient, other.start[position], other.end[position], other.index[position] + offset)

    def _renumbered(self, hit: Hit, offset: int) -> Hit:
        """A repeat found within the later part: first occurrence and rule as the whole message has them."""
        index = hit.params["denne"] - 1 + offset
        earlier = self.seen.get(_id_key(hit.params["opphold_id"]))
        if earlier is not None and self.id_of(earlier >> 2) != hit.params["opphold_id"]:
            earlier = self.apart.get(hit.params["opphold_id"])
        if earlier is None:
            first, rule = hit.params["forste"] + offset, hit.rule_id
        else:
            first = (earlier >> 2) + 1
            rule = "KAD-OPH-005" if earlier & 2 else hit.rule_id
        return Hit(rule, f"/opphold/{index}/opphold_id", {**hit.params, "forste": first, "denne": index + 1})

    # -- verdicts ---------------------------------------------------------------------------------
    def finish(self) -> Iterable[Hit]:
        hits = []
        previous = self.previous
        for _, last in self.latest_period.items():
            if previous[last] == _NONE:
                continue  # one period for this patient
            chain = []
            while last != _NONE:
                chain.append((self.start[last], self.end[last], self.index[last]))
                last = previous[last]
            hits.extend(self._overlaps(sorted(chain)))
        return hits

    def _overlaps(self, periods: list[tuple[float, float, int]]) -> list[Hit]:
        """One sweep over the periods sorted by start: each stay against the latest end so far."""
        hits = []
        latest_end, latest_id = float("-inf"), ""
        for start, end, index in periods:
            stay_id = self.id_of(index)
            # Discharge and readmission at the same minute is not an overlap.
            if latest_end > start and latest_id != stay_id:
                hits.append(Hit("KAD-OPH-002", f"/opphold/{index}/innleggelsestidspunkt", {
                    "opphold_id": stay_id, "annet_opphold_id": latest_id}))
            if end > latest_end:
                latest_end, latest_id = end, stay_id
        return hits
