"""Rules: stays (KAD-OPH-*).

KAD-OPH-004 (utskrevet_til missing once discharged) is the JSON Schema's conditional ``required``,
claimed in the catalogue. Overlap is found by a keyed hash of the patient's id: the id itself is
neither kept nor shown.
"""

from __future__ import annotations

import os
from array import array
from itertools import repeat
from typing import Iterable

import numpy as np

from kad_spec.spec.findings import Hit
from kad_spec.rules import batch_check, collection_check
from kad_spec.message.batch import MISSING
from kad_spec.rules.times import stay_times

# The rules this module finds (see their entries in model/rules/).
OPH_001 = "KAD-OPH-001"
OPH_002 = "KAD-OPH-002"
OPH_003 = "KAD-OPH-003"
OPH_005 = "KAD-OPH-005"


CANCEL = "C"
DISCHARGE_FIELDS = ("utskrivningsdiagnoser", "utskrevet_til")
# A fresh salt per process: the hashes cannot be compared with anything outside this run.
_PATIENT_SALT = os.urandom(16)


@batch_check
def check_discharge_fields(batch, ctx) -> list[tuple[int, Hit]]:
    discharged = batch.column("utskrivningstidspunkt")
    found = []
    for key in DISCHARGE_FIELDS:
        hit = Hit(OPH_003, f"/{key}", {"element": f"opphold.{key}"})
        # An empty list says nothing about a discharge; null is no discharge time.
        found += [(i, hit) for i, (value, out) in enumerate(zip(batch.column(key), discharged))
                  if (out is MISSING or out is None) and value is not MISSING and value]
    found.sort(key=lambda pair: pair[0])
    return found


# A 64-bit key for an opphold_id: Python's own string hash, seeded per process (the builtin
# itself, so that a batch's keys are made without a Python call per id). Two ids with one key
# are told apart by their texts (see ``StaysInMessage._repeats``).
_id_key = hash


# A person is kept as two independent 64-bit keyed hashes of (salt, id type, id) (SipHash, seeded
# per process, salted per run): not reversible, not comparable outside this run, never shown.
# Two persons share both only with a chance of 2^-128.
_PATIENT_SALT_2 = os.urandom(16)
_NONE = -1


@collection_check
class StaysInMessage:
    """opphold_id unique (a cancellation alone for its id); overlapping stays of one patient.

    The state is kept in flat arrays, about 50 bytes a stay, so that a backfill of a million
    stays stays within bounded memory: the opphold_ids seen, as a sorted array of 64-bit keys
    with the first stay of each (and whether a cancellation was among them); their texts in one
    byte buffer, to tell two ids with one key apart and to name them; and every period of a
    patient (two keys of the patient, start, end, stay), sorted by patient once all are in.
    """

    def __init__(self, ctx):
        self.ctx = ctx
        self.keys = np.empty(0, dtype=np.int64)  # sorted opphold_id keys
        # per key: first stay index << 2 | any entry is C << 1 | the first entry is C
        self.first = np.empty(0, dtype=np.int64)
        self.apart: dict[str, int] = {}  # opphold_ids whose key an earlier, other id has
        self.id_start = array("q")  # per stay index: where its opphold_id starts in id_text, or -1
        self.id_text = bytearray()
        self.patient1, self.patient2 = array("q"), array("q")
        self.start, self.end = array("d"), array("d")
        self.index = array("i")  # 32 bits: a message holds far fewer than 2^31 stays

    # -- opphold_ids ------------------------------------------------------------------------
    def id_of(self, index: int) -> str:
        start = self.id_start[index] if index < len(self.id_start) else _NONE
        if start == _NONE:
            return ""
        return self.id_text[start : self.id_text.index(0, start)].decode()

    def _remember_ids(self, start: int, count: int, given: list[int], texts: list[str]) -> None:
        """Append the ids of stays ``start`` … ``start + count - 1`` (``texts`` those of ``given``)."""
        starts, text = self.id_start, self.id_text
        if len(starts) < start:
            starts.extend([_NONE] * (start - len(starts)))
        joined = "\0".join(texts) + "\0" if texts else ""
        encoded = joined.encode()
        # Each id's bytes and its 0: from the texts' lengths, when every character is one byte.
        sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) if len(encoded) == len(joined) \
            else np.array([len(t.encode()) for t in texts], dtype=np.int64)
        offsets = len(text) + np.cumsum(sizes + 1) - (sizes + 1)
        row = offsets if len(given) == count else np.full(count, _NONE, dtype=np.int64)
        if len(given) != count:
            row[given] = offsets
        starts.frombytes(row.astype(np.int64).tobytes())
        text += encoded

    def add_batch(self, batch) -> list[tuple[int, Hit]]:
        ids = batch.column("opphold_id")
        statuses = batch.column("status")
        given = [i for i, stay_id in enumerate(ids) if type(stay_id) is str]
        texts = [ids[i] for i in given]
        self._remember_ids(batch.start, len(ids), given, texts)
        cancelled = [statuses[i] == CANCEL for i in given]
        found = self._repeats(batch.start, given, texts, cancelled)
        self._remember_periods(batch, given, cancelled)
        return found

    def _repeats(self, offset: int, given: list[int], texts: list[str], cancelled: list[bool]) -> list[tuple[int, Hit]]:
        """Hits for the ids of a batch seen before (in it or earlier); the table takes the new ones."""
        if not given:
            return []
        keys = np.fromiter(map(_id_key, texts), dtype=np.int64, count=len(texts))
        at, known = self._look_up(keys)
        unique, first_of, counts = np.unique(keys, return_index=True, return_counts=True)
        involved = set(keys[known].tolist()) | set(unique[counts > 1].tolist())
        state = {int(k): int(self.first[a]) for k, a in zip(keys[known], at[known])}
        found = []
        if involved:
            for j in range(len(keys)):
                key = int(keys[j])
                if key in involved:
                    hit = self._one(state, key, offset + given[j], texts[j], cancelled[j])
                    if hit is not None:
                        found.append((given[j], hit))
        if known.any():  # before new keys are inserted: ``at`` points into the table as it was
            self.first[at[known]] = [state[int(k)] for k in keys[known]]
        self._take_new(keys, known, unique, first_of, state, [offset + i for i in given], cancelled)
        return found

    def _look_up(self, keys):
        """Where each key is or would go in the table, and whether it is there."""
        known = np.zeros(len(keys), dtype=bool)
        if not len(self.keys):  # a message's first batch: nothing to look up
            return np.zeros(len(keys), dtype=np.int64), known
        at = np.searchsorted(self.keys, keys)
        inside = at < len(self.keys)
        known[inside] = self.keys[at[inside]] == keys[inside]
        return at, known

    def _one(self, state: dict, key: int, index: int, stay_id: str, cancelled: bool) -> Hit | None:
        first = state.get(key)
        if first is None:
            state[key] = index << 2 | cancelled << 1 | cancelled
            return None
        if self.id_of(first >> 2) != stay_id:
            return self._one_apart(index, stay_id, cancelled)  # another id with the same key
        any_cancel = bool(first & 2) or cancelled
        state[key] = first | any_cancel << 1
        return _repeat(index, stay_id, first, any_cancel)

    def _one_apart(self, index: int, stay_id: str, cancelled: bool) -> Hit | None:
        """As :meth:`_one`, for the (very rare) ids whose key another id already has."""
        first = self.apart.get(stay_id)
        if first is None:
            self.apart[stay_id] = index << 2 | cancelled << 1 | cancelled
            return None
        any_cancel = bool(first & 2) or cancelled
        self.apart[stay_id] = first | any_cancel << 1
        return _repeat(index, stay_id, first, any_cancel)

    def _take_new(self, keys, known, unique, first_of, state: dict, indices: list[int], cancelled: list[bool]) -> None:
        new = ~known[first_of]
        if not new.any():
            return
        new_keys, positions = unique[new], first_of[new]
        was_cancelled = np.array(cancelled, dtype=np.int64)[positions]
        packed = np.array(indices, dtype=np.int64)[positions] << 2 | was_cancelled << 1 | was_cancelled
        for key, value in state.items():  # ids repeated within the batch: their state as _one left it
            at = int(np.searchsorted(new_keys, key))
            if at < len(new_keys) and new_keys[at] == key:
                packed[at] = value
        if not len(self.keys):  # a message's first batch: the new keys are the table (np.insert costs more)
            self.keys, self.first = new_keys, packed
            return
        where = np.searchsorted(self.keys, new_keys)
        self.keys = np.insert(self.keys, where, new_keys)
        self.first = np.insert(self.first, where, packed)

    # -- periods ------------------------------------------------------------------------------
    def _remember_periods(self, batch, given: list[int], cancelled: list[bool]) -> None:
        numbers = batch.column("pasient.id")
        id_types = batch.column("pasient.id_type")
        discharged = batch.column("utskrivningstidspunkt")
        times = stay_times(batch)
        rows = [i for i, was_cancelled in zip(given, cancelled)
                if not was_cancelled and type(numbers[i]) is str and type(id_types[i]) is str
                and times.start[i] is not None]
        if not rows:
            return
        start = np.array([times.start[i] for i in rows], dtype=np.float64)
        end = np.array([times.end[i] for i in rows], dtype=np.float64)  # None becomes nan
        ongoing = np.fromiter((discharged[i] is MISSING for i in rows), dtype=bool, count=len(rows))
        # Still admitted: open-ended. Unreadable or before admission: the time rules report it.
        with np.errstate(invalid="ignore"):
            keep = ongoing | (~np.isnan(end) & (end >= start))
        end = np.where(ongoing, np.inf, end)
        kept = [rows[k] for k in np.flatnonzero(keep).tolist()]
        if not kept:
            return
        types, ids = [id_types[i] for i in kept], [numbers[i] for i in kept]
        self.patient1.extend(map(hash, zip(repeat(_PATIENT_SALT), types, ids)))
        self.patient2.extend(map(hash, zip(repeat(_PATIENT_SALT_2), types, ids)))
        self.start.frombytes(start[keep].tobytes())
        self.end.frombytes(end[keep].tobytes())
        self.index.extend(batch.start + i for i in kept)

    # -- parts of one message ---------------------------------------------------------------------
    def merge(self, other: "StaysInMessage", offset: int, found: Iterable[Hit] = ()) -> list[Hit]:
        """Take in a later part of the same message, read on its own (its stays numbered from 0).

        ``offset`` is the number of stays before that part; ``found`` are the hits its batches
        gave. Returns those hits as one reading of the whole message would have given them,
        and the repeated opphold_ids that only the whole message shows. ``other`` is used up.
        """
        hits = [self._renumbered(hit, offset) for hit in found]
        self._take_ids(other, offset)
        firsts = sorted(other.first.tolist(), key=lambda packed: packed >> 2)
        given = [packed >> 2 for packed in firsts]
        texts = [other.id_of(i) for i in given]
        # The first entry of each id of the later part, against the earlier parts, as one stay each.
        hits += [hit for _, hit in self._repeats(offset, given, texts, [bool(p & 1) for p in firsts])]
        self._mark_cancelled([text for text, packed in zip(texts, firsts) if packed & 2])
        for text, packed in sorted(other.apart.items(), key=lambda item: item[1] >> 2):
            hits += self._merge_one(text, (packed >> 2) + offset, packed)
        for name in ("patient1", "patient2", "start", "end"):
            getattr(self, name).extend(getattr(other, name))
        self.index.extend(i + offset for i in other.index)
        other.__init__(None)
        return hits

    def _mark_cancelled(self, texts: list[str]) -> None:
        """Note that a later part cancelled these ids (in an entry after its first)."""
        for text in texts:
            key = _id_key(text)
            at = int(np.searchsorted(self.keys, key))
            if at < len(self.keys) and self.keys[at] == key and self.id_of(int(self.first[at]) >> 2) == text:
                self.first[at] |= 2
            elif text in self.apart:
                self.apart[text] |= 2

    def _merge_one(self, text: str, first_index: int, packed: int) -> list[Hit]:
        """The first entry of an id in a later part, against the earlier parts."""
        key = _id_key(text)
        at = int(np.searchsorted(self.keys, key))
        if at < len(self.keys) and self.keys[at] == key and self.id_of(int(self.first[at]) >> 2) != text:
            earlier = self.apart.get(text)
            if earlier is None:
                self.apart[text] = first_index << 2 | packed & 3
                return []
            self.apart[text] = earlier | (packed & 2)
        elif at < len(self.keys) and self.keys[at] == key:
            earlier = int(self.first[at])
            self.first[at] = earlier | (packed & 2)
        else:
            self.keys = np.insert(self.keys, at, key)
            self.first = np.insert(self.first, at, first_index << 2 | packed & 3)
            return []
        rule = OPH_005 if earlier & 2 or packed & 1 else OPH_001
        return [Hit(rule, f"/opphold/{first_index}/opphold_id", {
            "opphold_id": text, "forste": (earlier >> 2) + 1, "denne": first_index + 1})]

    def _take_ids(self, other: "StaysInMessage", offset: int) -> None:
        if len(self.id_start) < offset:
            self.id_start.extend([_NONE] * (offset - len(self.id_start)))
        shift = len(self.id_text)
        self.id_start.extend(start + shift if start != _NONE else _NONE for start in other.id_start)
        self.id_text += other.id_text

    def _renumbered(self, hit: Hit, offset: int) -> Hit:
        """A repeat found within the later part: first occurrence and rule as the whole message has them."""
        index = hit.params["denne"] - 1 + offset
        earlier = self._first_entry(hit.params["opphold_id"])
        if earlier is None:
            first, rule = hit.params["forste"] + offset, hit.rule_id
        else:
            first = (earlier >> 2) + 1
            rule = OPH_005 if earlier & 2 else hit.rule_id
        return Hit(rule, f"/opphold/{index}/opphold_id", {**hit.params, "forste": first, "denne": index + 1})

    def _first_entry(self, text: str) -> int | None:
        key = _id_key(text)
        at = int(np.searchsorted(self.keys, key))
        if at < len(self.keys) and self.keys[at] == key:
            earlier = int(self.first[at])
            return earlier if self.id_of(earlier >> 2) == text else self.apart.get(text)
        return None

    def detached(self) -> "StaysInMessage":
        """This state without its message context, to be sent to another process."""
        self.ctx = None
        return self

    # -- verdicts ---------------------------------------------------------------------------------
    def finish(self) -> Iterable[Hit]:
        if len(self.index) < 2:
            return []
        first = np.frombuffer(self.patient1, dtype=np.int64)
        second = np.frombuffer(self.patient2, dtype=np.int64)
        # Patients with more than one period, found by sorting one key (a few arrays of 8 bytes a
        # period, not a sort by every column); each of them is then swept on its own.
        order = np.argsort(first, kind="stable")
        ordered = first[order]
        same = ordered[1:] == ordered[:-1]
        del ordered
        if not same.any():
            return []
        starts = np.flatnonzero(np.diff(np.concatenate(([0], same.view(np.int8), [0]))) == 1)
        ends = np.flatnonzero(np.diff(np.concatenate(([0], same.view(np.int8), [0]))) == -1) + 1
        hits = []
        for a, b in zip(starts.tolist(), ends.tolist()):
            rows = order[a:b].tolist()
            by_patient: dict[int, list] = {}
            for row in rows:  # two persons whose first keys meet are told apart by the second
                by_patient.setdefault(int(second[row]), []).append(
                    (self.start[row], self.end[row], self.index[row]))
            for periods in by_patient.values():
                if len(periods) > 1:
                    hits.extend(self._overlaps(sorted(periods)))
        return hits

    def _overlaps(self, periods) -> list[Hit]:
        """One sweep over the periods sorted by start: each stay against the latest end so far."""
        hits = []
        latest_end, latest_id = float("-inf"), ""
        for start, end, index in periods:
            stay_id = self.id_of(index)
            # Discharge and readmission at the same minute is not an overlap.
            if latest_end > start and latest_id != stay_id:
                hits.append(Hit(OPH_002, f"/opphold/{index}/innleggelsestidspunkt", {
                    "opphold_id": stay_id, "annet_opphold_id": latest_id}))
            if end > latest_end:
                latest_end, latest_id = end, stay_id
        return hits


def _repeat(index: int, stay_id: str, first: int, any_cancel: bool) -> Hit:
    rule = OPH_005 if any_cancel else OPH_001
    return Hit(rule, f"/opphold/{index}/opphold_id", {
        "opphold_id": stay_id, "forste": (first >> 2) + 1, "denne": index + 1})
