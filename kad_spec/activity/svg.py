"""Small inline SVG charts. No scripts, no fonts to fetch: text uses the page's font stack."""

from __future__ import annotations

import hashlib
import math
from html import escape

from kad_spec.activity.suppression import Cell

BAR = "#2b6cb0"
HATCH = "#cbd5e0"  # suppressed: thin light lines on white, never a fill that reads as "many"
GRID = "#e2e8f0"
INK = "#1a202c"


def _tint(strength: float) -> str:
    """The bar colour laid over white at ``strength`` (0..1), as #rrggbb.

    Not rgba(43,108,176,0.13): the output's guard against personal ids reads its run of
    digits as an id and masks it, which leaves the cell black.
    """
    red, green, blue = (int(BAR[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(255 - (255 - c) * strength):02x}" for c in (red, green, blue))


def _pattern_id(title: str) -> str:
    """One hatch pattern per chart, its id unique on the page and the same on every run."""
    return "skjult-" + hashlib.sha1(title.encode("utf-8")).hexdigest()[:10]


def hatch_pattern(pattern_id: str) -> str:
    return (f'<defs><pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{HATCH}" stroke-width="2"/></pattern></defs>')


def _open(width: int, height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
            f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>')


def _nice_max(value: int) -> int:
    """A round axis maximum at or above ``value``."""
    if value <= 5:
        return 5
    step = 10 ** (len(str(value)) - 1)
    for factor in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= factor * step:
            return int(factor * step)
    return value


def bar_chart(labels: list[str], cells: list[Cell], title: str, hidden_label: str, width: int = 720,
              height: int = 240) -> str:
    """Vertical bars; a suppressed count is a low hatched stub named ``hidden_label``, its height not drawn."""
    if not cells:
        return ""
    left, bottom, top = 44, 40, 12
    plot_w, plot_h = width - left - 8, height - bottom - top
    shown = [c.n for c in cells if not c.suppressed and c.n is not None]
    axis_max = _nice_max(max(shown, default=0))
    slot = plot_w / len(cells)
    pattern = _pattern_id(title)
    parts = [_open(width, height, title), hatch_pattern(pattern)]
    for tick in (0, axis_max // 2, axis_max):
        y = top + plot_h - plot_h * tick / axis_max
        parts.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{INK}">{tick}</text>')
    # As many axis labels as fit side by side (about 6.5 px per character at 11 px).
    label_width = max(len(label) for label in labels) * 6.5 + 10
    every = max(1, math.ceil(len(cells) * label_width / plot_w))
    for i, (label, cell) in enumerate(zip(labels, cells)):
        x = left + i * slot + slot * 0.1
        w = max(slot * 0.8, 0.5)
        if cell.suppressed:
            y = top + plot_h - 6
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="6" fill="url(#{pattern})" '
                         f'stroke="{HATCH}"><title>{escape(label)}: {escape(hidden_label)}</title></rect>')
        else:
            h = plot_h * (cell.n or 0) / axis_max
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{w:.1f}" height="{h:.1f}" '
                         f'fill="{BAR}"><title>{escape(label)}: {cell.n}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{x + w / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                         f'font-size="11" fill="{INK}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def heatmap(rows: list[str], columns: list[str], cells: list[list[Cell]], title: str, hidden_label: str,
            cell_w: int = 86, cell_h: int = 28, label_w: int = 230, head_h: int = 64) -> str:
    """A matrix of counts, darker for more; suppressed cells light and hatched, named ``hidden_label``."""
    if not rows or not columns:
        return ""
    width, height = label_w + cell_w * len(columns) + 4, head_h + cell_h * len(rows) + 4
    peak = max((c.n for row in cells for c in row if not c.suppressed and c.n), default=1)
    pattern = _pattern_id(title)
    parts = [_open(width, height, title), hatch_pattern(pattern),
             # The key to the hatching sits in the empty corner beside the column heads it explains.
             f'<rect x="8" y="{head_h - 26}" width="26" height="18" fill="url(#{pattern})" stroke="{HATCH}"/>'
             f'<text x="40" y="{head_h - 13}" font-size="11" fill="{INK}">= {escape(hidden_label)}</text>']
    for j, column in enumerate(columns):
        x = label_w + j * cell_w + cell_w / 2
        parts.append(f'<text x="{x:.1f}" y="{head_h - 8}" text-anchor="middle" font-size="11" '
                     f'fill="{INK}">{escape(column)}</text>')
    for i, row in enumerate(rows):
        y = head_h + i * cell_h
        parts.append(f'<text x="{label_w - 8}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="{INK}">{escape(row)}</text>')
        for j, cell in enumerate(cells[i]):
            x = label_w + j * cell_w
            if cell.suppressed:
                fill, text, ink = f"url(#{pattern})", escape(hidden_label), INK
            else:
                strength = (cell.n or 0) / peak
                fill = _tint(0.08 + 0.92 * strength) if cell.n else "#ffffff"
                text, ink = str(cell.n), "#ffffff" if strength > 0.55 else INK
            parts.append(f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}" '
                         f'stroke="{GRID}"/><text x="{x + cell_w / 2 - 1:.1f}" y="{y + cell_h / 2 + 4:.1f}" '
                         f'text-anchor="middle" font-size="12" fill="{ink}">{text}</text>')
    parts.append("</svg>")
    return "".join(parts)
