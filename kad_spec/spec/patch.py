"""A small RFC 6902 JSON Patch (add, remove, replace, move, copy, test) for the catalogue's examples.

The catalogue's failing examples are patches against ``examples/kad-melding.json``; this applies
them without a further dependency, for the example generator, the rule pages and the tests.
"""

from __future__ import annotations

import copy
from typing import Any

from kad_spec.spec import pointer as json_pointer


class PatchError(ValueError):
    pass


def _tokens(pointer: str) -> list[str]:
    try:
        return json_pointer.split(pointer)
    except ValueError:
        raise PatchError(f"ugyldig JSON-peker {pointer!r}") from None


def _index(container: list, token: str, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(container)
    if not token.isdigit():
        raise PatchError(f"{token!r} er ikke en listeindeks")
    index = int(token)
    if index > len(container) or (index == len(container) and not allow_end):
        raise PatchError(f"indeks {index} er utenfor listen")
    return index


def _parent(doc: Any, pointer: str) -> tuple[Any, str]:
    tokens = _tokens(pointer)
    if not tokens:
        raise PatchError("roten kan ikke endres med denne operasjonen")
    node = doc
    for token in tokens[:-1]:
        node = _child(node, token)
    return node, tokens[-1]


def _child(node: Any, token: str) -> Any:
    if isinstance(node, dict):
        if token not in node:
            raise PatchError(f"finner ikke {token!r}")
        return node[token]
    if isinstance(node, list):
        return node[_index(node, token, allow_end=False)]
    raise PatchError(f"kan ikke gå inn i en enkel verdi med {token!r}")


def get(doc: Any, pointer: str) -> Any:
    node = doc
    for token in _tokens(pointer):
        node = _child(node, token)
    return node


def _add(doc: Any, pointer: str, value: Any) -> Any:
    if pointer == "":
        return value
    parent, token = _parent(doc, pointer)
    if isinstance(parent, dict):
        parent[token] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, token, allow_end=True), value)
    else:
        raise PatchError(f"kan ikke legge til i en enkel verdi ({pointer})")
    return doc


def _remove(doc: Any, pointer: str) -> Any:
    parent, token = _parent(doc, pointer)
    if isinstance(parent, dict):
        if token not in parent:
            raise PatchError(f"finner ikke {pointer}")
        del parent[token]
    elif isinstance(parent, list):
        del parent[_index(parent, token, allow_end=False)]
    else:
        raise PatchError(f"kan ikke fjerne fra en enkel verdi ({pointer})")
    return doc


def _replace(doc: Any, pointer: str, value: Any) -> Any:
    if pointer == "":
        return value
    get(doc, pointer)  # must exist
    parent, token = _parent(doc, pointer)
    if isinstance(parent, dict):
        parent[token] = value  # in place: the key keeps its position
    else:
        parent[_index(parent, token, allow_end=False)] = value
    return doc


def apply_patch(doc: Any, operations) -> Any:
    """A patched deep copy of ``doc``; ``doc`` itself is not changed."""
    doc = copy.deepcopy(doc)
    for op in operations:
        kind, path = op.get("op"), op.get("path", "")
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op["value"]))
        elif kind == "remove":
            doc = _remove(doc, path)
        elif kind == "replace":
            doc = _replace(doc, path, copy.deepcopy(op["value"]))
        elif kind == "move":
            value = get(doc, op["from"])
            doc = _add(_remove(doc, op["from"]), path, value)
        elif kind == "copy":
            doc = _add(doc, path, copy.deepcopy(get(doc, op["from"])))
        elif kind == "test":
            if get(doc, path) != op.get("value"):
                raise PatchError(f"test feilet for {path}")
        else:
            raise PatchError(f"ukjent operasjon {kind!r}")
    return doc
