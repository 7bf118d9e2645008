"""Which published artefact checks which rule, derived from the catalogue and the model.

- JSON Schema: rules the schemas carry (``implementation: schema``), unless every failing example is
  an XML file (element order, say, which JSON does not have).
- XSD: the same rules, unless every schema keyword the rule claims on a field is on a
  conditional element (krav B): XSD 1.0 has no conditions.
- Both also check a rule whose ``schema_type`` names a model type whose pattern (and, in the
  XSD, ``xs:dateTime`` for model annotation ``xsd_type``) refuses what breaks the rule.
- Schematron: rules with a ``schematron`` entry (``generated/schematron/kad.sch``).
- kad-spec checks every rule, the ones above included: ``kad-spec validate`` every rule of one
  message, ``kad-spec register ingest`` the history rules (``implementation: history``), which
  need the messages before.
"""

from __future__ import annotations

from kad_spec.spec.catalogue import Rule
from kad_spec.spec.model import Model
from kad_spec.spec.text import Text

JSON_SCHEMA, XSD, SCHEMATRON, VALIDATOR = "json-schema", "xsd", "schematron", "kad-spec"
REGISTER = "kad-spec register"
NAMES = {
    JSON_SCHEMA: Text("JSON-skjemaet", "the JSON Schema"),
    XSD: Text("XSD-en", "the XSD"),
    SCHEMATRON: Text("Schematron-skjemaet", "the Schematron schema"),
    VALIDATOR: Text("kad-spec", "kad-spec"),
    REGISTER: Text("registeret (kad-spec register ingest)", "the register (kad-spec register ingest)"),
}
AND = Text("og", "and")


def checked_by(rule: Rule, m: Model) -> tuple[str, ...]:
    """The artefacts that reject a message breaking ``rule``, in the order of :data:`NAMES`."""
    found = []
    if rule.implementation.kind == "history":  # across messages: no schema, no single file
        return (REGISTER,)
    if rule.implementation.kind == "schema":
        failing = [ex for ex in rule.examples if ex.expect == "fail"]
        if not failing or any(ex.format != "xml" for ex in failing):
            found.append(JSON_SCHEMA)
        if not _only_conditional(rule, m):
            found.append(XSD)
    elif rule.extra.get("schema_type") in m.types:
        found += [JSON_SCHEMA, XSD]
    if rule.extra.get("schematron"):
        found.append(SCHEMATRON)
    found.append(VALIDATOR)
    return tuple(found)


def _only_conditional(rule: Rule, m: Model) -> bool:
    claims = [claim for claim in rule.implementation.claims if claim.field is not None]
    attributes = {".".join(path): attr for path, attr in m.walk()}
    owned = [attributes.get(claim.field) for claim in claims]
    return bool(owned) and all(attr is not None and attr.requirement == "B" for attr in owned)


def checked_by_text(rule: Rule, m: Model, lang: str = "nb") -> str:
    """``JSON-skjemaet, XSD-en og kad-spec``: the artefacts as a phrase."""
    names = [NAMES[key].get(lang) for key in checked_by(rule, m)]
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} {AND.get(lang)} {names[-1]}"
