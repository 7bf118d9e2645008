"""The yearly change walk-through (``docs/arlig-endring.md``) as a page of the site.

The guide is written once, in markdown, beside the model (``docs/`` of the checkout, or
``_data/docs/`` in an installed package) and rendered with markdown-it (CommonMark with
tables; raw HTML in the source is escaped, not passed through).
"""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt

from .context import SiteContext
from .layout import Page, esc

GUIDE = "arlig-endring.md"
PATH = "arlig-endring.html"
TITLE = "Årlig endring"


def guide_source(ctx: SiteContext) -> Path:
    return ctx.sources.model.parent / "docs" / GUIDE


def guide_page(ctx: SiteContext) -> Page:
    page = Page(PATH, TITLE)
    source = guide_source(ctx)
    if not source.is_file():
        page.body = (f"<h1>{esc(TITLE)}</h1><p>Veiledningen for den årlige endringen følger med kildekoden til "
                     f"spesifikasjonen, i <code>docs/{esc(GUIDE)}</code>.</p>")
        return page
    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    page.body = renderer.render(source.read_text(encoding="utf-8"))
    return page
