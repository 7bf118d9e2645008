"""Structure: the generated JSON Schema, turned into findings with rule ids.

Which rule a schema error belongs to, and its message parameters, is decided in
:mod:`kad_spec.spec.structure_map`, the one table the XML reader's XSD errors go through too.
"""

from __future__ import annotations

from functools import cache

import msgspec

from kad_spec.spec.findings import Hit
from kad_spec.spec.resources import generated_dir
from kad_spec.spec.pointer import join
from kad_spec.spec.structure_map import (
    GENERIC, field_path, keyword_details, left_to_time_rules, structure_hit, type_details,
)

# jsonschema_rs's error kinds (class names) as the JSON Schema keywords they stand for.
KEYWORDS = {
    "Required": "required",
    "AdditionalProperties": "additionalProperties",
    "Type": "type",
    "Pattern": "pattern",
    "Minimum": "minimum",
    "Maximum": "maximum",
    "MinItems": "minItems",
    "Enum": "enum",
}


@cache
def _schema() -> dict:
    return msgspec.json.decode((generated_dir() / "jsonschema" / "kad.schema.json").read_bytes())


def stay_schema() -> dict:
    """The schema of one stay (``#/$defs/Opphold`` with every definition it refers to)."""
    schema = _schema()
    return {"$schema": schema["$schema"], "$ref": "#/$defs/Opphold", "$defs": schema["$defs"]}


@cache
def _validators():
    import jsonschema_rs

    schema = _schema()
    header = jsonschema_rs.validator_for(schema)
    stay = jsonschema_rs.validator_for(stay_schema())
    return header, stay


def check_header(message: dict) -> list[Hit]:
    """Everything but the stays: the header is checked against the root schema."""
    header_only = {k: v for k, v in message.items() if k != "opphold"} if isinstance(message, dict) else message
    if isinstance(message, dict) and "opphold" in message and not isinstance(message["opphold"], list):
        header_only["opphold"] = message["opphold"]
    validator, _ = _validators()
    if validator.is_valid(header_only):
        return []
    return _one_per_value(_hits(validator.iter_errors(header_only), ()))


def check_stay(stay) -> list[Hit]:
    _, validator = _validators()
    if validator.is_valid(stay):
        return []
    return _one_per_value(_hits(validator.iter_errors(stay), ("opphold",)))


def _one_per_value(hits: list[Hit]) -> list[Hit]:
    """A value of the wrong type also misses the code list; the type is the finding to act on."""
    typed = {hit.pointer for hit in hits if hit.rule_id == GENERIC["type"]}
    if not typed:
        return hits
    return [hit for hit in hits if hit.rule_id == GENERIC["type"] or hit.pointer not in typed]


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


def _hits(errors, prefix: tuple[str, ...]) -> list[Hit]:
    return [
        _hit(error, prefix)
        for error in errors
        if not (type(error.kind).__name__ == "Pattern"
                and left_to_time_rules(field_path(prefix + tuple(error.instance_path)), error.instance))
    ]


def _hit(error, prefix: tuple[str, ...]) -> Hit:
    kind = error.kind
    name = type(kind).__name__
    keyword = KEYWORDS.get(name, name.lower())
    path = list(error.instance_path)
    parent = field_path(prefix + tuple(path))
    if name == "Required":
        target = f"{parent}.{kind.property}" if parent else kind.property
        return structure_hit(keyword, target, join(*path, kind.property))
    if name == "AdditionalProperties":
        unexpected = list(kind.unexpected)
        pointer = join(*path, unexpected[0]) if len(unexpected) == 1 else join(*path)
        element = ", ".join(f"{parent}.{u}" if parent else u for u in unexpected)
        return structure_hit(keyword, parent, pointer, {"element": element})
    return structure_hit(keyword, parent, join(*path), _details(name, kind, parent, error))


def _details(name: str, kind, field: str, error) -> dict:
    if name == "Type":
        expected = getattr(kind, "types", None) or [getattr(kind, "type", "string")]
        return type_details(str(list(expected)[0]) if expected else "string")
    if name == "MinItems":
        return {"minimum": getattr(kind, "limit", 1)}
    return keyword_details(KEYWORDS.get(name, ""), field, getattr(error, "instance", None))
