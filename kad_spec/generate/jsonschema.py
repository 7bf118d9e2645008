"""JSON Schema (draft 2020-12) from the model, via LinkML's generator plus our conventions.

LinkML allows ``null`` for optional fields; a KAD message leaves optional fields out, so
``null`` is removed. Conditional cardinality from class rules is kept.

Only keywords of the 2020-12 vocabularies are written, so validators in strict mode (ajv's
default) accept the schema. What has no keyword of its own sits in ``$comment`` as a JSON
object, readable with one ``json.loads``: the specification version on the root
(``{"versjon": ...}``) and, on each code list, its Volven OID, name, source and the text of
every code (``{"oid", "kodeliste", "kilde", "koder"}``).
"""

from __future__ import annotations

import json

from kad_spec.spec.model import Model

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def generate_jsonschema(view, m: Model) -> str:
    from linkml.generators.jsonschemagen import JsonSchemaGenerator

    schema = json.loads(JsonSchemaGenerator(view.schema, not_closed=False).serialize())
    schema.pop("metamodel_version", None)
    schema.pop("version", None)
    schema["$schema"] = DRAFT
    schema["$comment"] = _comment({"versjon": m.version})
    schema["title"] = m.title
    schema["$id"] = f"{m.id}/{m.version}/kad.schema.json"
    _drop_nulls(schema)
    for name, enum in m.enums.items():
        _annotate_enum(schema["$defs"][name], enum)
    _conditional_cardinality(schema, m)
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _drop_nulls(node) -> None:
    if isinstance(node, dict):
        kind = node.get("type")
        if isinstance(kind, list) and "null" in kind:
            rest = [k for k in kind if k != "null"]
            node["type"] = rest[0] if len(rest) == 1 else rest
        any_of = node.get("anyOf")
        if isinstance(any_of, list) and {"type": "null"} in any_of:
            rest = [a for a in any_of if a != {"type": "null"}]
            del node["anyOf"]
            if len(rest) == 1:
                node.update(rest[0])
            else:
                node["anyOf"] = rest
        for value in node.values():
            _drop_nulls(value)
    elif isinstance(node, list):
        for value in node:
            _drop_nulls(value)


def _comment(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _annotate_enum(definition: dict, enum) -> None:
    definition["description"] = enum.description
    info = {"oid": enum.oid} if enum.oid else {}
    for key, name in (("source", "kilde"), ("codelist", "kodeliste")):
        if enum.annotations.get(key):
            info[name] = enum.annotations[key]
    info["koder"] = {v.code: v.description for v in enum.values}
    definition["$comment"] = _comment(info)


def _conditional_cardinality(schema: dict, m: Model) -> None:
    """LinkML writes ``required`` into if/then but not ``minimum_cardinality``."""
    for cls in m.classes.values():
        for rule in cls.rules:
            then = schema["$defs"][cls.name].get("then", {})
            for slot, cond in (rule.get("postconditions", {}).get("slot_conditions") or {}).items():
                low = cond.get("minimum_cardinality")
                if low is not None and slot in then.get("properties", {}):
                    then["properties"][slot]["minItems"] = low
