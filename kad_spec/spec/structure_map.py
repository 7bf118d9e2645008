"""Structural errors as findings: one table from (schema keyword, field) to rule id, for JSON and XML.

A structural error, whether the JSON Schema or the XSD found it, is named by the JSON Schema
keyword it breaks and the dotted field it concerns (``opphold.pasient.kjonn``). It belongs to
the generic structure rule of that keyword, unless a catalogued rule claims the keyword on that
field (``implementation: schema`` in ``model/rules/``): a missing discharge diagnosis is then reported as
the diagnosis rule, not as "required element". The parameters of the message are made here
too, so that a JSON file and an XML file with the same content get the same findings.
"""

from __future__ import annotations

from functools import cache
from typing import Iterable

from kad_spec.spec.findings import Hit
from kad_spec.spec.model import model
from kad_spec.spec.timeutil import is_time_shaped

# The generic rule of each keyword; ``order`` (element order) exists in XML only.
GENERIC = {
    "required": "KAD-STR-001",
    "additionalProperties": "KAD-STR-002",
    "type": "KAD-STR-003",
    "pattern": "KAD-STR-004",
    "minimum": "KAD-STR-005",
    "maximum": "KAD-STR-005",
    "minItems": "KAD-STR-006",
    "enum": "KAD-KL-001",
    "order": "KAD-STR-007",
}
KEYWORDS = frozenset(GENERIC)  # what a rule may claim (``implementation: schema``)
FALLBACK = "KAD-STR-004"  # a keyword without a rule of its own: the value is not of the right form

# libxml2's XSD error codes (lxml's ``type_name``) for the facets that match a JSON Schema keyword.
XSD_KEYWORDS = {
    "SCHEMAV_CVC_ENUMERATION_VALID": "enum",
    "SCHEMAV_CVC_PATTERN_VALID": "pattern",
    "SCHEMAV_CVC_MININCLUSIVE_VALID": "minimum",
    "SCHEMAV_CVC_MAXINCLUSIVE_VALID": "maximum",
    "SCHEMAV_CVC_DATATYPE_VALID_1_2_1": "type",
    "SCHEMAV_CVC_DATATYPE_VALID_1_2_2": "type",
    "SCHEMAV_CVC_DATATYPE_VALID_1_2_3": "type",
}
# An element's content does not match its type: an unknown, missing or misplaced element.
XSD_CONTENT = frozenset({"SCHEMAV_ELEMENT_CONTENT", "SCHEMAV_CVC_COMPLEX_TYPE_2_4"})

TYPE_NAMES = {
    "string": ("tekst", "a string"),
    "integer": ("et heltall", "an integer"),
    "number": ("et tall", "a number"),
    "array": ("en liste", "a list"),
    "object": ("et objekt", "an object"),
    "boolean": ("sann/usann", "a boolean"),
}
TIME_TYPE = "Tidspunkt"


@cache
def _owners() -> dict[tuple[str, str], str]:
    from kad_spec.spec.catalogue import catalogue  # read when a schema error is first worded

    owners = {}
    for rule in catalogue().values():
        for claim in rule.implementation.claims:
            if claim.field is not None:
                owners[(claim.keyword, claim.field)] = rule.id
    return owners


@cache
def _attributes() -> dict[str, object]:
    return {".".join(path): attr for path, attr in model().walk()}


def rule_for(keyword: str, field: str) -> str:
    """The rule of a structural error: the catalogued rule that claims it, else the keyword's generic rule."""
    return _owners().get((keyword, field)) or GENERIC.get(keyword, FALLBACK)


def structure_hit(keyword: str, field: str, pointer: str, details: dict | None = None) -> Hit:
    """The finding of a structural error on ``field`` at ``pointer``; ``details`` are its message parameters."""
    return Hit(rule_for(keyword, field), pointer, {"element": field, **(details or {})})


def field_path(parts: Iterable) -> str:
    """Dotted field path without list indices: ``opphold.pasient.alder``."""
    return ".".join(p for p in parts if isinstance(p, str))


def attribute_at(field: str):
    """The model attribute of a dotted field path, or None for a field the model does not have."""
    return _attributes().get(field)


def is_time_field(field: str) -> bool:
    attr = attribute_at(field)
    return attr is not None and attr.range == TIME_TYPE


def left_to_time_rules(field: str, value) -> bool:
    """A time-shaped text that misses the Tidspunkt pattern is no real time: KAD-TID-007 says so."""
    return is_time_field(field) and is_time_shaped(value)


def type_details(type_name: str) -> dict:
    """Parameters for a value of the wrong type; ``type_name`` is a JSON Schema type or a model base type."""
    nb, en = TYPE_NAMES.get(type_name, (type_name, type_name))
    return {"expected": nb, "expected_en": en}


def base_type_of(field: str) -> str:
    attr = attribute_at(field)
    return model().base_type(attr.range) if attr is not None else "string"


def pattern_details(field: str) -> dict:
    m = model()
    attr = attribute_at(field)
    if attr is not None and attr.range in m.types and not attr.pattern:
        t = m.types[attr.range]
        return {"type_description": t.description, "type_description_en": t.annotations.get("title_en", t.name)}
    pattern = m.pattern_of(attr) if attr is not None else ""
    return {"type_description": f"må følge mønsteret {pattern}", "type_description_en": f"must match {pattern}"}


def range_details(field: str) -> dict:
    attr = attribute_at(field)
    return {"minimum": getattr(attr, "minimum_value", None), "maximum": getattr(attr, "maximum_value", None)}


def enum_details(field: str, value) -> dict:
    attr = attribute_at(field)
    enum = model().enums.get(attr.range) if attr is not None else None
    return {
        "codelist": enum.name if enum else "",
        "oid": (enum.oid or "") if enum else "",
        "allowed": ", ".join(enum.codes) if enum else "",
        "value": value,
    }


def keyword_details(keyword: str, field: str, value) -> dict:
    """The message parameters of a facet error (pattern, minimum/maximum, enum) on ``field``."""
    if keyword == "pattern":
        return pattern_details(field)
    if keyword in ("minimum", "maximum"):
        return range_details(field)
    if keyword == "enum":
        return enum_details(field, value)
    return {}
