"""A batch of stays and the columns the rules read from it.

Rules run over a batch of up to :data:`BATCH_SIZE` stays at a time, so memory stays flat
whatever the file size, and the per-stay cost is a few list operations in C. A batch holds
either typed rows (msgspec Structs, for stays the typed decoder took) or plain rows (dicts, or
whatever the file had in place of a stay); every rule reads both through the same columns.

A column is a list with one value per stay: the member's value, or ``MISSING`` when the member
is absent or its parent is not an object. Values are as written: a rule still checks their type
(a plain row may carry a number where text belongs; the schema reports that, the rule says no more).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import attrgetter
from typing import Any

from msgspec import UNSET, Struct

BATCH_SIZE = 8192  # a piece of the JSON batch reader (2 MB) holds fewer
MISSING = UNSET  # one marker for "absent" in typed and plain rows alike


class _Absent:
    """Stands in for an absent object: every member of it is MISSING."""

    def __getattr__(self, name: str):
        return MISSING


_ABSENT = _Absent()


def member(node: Any, name: str) -> Any:
    """``node[name]`` of a dict or a Struct; MISSING when absent or when node is no object."""
    if isinstance(node, dict):  # the streaming reader's objects are a dict subclass
        return node.get(name, MISSING)
    return getattr(node, name, MISSING) if isinstance(node, Struct) else MISSING


@dataclass
class StayBatch:
    """Stays ``start`` … ``start + len(rows) - 1`` of a message, in file order."""

    start: int
    rows: list
    typed: bool = False  # every row is a Struct of kad_spec.validation.typed
    reader_hits: dict[int, list] = field(default_factory=dict)  # local index -> hits the reader found
    lines: dict[int, Any] = field(default_factory=dict)  # local index -> {pointer: line} (or a callable)
    _columns: dict[str, list] = field(default_factory=dict, repr=False)
    memo: dict[str, Any] = field(default_factory=dict, repr=False)  # values several rules share

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, path: str) -> list:
        """The values of a dotted member path (``pasient.id``), one per stay."""
        found = self._columns.get(path)
        if found is None:
            found = self._columns[path] = self._build(path)
        return found

    def _build(self, path: str) -> list:
        parent, _, name = path.rpartition(".")
        if not parent:
            if self.typed:
                return list(map(attrgetter(name), self.rows))
            return [row.get(name, MISSING) if isinstance(row, dict) else MISSING for row in self.rows]
        values = self.column(parent)
        if self.typed:
            if MISSING in values:  # an optional object: absent ones give MISSING
                values = [_ABSENT if value is MISSING else value for value in values]
            return list(map(attrgetter(name), values))
        return [member(value, name) for value in values]

    def items(self, list_path: str) -> tuple[list[int], list[int], list]:
        """Every element of a list member: (stay index, position in the list, element), flattened."""
        key = "[]" + list_path
        found = self.memo.get(key)
        if found is None:
            lists = [value if type(value) is list else () for value in self.column(list_path)]
            lengths = list(map(len, lists))
            owners = list(chain.from_iterable(map(repeat, range(len(lists)), lengths)))
            positions = list(chain.from_iterable(map(range, lengths)))
            found = self.memo[key] = (owners, positions, list(chain.from_iterable(lists)))
        return found

    def item_column(self, list_path: str, name: str) -> list:
        """A member of every element of a list member, in the order of :meth:`items`."""
        key = f"[]{list_path}.{name}"
        found = self._columns.get(key)
        if found is None:
            elements = self.items(list_path)[2]
            if self.typed:
                found = list(map(attrgetter(name), elements))
            else:
                found = [member(element, name) for element in elements]
            self._columns[key] = found
        return found

    def plain_rows(self) -> list:
        """The stays as plain JSON values (dicts), as a streaming reader gives them."""
        if not self.typed:
            return self.rows
        import msgspec

        return msgspec.to_builtins(self.rows)

    def stay_id(self, i: int) -> str | None:
        value = self.column("opphold_id")[i]
        return value if type(value) is str else None


def check_one_stay(check, stay, ctx) -> list:
    """The hits of a batch check on a single stay (pointers within the stay): for trying a rule."""
    return [hit for _, hit in check(StayBatch(0, [stay]), ctx)]


def add_one_stay(collection, index: int, stay) -> list:
    """A collection check given a single stay at ``index`` of its message: for trying a rule."""
    return [hit for _, hit in collection.add_batch(StayBatch(index, [stay]))]
