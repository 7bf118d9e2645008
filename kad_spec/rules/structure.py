"""Structure: the generated JSON Schema, turned into findings with rule ids.

A schema error belongs to the generic structure rule for its keyword, unless a catalogued
rule claims that keyword on that field (``owns_schema`` in ``model/rules/``): a missing
discharge diagnosis is then reported as the diagnosis rule, not as "required element".
"""

from __future__ import annotations

from functools import cache
from typing import Iterable

import orjson

from kad_spec.catalogue import catalogue
from kad_spec.findings import Hit
from kad_spec.model import model
from kad_spec.resources import generated_dir
from kad_spec.timeutil import is_time_shaped
from kad_spec.rules import provides
from kad_spec.spec.pointer import join

GENERIC = {
    "Required": "KAD-STR-001",
    "AdditionalProperties": "KAD-STR-002",
    "Type": "KAD-STR-003",
    "Pattern": "KAD-STR-004",
    "Minimum": "KAD-STR-005",
    "Maximum": "KAD-STR-005",
    "MinItems": "KAD-STR-006",
    "Enum": "KAD-KL-001",
}
provides(*set(GENERIC.values()))
# Found while reading (kad_spec.readers), not by a check: the file rules and XML element order.
READER_RULES = ("KAD-FIL-001", "KAD-FIL-002", "KAD-FIL-003", "KAD-FIL-004", "KAD-STR-007")
provides(*READER_RULES)

TYPE_NAMES = {
    "string": ("tekst", "a string"),
    "integer": ("et heltall", "an integer"),
    "number": ("et tall", "a number"),
    "array": ("en liste", "a list"),
    "object": ("et objekt", "an object"),
    "boolean": ("sann/usann", "a boolean"),
}


@cache
def _schema() -> dict:
    return orjson.loads((generated_dir() / "jsonschema" / "kad.schema.json").read_bytes())


@cache
def _validators():
    import jsonschema_rs

    schema = _schema()
    header = jsonschema_rs.validator_for(schema)
    stay = jsonschema_rs.validator_for({"$schema": schema["$schema"], "$ref": "#/$defs/Opphold", "$defs": schema["$defs"]})
    return header, stay


@cache
def _owners() -> dict[tuple[str, str], str]:
    owners = {}
    for rule in catalogue().values():
        for claim in rule.extra.get("owns_schema") or ():
            owners[(claim["keyword"], claim["field"])] = rule.id
    return owners


@cache
def _attributes() -> dict[str, object]:
    return {".".join(path): attr for path, attr in model().walk()}


def field_path(parts: Iterable) -> str:
    """Dotted field path without list indices: ``opphold.pasient.alder``."""
    return ".".join(p for p in parts if isinstance(p, str))


def check_header(message: dict) -> list[Hit]:
    """Everything but the stays: the header is checked against the root schema."""
    header_only = {k: v for k, v in message.items() if k != "opphold"} if isinstance(message, dict) else message
    if isinstance(message, dict) and "opphold" in message and not isinstance(message["opphold"], list):
        header_only["opphold"] = message["opphold"]
    validator, _ = _validators()
    return _one_per_value(_hits(validator.iter_errors(header_only), ()))


def check_stay(stay) -> list[Hit]:
    _, validator = _validators()
    if validator.is_valid(stay):
        return []
    return _one_per_value(_hits(validator.iter_errors(stay), ("opphold",)))


def _one_per_value(hits: list[Hit]) -> list[Hit]:
    """A value of the wrong type also misses the code list; the type is the finding to act on."""
    typed = {hit.pointer for hit in hits if hit.rule_id == GENERIC["Type"]}
    if not typed:
        return hits
    return [hit for hit in hits if hit.rule_id == GENERIC["Type"] or hit.pointer not in typed]


def conditional_stay_hits(stay) -> list[Hit]:
    """Only the conditional requirements (if/then), which XSD 1.0 cannot express."""
    _, validator = _validators()
    if validator.is_valid(stay):
        return []
    return [
        _hit(error, ("opphold",))
        for error in validator.iter_errors(stay)
        if "then" in error.schema_path
    ]


def claimed_rule(keyword: str, field: str) -> str | None:
    """The catalogued rule that claims a schema keyword on a field, if any."""
    return _owners().get((keyword, field))


def attribute_at(field: str):
    return _attributes().get(field)


TIME_TYPE = "Tidspunkt"


def _hits(errors, prefix: tuple[str, ...]) -> list[Hit]:
    return [
        _hit(error, prefix)
        for error in errors
        if not (type(error.kind).__name__ == "Pattern"
                and left_to_time_rules(field_path(prefix + tuple(error.instance_path)), error.instance))
    ]


def left_to_time_rules(field: str, value) -> bool:
    """A time-shaped text that misses the Tidspunkt pattern is no real time: KAD-TID-007 says so."""
    attr = _attributes().get(field)
    return attr is not None and attr.range == TIME_TYPE and is_time_shaped(value)


def _hit(error, prefix: tuple[str, ...]) -> Hit:
    kind = error.kind
    name = type(kind).__name__
    path = list(error.instance_path)
    pointer = join(*path)
    parent = field_path(prefix + tuple(path))
    params: dict = {}
    if name == "Required":
        target = f"{parent}.{kind.property}" if parent else kind.property
        params["element"] = target
        pointer = join(*path, kind.property)
    elif name == "AdditionalProperties":
        unexpected = list(kind.unexpected)
        target = parent
        params["element"] = ", ".join(f"{parent}.{u}" if parent else u for u in unexpected)
        pointer = join(*path, unexpected[0]) if len(unexpected) == 1 else pointer
    else:
        target = parent
        params["element"] = parent
        params.update(_details(name, kind, parent, error))
    rule_id = _owners().get((_keyword(name, error), target)) or GENERIC.get(name, "KAD-STR-004")
    return Hit(rule_id, pointer, params)


def _keyword(name: str, error) -> str:
    keyword = {"Required": "required", "MinItems": "minItems", "Enum": "enum"}.get(name, name.lower())
    return keyword


def _details(name: str, kind, field: str, error) -> dict:
    attr = _attributes().get(field)
    if name == "Type":
        expected = getattr(kind, "types", None) or [getattr(kind, "type", "string")]
        first = str(list(expected)[0]) if expected else "string"
        nb, en = TYPE_NAMES.get(first, (first, first))
        return {"expected": nb, "expected_en": en}
    if name == "Pattern":
        return _pattern_text(attr)
    if name in ("Minimum", "Maximum"):
        return {
            "minimum": getattr(attr, "minimum_value", None),
            "maximum": getattr(attr, "maximum_value", None),
        }
    if name == "MinItems":
        return {"minimum": getattr(kind, "limit", 1)}
    if name == "Enum":
        return _enum_text(attr, getattr(error, "instance", None))
    return {}


def _pattern_text(attr) -> dict:
    m = model()
    if attr is not None and attr.range in m.types and not attr.pattern:
        t = m.types[attr.range]
        return {"type_description": t.description, "type_description_en": t.annotations.get("title_en", t.name)}
    pattern = m.pattern_of(attr) if attr is not None else ""
    return {"type_description": f"må følge mønsteret {pattern}", "type_description_en": f"must match {pattern}"}


def _enum_text(attr, value) -> dict:
    m = model()
    enum = m.enums.get(attr.range) if attr is not None else None
    return {
        "codelist": enum.name if enum else "",
        "oid": (enum.oid or "") if enum else "",
        "allowed": ", ".join(enum.codes) if enum else "",
        "value": value,
    }
