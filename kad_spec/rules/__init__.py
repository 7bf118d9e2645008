"""Rule implementations, keyed by the rule ids of the catalogue in ``model/rules/``.

Three kinds of check, by what they look at:
- message checks see the message header (meldingsinfo, virksomhet) once;
- batch checks see a batch of stays at a time (kad_spec.validation.batch.StayBatch) and
  return (index in the batch, hit) pairs, the hit's pointer within its stay;
- collection checks see every batch of a message in turn and report at the end
  (uniqueness, overlap).
A check may serve several rule ids, so that shared work (parsing an id, a time) is done once.
Structure and file rules are produced by the readers and the schema check; they register
their ids with ``provides``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from kad_spec.findings import Hit


@dataclass(frozen=True)
class Check:
    rule_ids: tuple[str, ...]
    func: Callable[..., Iterable[Hit]]


MESSAGE_CHECKS: list[Check] = []
BATCH_CHECKS: list[Check] = []
COLLECTION_CHECKS: list[Check] = []  # func is a class: (ctx), add_batch(batch), finish()
_PROVIDED: set[str] = set()


def message_check(*rule_ids: str):
    def register(func):
        MESSAGE_CHECKS.append(Check(rule_ids, func))
        return func

    return register


def batch_check(*rule_ids: str):
    def register(func):
        BATCH_CHECKS.append(Check(rule_ids, func))
        return func

    return register


def collection_check(*rule_ids: str):
    def register(cls):
        COLLECTION_CHECKS.append(Check(rule_ids, cls))
        return cls

    return register


def provides(*rule_ids: str) -> None:
    """Declare rule ids that are produced outside the check lists (schema, readers)."""
    _PROVIDED.update(rule_ids)


def load_all() -> None:
    """Import every rule module once, so that their checks register."""
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
    import kad_spec.readers  # noqa: F401  - declares the file rules found while reading


def implemented_rule_ids() -> set[str]:
    load_all()
    ids = set(_PROVIDED)
    for checks in (MESSAGE_CHECKS, BATCH_CHECKS, COLLECTION_CHECKS):
        for check in checks:
            ids.update(check.rule_ids)
    return ids


def get(node: Any, *keys: str) -> Any:
    """Walk dicts safely: rules run on messages that may be structurally broken."""
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node
