"""Rule implementations, keyed by the rule ids of the catalogue in ``model/rules/``.

Three kinds of check, by what they look at:
- message checks see the message header (meldingsinfo, virksomhet) once;
- batch checks see a batch of stays at a time (kad_spec.message.batch.StayBatch) and
  return (index in the batch, hit) pairs, the hit's pointer within its stay;
- collection checks see every batch of a message in turn and report at the end
  (uniqueness, overlap).
A check may serve several rule ids, so that shared work (parsing an id, a time) is done once.
Structure and file rules are produced by the schema check and the readers. Every rule's
implementation is named by its catalogue entry (see ``Check``), never by the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from kad_spec.spec.findings import Hit


@dataclass(frozen=True)
class Check:
    """A registered check. Which rules it finds is said once, by the catalogue: every rule in
    ``model/rules/`` names its implementation (``implementation: check: <dotted name>``)."""

    func: Callable[..., Iterable[Hit]]

    @property
    def name(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"


MESSAGE_CHECKS: list[Check] = []  # func(header, ctx) -> hits
BATCH_CHECKS: list[Check] = []  # func(batch, ctx) -> (index in batch, hit) pairs
COLLECTION_CHECKS: list[Check] = []  # a class: (ctx), add_batch(batch) -> pairs, finish() -> hits
ENVELOPE_CHECKS: list[Check] = []  # func(envelope read, header) -> hits (a message in a MsgHead envelope)


def message_check(func):
    MESSAGE_CHECKS.append(Check(func))
    return func


def batch_check(func):
    BATCH_CHECKS.append(Check(func))
    return func


def envelope_check(func):
    ENVELOPE_CHECKS.append(Check(func))
    return func


def collection_check(cls):
    COLLECTION_CHECKS.append(Check(cls))
    return cls


def load_all() -> None:
    """Import every rule module once, so that their checks register (in this order: the order in
    which a stay's findings are kept)."""
    from kad_spec.rules import (  # noqa: F401
        codes,
        diagnoses,
        envelope,
        identity,
        message,
        organisations,
        stays,
        structure,
        times,
    )


def registered_checks() -> dict[str, Check]:
    """Every registered check by its dotted name."""
    load_all()
    return {check.name: check for checks in (MESSAGE_CHECKS, BATCH_CHECKS, COLLECTION_CHECKS, ENVELOPE_CHECKS)
            for check in checks}


def implemented_rule_ids() -> set[str]:
    """The catalogued rules whose implementation exists: registered checks, schema keywords the
    structure mapping knows, or a reader module."""
    import importlib.util

    from kad_spec.spec.catalogue import catalogue
    from kad_spec.spec.structure_map import KEYWORDS

    checks = registered_checks()
    found = set()
    for rule in catalogue().values():
        impl = rule.implementation
        if impl.kind == "check" and all(name in checks for name in impl.handlers):
            found.add(rule.id)
        elif impl.kind == "schema" and all(claim.keyword in KEYWORDS for claim in impl.claims):
            found.add(rule.id)
        elif impl.kind == "reader" and all(importlib.util.find_spec(name) for name in impl.handlers):
            found.add(rule.id)
        elif impl.kind == "history" and all(_is_function(name) for name in impl.handlers):
            found.add(rule.id)
    return found


def _is_function(dotted: str) -> bool:
    """A history rule's function exists (kad_spec.register.history, which the rules here never import:
    the register is built on the engine, not the engine on it)."""
    import importlib

    module, _, name = dotted.rpartition(".")
    try:
        return callable(getattr(importlib.import_module(module), name, None))
    except ImportError:
        return False


def unnamed_checks() -> set[str]:
    """Registered checks that no catalogued rule names (dead code, or a rule without an entry)."""
    from kad_spec.spec.catalogue import catalogue

    named = {name for rule in catalogue().values() for name in rule.implementation.handlers}
    return set(registered_checks()) - named


def get(node: Any, *keys: str) -> Any:
    """Walk dicts safely: rules run on messages that may be structurally broken."""
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node
