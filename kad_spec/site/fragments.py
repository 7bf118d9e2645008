"""JSON and XML fragments cut from the bundled example at build time.

Nothing here is hand-copied: a class page shows the first place its class occurs in the
example message, as JSON and as the canonical XML of the same message. Shown text passes
through :func:`mask_digits`, so no page shows a whole person id (not even a synthetic one).
"""

from __future__ import annotations

import copy
import json
from typing import Any, Iterator

from lxml import etree

from kad_spec.spec.findings import mask_digits
from kad_spec.spec.model import Class, Model
from kad_spec.spec.pointer import split
from kad_spec.message.xmlmap import to_xml


def pretty_json(value: Any) -> str:
    return mask_digits(json.dumps(value, ensure_ascii=False, indent=2))


def occurrences(m: Model, data: Any, cls: Class | None = None, pointer: str = "") -> Iterator[tuple[str, str, Any]]:
    """(JSON pointer, class name, value) of every object in ``data``, in document order."""
    cls = cls or m.root
    if not isinstance(data, dict):
        return
    yield pointer, cls.name, data
    for attr in cls.attributes:
        sub = m.classes.get(attr.range)
        if sub is None or attr.name not in data:
            continue
        value = data[attr.name]
        if attr.multivalued and isinstance(value, list):
            for index, item in enumerate(value):
                yield from occurrences(m, item, sub, f"{pointer}/{attr.name}/{index}")
        else:
            yield from occurrences(m, value, sub, f"{pointer}/{attr.name}")


def first_occurrences(m: Model, message: dict) -> dict[str, tuple[str, Any]]:
    """Class name -> (pointer, value) of its first occurrence in the message."""
    found: dict[str, tuple[str, Any]] = {}
    for pointer, name, value in occurrences(m, message):
        found.setdefault(name, (pointer, value))
    return found


def xml_fragment(xml_root: etree._Element, pointer: str) -> str:
    """The element at a JSON pointer in the canonical XML, re-indented on its own."""
    elem = xml_root
    tokens = split(pointer)
    index = 0
    while index < len(tokens):
        name = tokens[index]
        position = 0
        if index + 1 < len(tokens) and tokens[index + 1].isdigit():
            position = int(tokens[index + 1])
            index += 1
        matches = [c for c in elem if isinstance(c.tag, str) and etree.QName(c).localname == name]
        elem = matches[position]
        index += 1
    cut = copy.deepcopy(elem)
    cut.tail = None
    etree.indent(cut, space="  ")
    return mask_digits(etree.tostring(cut, encoding="unicode"))


def xml_document(message: dict, m: Model) -> etree._Element:
    return etree.fromstring(to_xml(message, m))
