"""Everything the site is built from, loaded once: model, code lists, rule catalogue, examples.

Also the site's address scheme (where each class, code list and rule lives) so that every
page links the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from kad_spec.spec.catalogue import Rule, load_catalogue
from kad_spec.codelists import CodeLists, load_codelists
from kad_spec.spec.model import Attribute, Class, Model, load_model

from .layout import slug

BASE_EXAMPLE = "kad-melding.json"
MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september",
          "oktober", "november", "desember")


class SiteSourceError(ValueError):
    """A source the site needs is missing or unreadable; the message names the file."""


@dataclass(frozen=True)
class Sources:
    model: Path
    codelists: Path
    examples: Path
    generated: Path

    @classmethod
    def bundled(cls) -> "Sources":
        from kad_spec.spec.resources import codelists_dir, examples_dir, generated_dir, model_dir

        return cls(model_dir(), codelists_dir(), examples_dir(), generated_dir())


def _yaml(path: Path, required: bool = True) -> Any:
    if not path.is_file():
        if required:
            raise SiteSourceError(f"{path}: filen finnes ikke")
        return {}
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SiteSourceError(f"{path}: ugyldig YAML: {exc}") from None


def norwegian_date(text: object) -> str:
    """2027-04-01 -> 1. april 2027 (other text unchanged)."""
    try:
        day = date.fromisoformat(str(text))
    except ValueError:
        return str(text)
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


@dataclass
class SiteContext:
    sources: Sources
    model: Model
    rules: dict[str, Rule]
    areas: dict[str, dict]
    codelists: CodeLists
    message: dict
    about: dict
    changelog: list[dict]
    _codelist_by_oid: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, sources: Sources) -> "SiteContext":
        example = sources.examples / BASE_EXAMPLE
        try:
            message = json.loads(example.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SiteSourceError(f"{example}: kan ikke leses: {exc}") from None
        areas = {p.stem: _yaml(p) for p in sorted((sources.model / "rules").glob("*.yaml"))}
        changelog = _yaml(sources.model / "endringslogg.yaml").get("versions") or []
        ctx = cls(
            sources=sources,
            model=load_model(sources.model),
            rules=load_catalogue(sources.model / "rules"),
            areas={a.get("area", stem): a for stem, a in areas.items()},
            codelists=load_codelists(sources.codelists),
            message=message,
            about=_yaml(sources.model / "om.yaml"),
            changelog=list(changelog),
        )
        ctx._codelist_by_oid = {ctx.codelists[n].oid: n for n in ctx.codelists.names() if ctx.codelists[n].oid}
        return ctx

    # -- addresses --------------------------------------------------------------------
    @staticmethod
    def class_page(name: str) -> str:
        return f"klasser/{slug(name)}.html"

    @staticmethod
    def codelist_page(name: str) -> str:
        return f"kodeverk/{name}.html"

    @staticmethod
    def rule_page(rule_id: str) -> str:
        return f"regler/{rule_id.lower()}.html"

    @staticmethod
    def type_anchor(name: str) -> str:
        return f"modell.html#type-{slug(name)}"

    # -- model lookups ----------------------------------------------------------------
    def resolve_field(self, dotted: str) -> tuple[Class, Attribute] | None:
        """'opphold.pasient.kjonn' -> (Pasient, kjonn attribute), None when it is not an element."""
        cls: Class | None = self.model.root
        found = None
        for name in dotted.split("."):
            if cls is None:
                return None
            attr = next((a for a in cls.attributes if a.name == name), None)
            if attr is None:
                return None
            found = (cls, attr)
            cls = self.model.classes.get(attr.range)
        return found

    def codelists_for(self, cls: Class, attr: Attribute) -> list[str]:
        """The code list files an element's values come from (by annotation, or by sibling system)."""
        m = self.model
        if attr.range in m.enums:
            name = m.enums[attr.range].codelist
            return [name] if name and name in self.codelists else []
        if attr.range in m.types:
            name = m.types[attr.range].annotations.get("codelist")
            if name and name in self.codelists:
                return [name]
            return self._lists_named_by_sibling(cls, attr)
        return []

    def _lists_named_by_sibling(self, cls: Class, attr: Attribute) -> list[str]:
        # A code whose system is given by a sibling enum (Diagnose.kode by Diagnose.kodeverk):
        # the sibling's values carry the OIDs of the lists the code may come from.
        names: list[str] = []
        for sibling in cls.attributes:
            enum = self.model.enums.get(sibling.range)
            if sibling is attr or enum is None:
                continue
            for value in enum.values:
                name = self._codelist_by_oid.get(str(value.annotations.get("oid", "")))
                if name and name not in names:
                    names.append(name)
        return names

    def users_of_codelist(self, name: str) -> list[tuple[Class, Attribute]]:
        return [(cls, attr) for cls in self.model.classes.values() for attr in cls.attributes
                if name in self.codelists_for(cls, attr)]

    def parents_of(self, class_name: str) -> list[tuple[Class, Attribute]]:
        return [(cls, attr) for cls in self.model.classes.values() for attr in cls.attributes
                if attr.range == class_name]

    def rules_for_class(self, class_name: str) -> list[Rule]:
        out = []
        for rule in self.rules.values():
            for dotted in rule.fields:
                hit = self.resolve_field(dotted)
                if hit and hit[0].name == class_name:
                    out.append(rule)
                    break
        return out

    def footer(self) -> str:
        m = self.model
        return (f"{m.title}. Spesifikasjon {m.version}, publisert {norwegian_date(m.annotations.get('publisert'))}, "
                f"gjelder fra {norwegian_date(m.annotations.get('ikrafttredelse'))}. "
                "Generert fra modellen, kodeverkene, regelkatalogen og eksemplene.")
