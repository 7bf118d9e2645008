"""The vendor guide page (``leverandor.html``) from ``docs/leverandor.md`` beside the model.

The guide is written once, in markdown; this renders the little it uses (headings, paragraphs,
bullet lists, fenced code, inline code) so the site needs no markdown library.
"""

from __future__ import annotations

import re
from pathlib import Path

from .layout import Page, esc

PATH = "leverandor.html"
GUIDE = Path("docs") / "leverandor.md"
_CODE = re.compile(r"`([^`]+)`")


def guide_source(model_dir: Path) -> Path:
    return model_dir.parent / GUIDE


def vendor_page(model_dir: Path) -> Page | None:
    source = guide_source(model_dir)
    if not source.is_file():
        return None
    lines = source.read_text(encoding="utf-8").splitlines()
    title = lines[0].lstrip("# ").strip() if lines and lines[0].startswith("# ") else "Veiledning for leverandører"
    page = Page(PATH, title)
    page.body = render(lines)
    return page


def _inline(text: str) -> str:
    return _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", esc(text))


def render(lines: list[str]) -> str:
    out: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    code: list[str] | None = None

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in lines:
        if code is not None:
            if line.startswith("```"):
                out.append(f"<pre><code>{esc(chr(10).join(code))}</code></pre>")
                code = None
            else:
                code.append(line)
        elif line.startswith("```"):
            flush()
            code = []
        elif line.startswith("#"):
            flush()
            level = min(len(line) - len(line.lstrip("#")), 3)
            text = line.lstrip("#").strip()
            anchor = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
            out.append(f'<h{level} id="{anchor}">{_inline(text)}</h{level}>')
        elif line.startswith("- "):
            if paragraph:
                flush()
            items.append(line[2:].strip())
        elif not line.strip():
            flush()
        elif items:
            items[-1] += " " + line.strip()
        else:
            paragraph.append(line.strip())
    flush()
    return "\n".join(out)
