"""The page shell shared by every page of the documentation site, and small HTML helpers.

Every link is relative, so the site works opened from disk (file://) and from any static
host below any path. Pages carry no dates or other run-dependent text: the same model gives
the same bytes.
"""

from __future__ import annotations

import html
import posixpath
from dataclasses import dataclass, field
from string import Template

CSS_PATH = "ressurser/stil.css"
SEARCH_SCRIPT_PATH = "ressurser/sok.js"

NAVIGATION = (
    ("index.html", "Forside"),
    ("sporbarhet.html", "Sporbarhet"),
    ("modell.html", "Modell"),
    ("kodeverk/index.html", "Kodeverk"),
    ("regler/index.html", "Regler"),
    ("konvolutt.html", "Konvolutt"),
    ("endringslogg.html", "Endringslogg"),
    ("arlig-endring.html", "Årlig endring"),
    ("leverandor.html", "For leverandører"),
    ("utskrift.html", "Utskrift"),
)

_SHELL = Template("""<!DOCTYPE html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="$css">
$head</head>
<body>
<header class="topp">
<p class="merke"><a href="$home">KAD/ØHD → KPR</a> <span class="versjon">spesifikasjon $version</span></p>
<nav aria-label="Hovedmeny"><ul>
$nav</ul></nav>
</header>
<main>
$body
</main>
<footer>
<p>$footer</p>
</footer>
</body>
</html>
""")


def esc(text: object) -> str:
    """HTML-escape any value's text."""
    return html.escape(str(text), quote=True)


def slug(text: str) -> str:
    """A lower-case file or anchor name for a model name or rule id."""
    return text.lower().replace(" ", "-")


@dataclass
class Page:
    """One HTML page: its path below the site root and its content."""

    path: str
    title: str
    body: str = ""
    scripts: list[str] = field(default_factory=list)  # site-relative paths

    def link(self, target: str) -> str:
        """A link from this page to ``target`` (site-relative, may carry a #fragment)."""
        target_path, sep, fragment = target.partition("#")
        if not target_path:
            return f"#{fragment}"
        here = posixpath.dirname(self.path) or "."
        rel = posixpath.relpath(target_path, here)
        return f"{rel}{sep}{fragment}"

    def a(self, target: str, text: str, **attrs: str) -> str:
        extra = "".join(f' {k.rstrip("_")}="{esc(v)}"' for k, v in attrs.items())
        return f'<a href="{esc(self.link(target))}"{extra}>{esc(text)}</a>'

    def render(self, version: str, footer: str) -> str:
        nav = "".join(
            f'<li><a href="{esc(self.link(target))}"{_current(self.path, target)}>{esc(label)}</a></li>\n'
            for target, label in NAVIGATION
        )
        head = "".join(f'<script src="{esc(self.link(s))}" defer></script>\n' for s in self.scripts)
        return _SHELL.substitute(
            title=esc(f"{self.title} – KAD/ØHD til KPR"),
            css=esc(self.link(CSS_PATH)),
            head=head,
            home=esc(self.link("index.html")),
            version=esc(version),
            nav=nav,
            body=self.body,
            footer=esc(footer),
        )


def _current(path: str, target: str) -> str:
    section = target.split("/")[0] if "/" in target else target
    here = path.split("/")[0] if "/" in path else path
    return ' aria-current="page"' if section == here else ""


def table(headers: list[str], rows: list[list[str]], css_class: str = "") -> str:
    """A table from already-escaped cell HTML."""
    cls = f' class="{css_class}"' if css_class else ""
    head = "".join(f"<th scope=\"col\">{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in rows)
    return f"<table{cls}>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>"


def code_block(text: str, language: str, caption: str = "") -> str:
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure class="kode">{cap}<pre><code class="{esc(language)}">{esc(text)}</code></pre></figure>'


def paragraphs(text: str) -> str:
    """Blank-line separated text as <p> elements."""
    parts = [" ".join(p.split()) for p in str(text).split("\n\n")]
    return "\n".join(f"<p>{esc(p)}</p>" for p in parts if p)
