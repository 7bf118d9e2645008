"""A light, read-only view of the LinkML model in ``model/``.

The validation path must start fast, so it reads the model YAML directly instead of
importing LinkML. It understands the subset of LinkML this project uses: classes with
``attributes``, types with ``typeof``/``pattern``, enums with ``permissible_values``,
and annotations. Generators that need the full LinkML semantics use ``SchemaView``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from kad_spec.spec.compiled import load_yaml
from kad_spec.spec.resources import model_dir

BUILTIN_TYPES = {"string", "integer", "boolean", "float", "date", "datetime", "decimal"}


def _annotations(node: dict) -> dict[str, str]:
    raw = node.get("annotations") or {}
    return {k: (v.get("value") if isinstance(v, dict) else v) for k, v in raw.items()}


@dataclass(frozen=True)
class PermissibleValue:
    code: str
    description: str
    title_en: str
    annotations: dict[str, Any]


@dataclass(frozen=True)
class Enum:
    name: str
    description: str
    annotations: dict[str, Any]
    values: tuple[PermissibleValue, ...]

    @property
    def oid(self) -> str | None:
        return self.annotations.get("oid")

    @property
    def codelist(self) -> str | None:
        return self.annotations.get("codelist")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.values)


@dataclass(frozen=True)
class Type:
    name: str
    base: str
    pattern: str | None
    description: str
    annotations: dict[str, Any]


@dataclass(frozen=True)
class Attribute:
    name: str
    owner: str
    range: str
    required: bool
    multivalued: bool
    minimum_cardinality: int | None
    minimum_value: int | None
    maximum_value: int | None
    pattern: str | None
    description: str
    annotations: dict[str, Any]

    @property
    def requirement(self) -> str:
        """NPR/KPR requirement flag: O obligatorisk, V valgfri, B betinget."""
        return self.annotations.get("krav", "O" if self.required else "V")

    @property
    def condition(self) -> str | None:
        return self.annotations.get("betingelse")

    @property
    def item(self) -> str | None:
        """The item (1-9) of the proposal this element realises, if any."""
        return self.annotations.get("forslag_punkt")

    @property
    def cardinality(self) -> str:
        low = self.minimum_cardinality if self.minimum_cardinality is not None else int(self.required)
        high = "n" if self.multivalued else "1"
        return f"{low}..{high}"


@dataclass(frozen=True)
class Class:
    name: str
    description: str
    annotations: dict[str, Any]
    attributes: tuple[Attribute, ...]
    rules: tuple[dict, ...] = ()
    tree_root: bool = False


@dataclass(frozen=True)
class Model:
    name: str
    id: str
    title: str
    description: str
    version: str
    annotations: dict[str, Any]
    classes: dict[str, Class]
    types: dict[str, Type]
    enums: dict[str, Enum]
    raw: dict = field(repr=False, compare=False)
    directory: Path | None = field(default=None, repr=False, compare=False)

    @cached_property
    def changelog(self) -> tuple:
        """The versions in ``endringslogg.yaml`` beside ``kad.yaml`` (read on first use)."""
        from kad_spec.spec.versions import read_changelog

        return tuple(read_changelog(self.directory)) if self.directory else ()

    @property
    def root(self) -> Class:
        return next(c for c in self.classes.values() if c.tree_root)

    @property
    def namespace(self) -> str:
        return self.annotations["xml_namespace"]

    @property
    def effective(self) -> date | None:
        try:
            return date.fromisoformat(str(self.annotations.get("ikrafttredelse")))
        except ValueError:
            return None

    @property
    def supported_versions(self) -> tuple[str, ...]:
        """The versions accepted during the transition: this one and the previous logged one."""
        return self.accepted_versions(None)

    def accepted_versions(self, on: date | None) -> tuple[str, ...]:
        """The versions a message created on ``on`` may carry (see :mod:`kad_spec.spec.versions`)."""
        found = self._accepted_on.get(on)
        if found is None:
            from kad_spec.spec.versions import accepted_versions

            found = self._accepted_on[on] = accepted_versions(self.version, self.effective, list(self.changelog), on)
        return found

    @cached_property
    def _accepted_on(self) -> dict:
        """accepted_versions by day, worked out once per day: asked for every message."""
        return {}

    def base_type(self, range_name: str) -> str:
        """The builtin type a range bottoms out in (string for enums and classes' ids)."""
        seen = range_name
        while seen in self.types:
            seen = self.types[seen].base
        return seen if seen in BUILTIN_TYPES else "string"

    def pattern_of(self, attr: Attribute) -> str | None:
        if attr.pattern:
            return attr.pattern
        name = attr.range
        while name in self.types:
            if self.types[name].pattern:
                return self.types[name].pattern
            name = self.types[name].base
        return None

    def walk(self, cls: Class | None = None, prefix: tuple[str, ...] = ()):
        """Yield (path, attribute) for every element below ``cls`` (default: root), depth first."""
        cls = cls or self.root
        for attr in cls.attributes:
            path = prefix + (attr.name,)
            yield path, attr
            if attr.range in self.classes:
                yield from self.walk(self.classes[attr.range], path)


def _attribute(owner: str, name: str, node: dict | None) -> Attribute:
    node = node or {}
    return Attribute(
        name=name,
        owner=owner,
        range=node.get("range", "string"),
        required=bool(node.get("required", False)),
        multivalued=bool(node.get("multivalued", False)),
        minimum_cardinality=node.get("minimum_cardinality"),
        minimum_value=node.get("minimum_value"),
        maximum_value=node.get("maximum_value"),
        pattern=node.get("pattern"),
        description=" ".join(str(node.get("description", "")).split()),
        annotations=_annotations(node),
    )


def _class(name: str, node: dict) -> Class:
    attrs = tuple(_attribute(name, k, v) for k, v in (node.get("attributes") or {}).items())
    return Class(
        name=name,
        description=" ".join(str(node.get("description", "")).split()),
        annotations=_annotations(node),
        attributes=attrs,
        rules=tuple(node.get("rules") or ()),
        tree_root=bool(node.get("tree_root", False)),
    )


def _enum(name: str, node: dict) -> Enum:
    values = []
    for code, pv in (node.get("permissible_values") or {}).items():
        pv = pv or {}
        ann = _annotations(pv)
        values.append(
            PermissibleValue(
                code=str(code),
                description=str(pv.get("description", "")),
                title_en=str(ann.get("title_en", "")),
                annotations=ann,
            )
        )
    return Enum(name, " ".join(str(node.get("description", "")).split()), _annotations(node), tuple(values))


def _type(name: str, node: dict) -> Type:
    return Type(
        name=name,
        base=node.get("typeof", "string"),
        pattern=node.get("pattern"),
        description=" ".join(str(node.get("description", "")).split()),
        annotations=_annotations(node),
    )


def load_model(directory: Path | None = None) -> Model:
    path = (directory or model_dir()) / "kad.yaml"
    raw = load_yaml(path)
    return Model(
        name=raw["name"],
        id=raw["id"],
        title=raw.get("title", raw["name"]),
        description=" ".join(str(raw.get("description", "")).split()),
        version=str(raw["version"]),
        annotations=_annotations(raw),
        classes={k: _class(k, v or {}) for k, v in (raw.get("classes") or {}).items()},
        types={k: _type(k, v or {}) for k, v in (raw.get("types") or {}).items()},
        enums={k: _enum(k, v or {}) for k, v in (raw.get("enums") or {}).items()},
        raw=raw,
        directory=path.parent,
    )


@cache
def model() -> Model:
    """The bundled model, loaded once per process."""
    return load_model()
