"""Small-number protection: counts under the threshold are hidden, and so are enough other
counts that a hidden one cannot be worked out from the totals that are shown.

Primary suppression hides every count from 1 to ``min_cell - 1`` (zero is shown: that a
category is empty is not a small group of people). Secondary suppression then looks at every
line of a table together with its total (a 1-D table is one line; a 2-D table has its rows,
its columns, the total row and the total column). A line with exactly one hidden count would
let a reader subtract, so the smallest other non-zero count in that line is hidden too; this
repeats until no line has exactly one hidden count.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Cell:
    """A count as published: ``n`` is None when the count is suppressed."""

    n: int | None
    suppressed: bool = False

    def label(self, min_cell: int) -> str:
        return f"<{min_cell}" if self.suppressed else str(self.n)

    def to_json(self) -> dict:
        return {"n": self.n, "suppressed": self.suppressed}


def is_small(count: int, min_cell: int) -> bool:
    return 0 < count < min_cell


def cell(count: int, hidden: bool) -> Cell:
    return Cell(None, True) if hidden else Cell(count, False)


def _protect_line(values: list[int], hidden: list[bool], protected_last: bool = True) -> bool:
    """Hide one more count in a line that has exactly one hidden; True when something changed.

    With ``protected_last`` the line's last entry is its total, which is hidden only when no
    inner count is left to hide.
    """
    if sum(hidden) != 1:
        return False
    inner = range(len(values) - 1) if protected_last else range(len(values))
    candidates = [i for i in inner if not hidden[i] and values[i] > 0]
    if not candidates and protected_last and not hidden[-1] and values[-1] > 0:
        candidates = [len(values) - 1]
    if not candidates:
        return False  # only zeros left: the hidden count equals the total, which is hidden too
    smallest = min(candidates, key=lambda i: (values[i], i))
    hidden[smallest] = True
    return True


def suppress_series(values: list[int], total: int, min_cell: int) -> tuple[list[Cell], Cell]:
    """A 1-D table with its total: the counts and the total as published."""
    line = [*values, total]
    hidden = [is_small(v, min_cell) for v in line]
    while _protect_line(line, hidden):
        pass
    cells = [cell(v, h) for v, h in zip(line, hidden)]
    return cells[:-1], cells[-1]


@dataclass(frozen=True)
class Table:
    """A 2-D table as published, with row totals, column totals and the grand total."""

    cells: list[list[Cell]]
    row_totals: list[Cell]
    column_totals: list[Cell]
    total: Cell

    def to_json(self) -> dict:
        return {
            "cells": [[c.to_json() for c in row] for row in self.cells],
            "row_totals": [c.to_json() for c in self.row_totals],
            "column_totals": [c.to_json() for c in self.column_totals],
            "total": self.total.to_json(),
        }


def suppress_table(counts: list[list[int]], min_cell: int) -> Table:
    """Protect a 2-D table of counts (rows × columns) together with its margins."""
    rows, cols = len(counts), len(counts[0]) if counts else 0
    # The full grid with the margins as last row and last column.
    grid = [[*row, sum(row)] for row in counts]
    grid.append([sum(counts[r][c] for r in range(rows)) for c in range(cols)] + [sum(map(sum, counts))])
    hidden = [[is_small(v, min_cell) for v in row] for row in grid]
    changed = True
    while changed:
        changed = False
        for r in range(rows + 1):
            flags = hidden[r]
            if _protect_line(grid[r], flags):
                changed = True
        for c in range(cols + 1):
            column = [grid[r][c] for r in range(rows + 1)]
            flags = [hidden[r][c] for r in range(rows + 1)]
            if _protect_line(column, flags):
                for r in range(rows + 1):
                    hidden[r][c] = flags[r]
                changed = True
    published = [[cell(v, h) for v, h in zip(row, flags)] for row, flags in zip(grid, hidden)]
    return Table(
        cells=[row[:-1] for row in published[:-1]],
        row_totals=[row[-1] for row in published[:-1]],
        column_totals=published[-1][:-1],
        total=published[-1][-1],
    )


@dataclass(frozen=True)
class Share:
    """A part of a whole as published; ``percent`` is None when it would reveal a small count."""

    part: Cell
    whole: Cell
    percent: float | None

    def to_json(self) -> dict:
        return {"part": self.part.to_json(), "whole": self.whole.to_json(), "percent": self.percent}


def share(part: int, whole: int, min_cell: int) -> Share:
    """Part of whole; the rest (whole − part) is protected as well, since it follows from both."""
    (part_cell, rest_cell), whole_cell = suppress_series([part, whole - part], whole, min_cell)
    hidden = part_cell.suppressed or rest_cell.suppressed or whole_cell.suppressed or whole == 0
    percent = None if hidden else round(100.0 * part / whole, 1)
    return Share(part_cell, whole_cell, percent)
