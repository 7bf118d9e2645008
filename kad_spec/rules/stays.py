"""Rules: stays (KAD-OPH-*).

KAD-OPH-004 (utskrevet_til missing once discharged) is the JSON Schema's conditional ``required``,
claimed in the catalogue. Overlap is found by a keyed hash of the patient's id: the id itself is
neither kept nor shown.
"""

from __future__ import annotations

import hashlib
import os
from typing import Iterable

from kad_spec.findings import Hit
from kad_spec.rules import collection_check, provides, stay_check
from kad_spec.rules.times import stay_times

provides("KAD-OPH-004")

CANCEL = "C"
DISCHARGE_FIELDS = ("utskrivningsdiagnoser", "utskrevet_til")
# A fresh key per process: the hashes cannot be compared with anything outside this run.
_PATIENT_KEY = os.urandom(16)


def patient_key(id_type: str, number: str) -> bytes:
    return hashlib.blake2b(f"{id_type}:{number}".encode(), key=_PATIENT_KEY, digest_size=12).digest()


@stay_check("KAD-OPH-003")
def check_discharge_fields(stay: dict, ctx) -> Iterable[Hit]:
    if stay.get("utskrivningstidspunkt") is not None:
        return ()
    return [
        Hit("KAD-OPH-003", f"/{key}", {"element": f"opphold.{key}"})
        for key in DISCHARGE_FIELDS
        if stay.get(key)  # an empty list says nothing about a discharge
    ]


@collection_check("KAD-OPH-001", "KAD-OPH-002", "KAD-OPH-005")
class StaysInMessage:
    """opphold_id unique (a cancellation alone for its id); overlapping stays of one patient."""

    def __init__(self, ctx):
        self.ctx = ctx
        # opphold_id -> (first index, any entry is C, the first entry is C); the last for merge()
        self.seen: dict[str, tuple[int, bool, bool]] = {}
        self.by_patient: dict[bytes, list[tuple[float, float, int, str]]] = {}

    def add(self, index: int, stay) -> Iterable[Hit]:
        if not isinstance(stay, dict):
            return ()
        stay_id = stay.get("opphold_id")
        if not isinstance(stay_id, str):
            return ()
        cancelled = stay.get("status") == CANCEL
        hit = self._duplicate(index, stay_id, cancelled)
        if not cancelled:
            self._remember_period(index, stay_id, stay)
        return [hit] if hit else ()

    def _duplicate(self, index: int, stay_id: str, cancelled: bool) -> Hit | None:
        first = self.seen.get(stay_id)
        if first is None:
            self.seen[stay_id] = (index, cancelled, cancelled)
            return None
        first_index, any_cancel, first_cancel = first
        self.seen[stay_id] = (first_index, any_cancel or cancelled, first_cancel)
        rule = "KAD-OPH-005" if any_cancel or cancelled else "KAD-OPH-001"
        return Hit(rule, f"/opphold/{index}/opphold_id", {
            "opphold_id": stay_id, "forste": first_index + 1, "denne": index + 1})

    def _remember_period(self, index: int, stay_id: str, stay: dict) -> None:
        patient = stay.get("pasient")
        if not isinstance(patient, dict):
            return
        id_type = patient.get("id_type")
        number = patient.get("id")
        times = stay_times(stay, self.ctx)
        start = times.start
        if not isinstance(number, str) or not isinstance(id_type, str) or start is None:
            return
        if "utskrivningstidspunkt" not in stay:
            end = float("inf")  # still admitted
        else:
            end = times.end
            if end is None or end < start:
                return  # the time rules report this; no sensible period to compare
        self.by_patient.setdefault(patient_key(id_type, number), []).append((start, end, index, stay_id))

    def merge(self, other: "StaysInMessage", offset: int, found: Iterable[Hit] = ()) -> list[Hit]:
        """Take in a later part of the same message, read on its own (its stays numbered from 0).

        ``offset`` is the number of stays before that part; ``found`` are the hits its ``add``
        gave. Returns those hits as one reading of the whole message would have given them,
        and the repeated opphold_ids that only the whole message shows. ``other`` is used up.
        """
        hits = [self._renumbered(hit, offset) for hit in found]
        for stay_id in list(other.seen):
            first_index, any_cancel, first_cancel = other.seen.pop(stay_id)
            earlier = self.seen.get(stay_id)
            if earlier is None:
                self.seen[stay_id] = (first_index + offset, any_cancel, first_cancel)
                continue
            rule = "KAD-OPH-005" if earlier[1] or first_cancel else "KAD-OPH-001"
            index = first_index + offset
            hits.append(Hit(rule, f"/opphold/{index}/opphold_id", {
                "opphold_id": stay_id, "forste": earlier[0] + 1, "denne": index + 1}))
            self.seen[stay_id] = (earlier[0], earlier[1] or any_cancel, earlier[2])
        for key in list(other.by_patient):
            periods = other.by_patient.pop(key)  # ``other`` is used up: no second copy held at once
            mine = self.by_patient.setdefault(key, [])
            mine.extend((start, end, index + offset, stay_id) for start, end, index, stay_id in periods)
        return hits

    def _renumbered(self, hit: Hit, offset: int) -> Hit:
        """A repeat found within the later part: first occurrence and rule as the whole message has them."""
        index = hit.params["denne"] - 1 + offset
        earlier = self.seen.get(hit.params["opphold_id"])
        if earlier is None:
            first, rule = hit.params["forste"] + offset, hit.rule_id
        else:
            first = earlier[0] + 1
            rule = "KAD-OPH-005" if earlier[1] else hit.rule_id
        return Hit(rule, f"/opphold/{index}/opphold_id", {**hit.params, "forste": first, "denne": index + 1})

    def finish(self) -> Iterable[Hit]:
        hits = []
        for periods in self.by_patient.values():
            if len(periods) > 1:
                hits.extend(self._overlaps(sorted(periods)))
        return hits

    def _overlaps(self, periods: list[tuple[float, float, int, str]]) -> list[Hit]:
        """One sweep over the periods sorted by start: each stay against the latest end so far."""
        hits = []
        latest_end, latest_id = float("-inf"), ""
        for start, end, index, stay_id in periods:
            # Discharge and readmission at the same minute is not an overlap.
            if latest_end > start and latest_id != stay_id:
                hits.append(Hit("KAD-OPH-002", f"/opphold/{index}/innleggelsestidspunkt", {
                    "opphold_id": stay_id, "annet_opphold_id": latest_id}))
            if end > latest_end:
                latest_end, latest_id = end, stay_id
        return hits
