"""Typed decoding of stays: msgspec Structs built from the generated JSON Schema.

A stay that decodes into these Structs and passes :func:`TypedStays.doubtful` is valid under the
JSON Schema, so the schema check can be skipped for it; any other stay goes to the schema
(jsonschema-rs) like before, which alone words the structure findings. The Structs are a fast
filter, never a second definition of structure: they are built from the schema at start-up,
and a schema keyword the builder does not know turns the filter off (every stay then goes to
the schema), so the model can change without this module going wrong.

Patterns are not checked by msgspec per value (``Meta(pattern)`` costs a Python regex call per
value, and Python's ``$`` also matches before a final newline): each pattern is checked by
jsonschema-rs, the schema's own validator, in one call over the column of that field's values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, cached_property
from itertools import compress, repeat
from operator import is_, is_not
from typing import Annotated, Literal, Union

import msgspec
from msgspec import UNSET, UnsetType

# Keywords that say nothing about validity, and those the builder turns into types.
_ANNOTATIONS = {"description", "title", "$comment", "$id", "$schema", "examples", "default"}


class Unsupported(Exception):
    """The schema uses something the typed filter does not model: every stay goes to the schema."""


@dataclass
class FieldCheck:
    """A pattern on one field, checked by jsonschema-rs over the column of that field's values."""

    path: tuple[str, ...]  # the field from the stay, or (``each`` given) from an item of that list
    pattern: str
    each: str | None = None  # a list of objects the field is in (``innskrivningsdiagnoser``)

    @cached_property
    def column_validator(self):
        import jsonschema_rs

        return jsonschema_rs.validator_for({"type": "array", "items": {"type": "string", "pattern": self.pattern}})

    @cached_property
    def value_validator(self):
        import jsonschema_rs

        return jsonschema_rs.validator_for({"type": "string", "pattern": self.pattern})


@dataclass
class TypedStays:
    """The Struct type of a stay and what the Structs cannot express (patterns, if/then)."""

    stay_type: type
    patterns: list[FieldCheck] = field(default_factory=list)
    conditions: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    # nested object -> its fields, each with whether it is required
    object_fields: dict[str, tuple[tuple[str, bool], ...]] = field(default_factory=dict)
    list_fields: dict[str, int] = field(default_factory=dict)  # list of objects -> keys per item

    @cached_property
    def decoder(self) -> msgspec.json.Decoder:
        """One decoder for every message of the run (made once: it compiles the Struct types)."""
        return msgspec.json.Decoder(list[self.stay_type])

    def doubtful(self, batch) -> list[int]:
        """Indices of a typed batch's stays that the schema might still refuse (a pattern, an if/then)."""
        bad = set(self.unmet_conditions(batch))
        for check in self.patterns:
            bad.update(_pattern_failures(batch, check))
        return sorted(bad)

    def unmet_conditions(self, batch) -> list[int]:
        """Indices of a typed batch's stays that may miss a conditional requirement (an if/then)."""
        bad: set[int] = set()
        for when, required, non_empty in self.conditions:
            given = [i for i, value in enumerate(batch.column(when)) if value is not UNSET]
            for name in required:
                column = batch.column(name)
                bad.update(i for i in given if column[i] is UNSET)
            for name in non_empty:
                column = batch.column(name)
                bad.update(i for i in given if not column[i])
        return sorted(bad)

    def keys_decoded(self, batch) -> int:
        """How many object keys a typed batch's stays hold (for the duplicate-key check).

        A required member is in every object it belongs to: only optional ones are counted.
        """
        total, stays = 0, len(batch)
        for name, required, members in self.key_layout:
            present = stays if required else stays - batch.column(name).count(UNSET)
            total += present
            for sub, sub_required in members:
                total += present if sub_required else stays - batch.column(f"{name}.{sub}").count(UNSET)
            if name in self.list_fields:
                total += self.list_fields[name] * len(batch.items(name)[0])
        return total

    @cached_property
    def key_layout(self) -> list[tuple[str, bool, tuple[tuple[str, bool], ...]]]:
        """Per member of a stay: its name, whether it is required, and the same for an object's members."""
        return [(info.name, info.required, self.object_fields.get(info.name, ()))
                for info in msgspec.structs.fields(self.stay_type)]


def _pattern_failures(batch, check: FieldCheck) -> list[int]:
    """Indices of stays whose value misses the pattern: one call over the column when all match."""
    if check.each is None:
        values = batch.column(".".join(check.path))
        owners = range(len(values))
    else:
        owners = batch.items(check.each)[0]
        values = batch.item_column(check.each, check.path[0])
    if any(map(is_, values, repeat(UNSET))):  # absent values are dropped by compress, not a Python loop
        given = list(map(is_not, values, repeat(UNSET)))
        owners, values = list(compress(owners, given)), list(compress(values, given))
    if not values or check.column_validator.is_valid(values):
        return []
    is_valid = check.value_validator.is_valid
    return [i for i, v in zip(owners, values) if not is_valid(v)]


class _Builder:
    def __init__(self, schema: dict):
        self.defs = schema.get("$defs", {})
        self.typed = TypedStays(stay_type=object)
        self.structs: dict[str, type] = {}

    def resolve(self, node: dict) -> tuple[str | None, dict]:
        ref = node.get("$ref")
        if ref is None:
            return None, node
        if set(node) - _ANNOTATIONS - {"$ref"}:
            raise Unsupported(f"$ref with siblings: {node}")
        name = ref.rsplit("/", 1)[-1]
        return name, self.defs[name]

    def type_of(self, node: dict, path: tuple[str, ...], each: str | None):
        name, node = self.resolve(node)
        kind = node.get("type")
        keys = set(node) - _ANNOTATIONS
        if kind == "object":
            return self.struct(name or "_".join(path), node, path, each)
        if kind == "string":
            if keys - {"type", "enum", "pattern"}:
                raise Unsupported(f"string keywords {keys} at {path}")
            if "enum" in node:
                if "pattern" in node:
                    raise Unsupported(f"enum with pattern at {path}")
                return Literal[tuple(node["enum"])]
            if "pattern" in node:
                relative = path[1:] if each is None else path[2:]
                self.typed.patterns.append(FieldCheck(relative, node["pattern"], each))
            return str
        if kind == "integer":
            if keys - {"type", "minimum", "maximum"}:
                raise Unsupported(f"integer keywords {keys} at {path}")
            meta = {}
            if "minimum" in node:
                meta["ge"] = node["minimum"]
            if "maximum" in node:
                meta["le"] = node["maximum"]
            # JSON Schema's integer also takes 70.0; msgspec refuses it, and the schema then decides.
            return Annotated[int, msgspec.Meta(**meta)] if meta else int
        if kind == "array":
            if keys - {"type", "items", "minItems"}:
                raise Unsupported(f"array keywords {keys} at {path}")
            item = self.type_of(node.get("items", {}), path, each=path[-1])
            if "minItems" in node:
                return Annotated[list[item], msgspec.Meta(min_length=node["minItems"])]
            return list[item]
        raise Unsupported(f"type {kind!r} at {path}")

    def struct(self, name: str, node: dict, path: tuple[str, ...], each: str | None) -> type:
        keys = set(node) - _ANNOTATIONS
        if keys - {"type", "properties", "required", "additionalProperties", "if", "then"}:
            raise Unsupported(f"object keywords {keys} at {path}")
        if node.get("additionalProperties") is not False:
            raise Unsupported(f"an object that allows other members at {path}")
        required = set(node.get("required", ()))
        fields = []
        for member, sub in node.get("properties", {}).items():
            member_type = self.type_of(sub, path + (member,), each)
            if member in required:
                fields.append((member, member_type))
            else:
                fields.append((member, Union[member_type, UnsetType], UNSET))
        if "if" in node or "then" in node:
            self.condition(node, path)
        # gc=False: a stay holds no cycles; tracking a million Structs would only cost collections.
        struct = msgspec.defstruct(f"Typed{name}", fields, kw_only=True, forbid_unknown_fields=True, gc=False)
        if len(path) == 2 and each is None:
            self.typed.object_fields[path[1]] = tuple((member, member in required) for member, *_ in fields)
        elif len(path) == 2 and each is not None:
            if any(len(f) == 3 for f in fields) or any(self._is_nested(sub) for sub in node.get("properties", {}).values()):
                raise Unsupported(f"list items with optional or nested members at {path}")
            self.typed.list_fields[path[1]] = len(fields)
        elif len(path) > 2:
            raise Unsupported(f"objects nested deeper than one level at {path}")
        return struct

    def _is_nested(self, sub: dict) -> bool:
        _, node = self.resolve(sub)
        return node.get("type") in ("object", "array")

    def condition(self, node: dict, path: tuple[str, ...]) -> None:
        """``if`` a member is present ``then`` members are required (and lists not empty)."""
        if len(path) != 1:
            raise Unsupported(f"if/then below the stay at {path}")
        when, then = node.get("if", {}), node.get("then", {})
        if set(when) - {"properties", "required"} or len(when.get("required", ())) != 1:
            raise Unsupported(f"if of another form at {path}")
        non_empty = []
        for member, sub in then.get("properties", {}).items():
            extra = set(sub) - {"items", "minItems", "type"}
            if extra or sub.get("minItems", 1) != 1 or (sub and sub.get("type", "array") != "array"):
                raise Unsupported(f"then of another form at {path}.{member}")
            if sub.get("minItems"):
                non_empty.append(member)
        if set(then) - {"properties", "required"}:
            raise Unsupported(f"then of another form at {path}")
        self.typed.conditions.append((when["required"][0], tuple(then.get("required", ())), tuple(non_empty)))


@cache
def typed_stays() -> TypedStays | None:
    """The typed filter for the bundled schema, or None when the schema uses what it does not model."""
    from kad_spec.rules.structure import stay_schema

    schema = stay_schema()
    builder = _Builder(schema)
    try:
        _, node = builder.resolve({"$ref": "#/$defs/Opphold"})
        builder.typed.stay_type = builder.struct("Opphold", node, ("opphold",), None)
    except Unsupported:
        return None
    return builder.typed
