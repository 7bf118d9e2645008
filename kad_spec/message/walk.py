"""One walk of a JSON message along the model.

Writing XML (:func:`kad_spec.message.xmlmap.to_xml`), writing canonical JSON, checking that a
message fits the model before it is converted, and writing the examples' deliberately broken XML
all visit a message the same way: an object's members in the model's order, each with its JSON
pointer and the class of its value; a multivalued member element by element. What each of them
does with a member, and with a key the model does not know, is its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from kad_spec.spec.model import Attribute, Class, Model
from kad_spec.spec.pointer import escape


@dataclass(frozen=True)
class Member:
    """One member of an object in a message."""

    name: str
    attr: Attribute | None  # None: a key the model does not know
    value: Any
    pointer: str
    cls: Class | None  # the class its value (or each element) is of; None for a simple value

    def elements(self) -> list[tuple[Any, str]]:
        """A list value's elements, each with its pointer."""
        return [(item, f"{self.pointer}/{index}") for index, item in enumerate(self.value)]


def unknown_keys(obj: dict, cls: Class) -> list[str]:
    """The keys of ``obj`` that ``cls`` has no attribute for, in the order they were written."""
    names = {attr.name for attr in cls.attributes}
    return [key for key in obj if key not in names]


def members(obj: dict, cls: Class | None, pointer: str, m: Model) -> Iterator[Member]:
    """The members of ``obj``: those the model knows in the model's order, then the others as written."""
    names = set()
    for attr in cls.attributes if cls is not None else ():
        names.add(attr.name)
        if attr.name in obj:
            yield Member(attr.name, attr, obj[attr.name], _below(pointer, attr.name), m.classes.get(attr.range))
    for key in obj:
        if key not in names:
            yield Member(key, None, obj[key], _below(pointer, str(key)), None)


def _below(pointer: str, key: str) -> str:
    return f"{pointer}/{escape(key)}"
