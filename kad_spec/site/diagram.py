"""The class diagram as SVG, laid out deterministically without graphviz.

Layout: one column per depth below the root class (left to right). The deepest column is
stacked first; a parent is then placed level with its first child where there is room, so
most connectors run straight. Each connector leaves the parent at the row of the attribute
that holds the child class and enters the child's title bar, labelled with the cardinality.
Text widths are estimated from character counts of a monospace font, so no font metrics
(and no fonts) are needed at build time.
"""

from __future__ import annotations

from dataclasses import dataclass

from kad_spec.spec.model import Attribute, Model

from .layout import esc, slug

CHAR_WIDTH = 7.3  # 12px monospace
TITLE_HEIGHT = 26
ROW_HEIGHT = 18
PADDING = 10
COLUMN_GAP = 90
BOX_GAP = 24
MARGIN = 16


@dataclass
class Box:
    name: str
    depth: int
    rows: list[str]
    attributes: list[Attribute]
    x: float = 0
    y: float = 0
    width: float = 0

    @property
    def height(self) -> float:
        return TITLE_HEIGHT + ROW_HEIGHT * len(self.rows) + PADDING / 2

    def row_y(self, index: int) -> float:
        return self.y + TITLE_HEIGHT + ROW_HEIGHT * index + ROW_HEIGHT / 2 + 4


def _row_text(m: Model, attr: Attribute) -> str:
    return f"{attr.name}: {attr.range} [{attr.cardinality}]"


def _depths(m: Model) -> dict[str, int]:
    """Breadth-first depth of every class reachable from the root, in model order."""
    depths = {m.root.name: 0}
    queue = [m.root.name]
    while queue:
        name = queue.pop(0)
        for attr in m.classes[name].attributes:
            if attr.range in m.classes and attr.range not in depths:
                depths[attr.range] = depths[name] + 1
                queue.append(attr.range)
    for name in m.classes:  # classes the root does not reach still get drawn
        depths.setdefault(name, 0)
    return depths


def _children(m: Model, name: str, depths: dict[str, int]) -> list[str]:
    out = []
    for attr in m.classes[name].attributes:
        if attr.range in m.classes and depths[attr.range] == depths[name] + 1 and attr.range not in out:
            out.append(attr.range)
    return out


def layout(m: Model) -> list[Box]:
    depths = _depths(m)
    boxes = {
        name: Box(name, depths[name], [_row_text(m, a) for a in cls.attributes], list(cls.attributes))
        for name, cls in m.classes.items()
    }
    columns: dict[int, list[Box]] = {}
    order = _document_order(m, depths)
    for name in order:
        columns.setdefault(depths[name], []).append(boxes[name])
    x = MARGIN
    for depth in sorted(columns):
        width = max(max(len(r) for r in b.rows + [b.name]) * CHAR_WIDTH + 2 * PADDING for b in columns[depth])
        for box in columns[depth]:
            box.x, box.width = x, round(width)
        x += round(width) + COLUMN_GAP
    for depth in sorted(columns, reverse=True):
        cursor = MARGIN
        for box in columns[depth]:
            kids = [boxes[k] for k in _children(m, box.name, depths)]
            wanted = kids[0].y if kids else cursor
            box.y = max(cursor, wanted)
            cursor = box.y + box.height + BOX_GAP
    return [boxes[name] for name in order]


def _document_order(m: Model, depths: dict[str, int]) -> list[str]:
    """Classes depth-first from the root (children under their first parent), then the rest."""
    seen: list[str] = []

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.append(name)
        for child in _children(m, name, depths):
            visit(child)

    visit(m.root.name)
    for name in m.classes:
        visit(name)
    return seen


def _connector(parent: Box, index: int, child: Box, card: str, arrival: int) -> str:
    """An elbow from the parent's attribute row to the child's left edge (``arrival``-th edge in)."""
    x1, y1 = parent.x + parent.width, parent.row_y(index) - 4
    x2, y2 = child.x, child.y + TITLE_HEIGHT / 2 + arrival * ROW_HEIGHT
    mid = x1 + COLUMN_GAP / 2 if child.x > parent.x else x1 + 20
    path = f"M{x1:.0f} {y1:.0f} H{mid:.0f} V{y2:.0f} H{x2 - 8:.0f}"
    arrow = f"M{x2 - 8:.0f} {y2 - 4:.0f} L{x2:.0f} {y2:.0f} L{x2 - 8:.0f} {y2 + 4:.0f} Z"
    label = f'<text x="{x2 - 10:.0f}" y="{y2 - 6:.0f}" class="kard" text-anchor="end">{esc(card)}</text>'
    diamond = (f"M{x1:.0f} {y1:.0f} l6 -4 l6 4 l-6 4 Z")
    return (f'<path d="{path}" class="kant"/><path d="{arrow}" class="pil"/>'
            f'<path d="{diamond}" class="diamant"/>{label}')


def render_svg(m: Model, link_prefix: str = "") -> str:
    """The diagram; boxes link to ``{link_prefix}klasser/<class>.html``."""
    boxes = layout(m)
    by_name = {b.name: b for b in boxes}
    width = max(b.x + b.width for b in boxes) + MARGIN
    height = max(b.y + b.height for b in boxes) + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" class="modelldiagram" '
        f'aria-labelledby="diagramtittel">',
        f'<title id="diagramtittel">Klassediagram for {esc(m.title)}</title>',
        "<style>"
        ".boks{fill:#fff;stroke:#1f4e79;stroke-width:1.2}.tittelfelt{fill:#1f4e79}"
        ".tittel{fill:#fff;font:bold 13px sans-serif}.rad{fill:#1b1b1b;font:12px monospace}"
        ".kant{fill:none;stroke:#555;stroke-width:1.2}.pil{fill:#555}.diamant{fill:#1f4e79}"
        ".kard{fill:#444;font:11px monospace}"
        "</style>",
    ]
    arrivals: dict[str, int] = {}
    for box in boxes:
        for index, attr in enumerate(box.attributes):
            if attr.range in by_name:
                arrival = arrivals.get(attr.range, 0)
                arrivals[attr.range] = arrival + 1
                parts.append(_connector(box, index, by_name[attr.range], attr.cardinality, arrival))
    for box in boxes:
        parts.append(f'<a href="{esc(link_prefix)}klasser/{slug(box.name)}.html">')
        parts.append(f'<rect class="boks" x="{box.x:.0f}" y="{box.y:.0f}" width="{box.width:.0f}" '
                     f'height="{box.height:.0f}" rx="3"/>')
        parts.append(f'<rect class="tittelfelt" x="{box.x:.0f}" y="{box.y:.0f}" width="{box.width:.0f}" '
                     f'height="{TITLE_HEIGHT}" rx="3"/>')
        parts.append(f'<text class="tittel" x="{box.x + PADDING:.0f}" y="{box.y + 18:.0f}">{esc(box.name)}</text>')
        for index, row in enumerate(box.rows):
            parts.append(f'<text class="rad" x="{box.x + PADDING:.0f}" y="{box.row_y(index):.0f}">{esc(row)}</text>')
        parts.append("</a>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
