"""Rules: organisations (KAD-ORG-*).

KAD-ORG-002 (HER-id shape) and KAD-ORG-003 (ids without a category) are the JSON Schema's
``pattern`` and ``required`` errors on those fields, claimed in the catalogue with
``owns_schema`` so that each is reported once, under its own rule.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from kad_spec.spec.findings import Hit
from kad_spec.ids import orgnr
from kad_spec.rules import batch_check, message_check
from kad_spec.message.batch import MISSING

# The rules this module finds (see their entries in model/rules/).
ORG_001 = "KAD-ORG-001"


REFERENCES = ("henvist_fra", "utskrevet_til")


@lru_cache(maxsize=4096)
def _valid_orgnr(value: str) -> bool:
    # A unit refers to the same few organisations again and again: check each once.
    return orgnr.is_valid(value)


def _orgnr_hit(value, pointer: str, element: str) -> Hit | None:
    # Only nine digits are checked here; any other form is the schema's pattern finding.
    if not (isinstance(value, str) and len(value) == 9 and value.isascii() and value.isdigit()):
        return None
    if _valid_orgnr(value):
        return None
    return Hit(ORG_001, pointer, {"element": element, "organisasjonsnummer": value})


@message_check
def check_unit_orgnr(header: dict, ctx) -> Iterable[Hit]:
    hit = _orgnr_hit(ctx.virksomhet.get("organisasjonsnummer"), "/virksomhet/organisasjonsnummer",
                     "virksomhet.organisasjonsnummer")
    return [hit] if hit else []


@batch_check
def check_stay_orgnr(batch, ctx) -> list[tuple[int, Hit]]:
    found = []
    for key in REFERENCES:
        pointer, element = f"/{key}/organisasjonsnummer", f"opphold.{key}.organisasjonsnummer"
        for i, value in enumerate(batch.column(f"{key}.organisasjonsnummer")):
            if value is not MISSING:
                hit = _orgnr_hit(value, pointer, element)
                if hit:
                    found.append((i, hit))
    found.sort(key=lambda pair: pair[0])
    return found
