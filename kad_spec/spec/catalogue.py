"""The rule catalogue: one YAML file per area in ``model/rules/``.

Each rule has a stable id, a severity, bokmål and English message templates, a
Given/When/Then description, the fields it concerns and examples that the tests run.

An example is one message (a patch of the bundled example message, a whole file, or edits of
the bundled envelope), or, for the register's history rules, a ``sequence`` of messages taken
into an empty register one after the other (:class:`SequenceMessage`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from kad_spec.spec.compiled import load_yaml
from kad_spec.spec.resources import model_dir
from kad_spec.spec.text import Text

REQUIRED_KEYS = ("title", "title_en", "severity", "given", "when", "then", "message", "fields", "examples", "implementation")


class CatalogueError(ValueError):
    pass


@dataclass(frozen=True)
class Example:
    expect: str  # "pass" | "fail"
    name: str = ""  # snake_case, unique within the rule, reads as a sentence: fail_when_list_is_empty
    description: str = ""
    patch: tuple[dict, ...] = ()
    raw: str | None = None  # the whole file's text, for file-level rules
    format: str = "json"
    encoding: str = "utf-8"  # how ``raw`` is written to disk
    envelope: tuple[dict, ...] | None = None  # edits to the bundled enveloped example (kad_spec.message.envelope.apply_edits)
    sequence: tuple["SequenceMessage", ...] | None = None  # messages taken into an empty register in turn

    def file_bytes(self) -> bytes | None:
        return None if self.raw is None else self.raw.encode(self.encoding)


@dataclass(frozen=True)
class SequenceMessage:
    """One message of a history rule's example: the bundled example message with its own
    ``melding_id`` and ``opprettet``, only the stays ``opphold`` names (their indexes in the
    bundled message, in this order; None: all of them), then ``patch`` applied."""

    melding_id: str
    opprettet: str
    opphold: tuple[int, ...] | None = None
    patch: tuple[dict, ...] = ()
    description: str = ""

    def document(self, base: dict) -> dict:
        """The message made from ``base`` (the bundled example message, which is not changed)."""
        from kad_spec.spec.patch import apply_patch

        message = {**base, "meldingsinfo": {**base["meldingsinfo"], "melding_id": self.melding_id,
                                            "opprettet": self.opprettet}}
        if self.opphold is not None:
            message["opphold"] = [base["opphold"][i] for i in self.opphold]
        return apply_patch(message, list(self.patch))


IMPLEMENTATION_KINDS = ("check", "schema", "reader", "history")


@dataclass(frozen=True)
class SchemaClaim:
    """A schema keyword whose errors are this rule's: on one field, or (no field) on any field
    that no other rule claims."""

    keyword: str
    field: str | None = None


@dataclass(frozen=True)
class Implementation:
    """What finds a rule's defects: the one place a reviewer looks.

    - ``check``: check functions or classes (dotted names) registered in kad_spec.rules;
    - ``schema``: keywords of the generated JSON Schema and XSD (``claims``);
    - ``reader``: the module that reads the file (file-level problems);
    - ``history``: functions of the register's history rules (kad_spec.register.history), which
      ``kad-spec register ingest`` applies across messages, never ``validate`` to one file.
    """

    kind: str
    handlers: tuple[str, ...] = ()
    claims: tuple[SchemaClaim, ...] = ()


def _implementation(node, rule_id: str, source: Path) -> Implementation:
    if not isinstance(node, dict) or len(node) != 1 or next(iter(node)) not in IMPLEMENTATION_KINDS:
        raise CatalogueError(f"{source}: regel {rule_id}: implementation skal ha nøyaktig én av "
                             f"{', '.join(IMPLEMENTATION_KINDS)}")
    kind, value = next(iter(node.items()))
    if kind == "schema":
        claims = tuple(SchemaClaim(str(c["keyword"]), c.get("field")) for c in value or ())
        if not claims:
            raise CatalogueError(f"{source}: regel {rule_id}: implementation.schema er tom")
        return Implementation(kind, claims=claims)
    handlers = tuple(value) if isinstance(value, list) else (str(value),)
    return Implementation(kind, handlers=handlers)


@dataclass(frozen=True)
class Rule:
    id: str
    area: str
    title: str
    title_en: str
    severity: str
    given: str
    when: str
    then: str
    message_nb: str
    message_en: str
    fields: tuple[str, ...]
    examples: tuple[Example, ...]
    implementation: Implementation
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @cached_property
    def message_text(self) -> Text:
        return Text(self.message_nb, self.message_en)

    @cached_property
    def title_text(self) -> Text:
        return Text(self.title, self.title_en)

    def message(self, lang: str, params: dict[str, Any]) -> str:
        return self.message_text.format_lenient(lang, params)

    def title_in(self, lang: str) -> str:
        return self.title_text.get(lang)

    @property
    def slug(self) -> str:
        return self.id.lower()


def _rule(rule_id: str, node: dict, area: str, source: Path) -> Rule:
    missing = [k for k in REQUIRED_KEYS if k not in node]
    if missing:
        raise CatalogueError(f"{source}: regel {rule_id} mangler {', '.join(missing)}")
    if node["severity"] not in ("error", "warning"):
        raise CatalogueError(f"{source}: regel {rule_id} har ukjent alvorlighet {node['severity']!r}")
    examples = tuple(
        Example(
            expect=ex["expect"],
            name=str(ex.get("name") or ""),
            description=ex.get("description", ""),
            patch=tuple(ex.get("patch") or ()),
            raw=ex.get("raw"),
            format=ex.get("format", "json"),
            encoding=ex.get("encoding", "utf-8"),
            envelope=tuple(ex["envelope"] or ()) if "envelope" in ex else None,
            sequence=_sequence(ex["sequence"], rule_id, source) if "sequence" in ex else None,
        )
        for ex in node["examples"]
    )
    extra = {k: v for k, v in node.items() if k not in REQUIRED_KEYS}
    return Rule(
        id=rule_id,
        area=area,
        title=node["title"],
        title_en=node["title_en"],
        severity=node["severity"],
        given=" ".join(str(node["given"]).split()),
        when=" ".join(str(node["when"]).split()),
        then=" ".join(str(node["then"]).split()),
        message_nb=node["message"]["nb"],
        message_en=node["message"]["en"],
        fields=tuple(node["fields"]),
        examples=examples,
        implementation=_implementation(node["implementation"], rule_id, source),
        extra=extra,
    )


def _sequence(node, rule_id: str, source: Path) -> tuple[SequenceMessage, ...]:
    if not isinstance(node, list) or not node:
        raise CatalogueError(f"{source}: regel {rule_id}: sequence skal være en liste med minst én melding")
    messages = []
    for number, step in enumerate(node, start=1):
        if not isinstance(step, dict) or not {"melding_id", "opprettet"} <= set(step):
            raise CatalogueError(f"{source}: regel {rule_id}: melding {number} i sequence mangler melding_id og opprettet")
        stays = step.get("opphold")
        messages.append(SequenceMessage(
            melding_id=str(step["melding_id"]),
            opprettet=str(step["opprettet"]),
            opphold=None if stays is None else tuple(int(i) for i in stays),
            patch=tuple(step.get("patch") or ()),
            description=str(step.get("description") or ""),
        ))
    return tuple(messages)


def load_catalogue(directory: Path | None = None) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for path in sorted((directory or model_dir() / "rules").glob("*.yaml")):
        raw = load_yaml(path) or {}
        area = raw.get("area", path.stem)
        for rule_id, node in (raw.get("rules") or {}).items():
            if rule_id in rules:
                raise CatalogueError(f"{path}: regel-id {rule_id} er brukt to ganger")
            rules[rule_id] = _rule(rule_id, node, area, path)
    return rules


@cache
def catalogue() -> dict[str, Rule]:
    return load_catalogue()
