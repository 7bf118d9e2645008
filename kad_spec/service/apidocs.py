"""/api/openapi.json and /api/docs: the OpenAPI document, and the same rendered as one plain HTML page.

The page has no script and no inline style (the CSP forbids both): its CSS is /api/docs.css.
Everything on it comes from :func:`kad_spec.service.openapi.document`.
"""

from __future__ import annotations

import html
import re
from functools import cache

from starlette.responses import Response
from starlette.routing import Route

from kad_spec.service.openapi import document
from kad_spec.service.responses import json_response

METHODS = ("get", "post", "put", "patch", "delete")
CSS = """\
:root { color-scheme: light dark; --line: #c8c8c8; --soft: #f3f3f3; --accent: #0b5394; }
@media (prefers-color-scheme: dark) { :root { --line: #555; --soft: #222; --accent: #8ab4f8; } }
body { font: 16px/1.5 system-ui, sans-serif; max-width: 62rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.5rem; border-top: 1px solid var(--line);
padding-top: 1rem; } h3 { font-size: 1rem; margin-bottom: .3rem; }
code { font-family: ui-monospace, monospace; background: var(--soft); padding: 0 .2rem; border-radius: 3px; }
.method { font-family: ui-monospace, monospace; font-weight: bold; color: var(--accent); text-transform: uppercase; }
.lock { font-size: .9rem; border: 1px solid var(--line); border-radius: 3px; padding: 0 .4rem; margin-left: .5rem; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0 1rem; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); padding: .3rem .5rem; }
th { background: var(--soft); }
nav ul { columns: 2; } a { color: var(--accent); } a:focus { outline: 2px solid var(--accent); }
"""


def _text(value) -> str:
    """Escaped, with `code` spans as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(str(value)))


def _anchor(*parts: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")


def _schema(schema: dict) -> str:
    """A schema in a few words: a link for a $ref, else its type, values and default."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f'<a href="#schema-{_anchor(name)}">{html.escape(name)}</a>'
    if "const" in schema:
        return f"<code>{html.escape(str(schema['const']))}</code>"
    words = [html.escape(str(schema.get("type", "")))]
    if "enum" in schema:
        words.append(" | ".join(f"<code>{html.escape(str(v))}</code>" for v in schema["enum"]))
    if "pattern" in schema:
        words.append(f"mønster <code>{html.escape(schema['pattern'])}</code>")
    if "default" in schema:
        words.append(f"standard <code>{html.escape(str(schema['default']))}</code>")
    return ", ".join(word for word in words if word)


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    if not rows:
        return ""
    header = "".join(f"<th scope=\"col\">{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _operation(path: str, method: str, operation: dict) -> str:
    lock = '<span class="lock">token</span>' if operation.get("security") else ""
    parts = [f'<h2 id="{_anchor(method, path)}"><span class="method">{method}</span> <code>{html.escape(path)}</code>'
             f"{lock}</h2>", f"<p><strong>{_text(operation.get('summary', ''))}</strong></p>"]
    if operation.get("description"):
        parts.append(f"<p>{_text(operation['description'])}</p>")
    parameters = [(f"<code>{html.escape(p['name'])}</code>", html.escape(p["in"]), "ja" if p.get("required") else "nei",
                   _schema(p.get("schema", {})), _text(p.get("description", "")))
                  for p in operation.get("parameters", [])]
    if parameters:
        parts += ["<h3>Parametere</h3>", _table(("Navn", "Hvor", "Påkrevd", "Verdi", "Beskrivelse"), parameters)]
    body = operation.get("requestBody")
    if body:
        media = ", ".join(f"<code>{html.escape(m)}</code>" for m in body.get("content", {}))
        parts += ["<h3>Innhold</h3>", f"<p>{_text(body.get('description', ''))} ({media})</p>"]
    rows = []
    for status, answer in operation.get("responses", {}).items():
        content = answer.get("content", {})
        media = "<br>".join(f"<code>{html.escape(m)}</code>: {_schema(c.get('schema', {}))}" for m, c in content.items())
        headers = "<br>".join(f"<code>{html.escape(h)}</code>: {_text(v.get('description', ''))}"
                              for h, v in answer.get("headers", {}).items())
        rows.append((f"<code>{status}</code>", _text(answer.get("description", "")), media, headers))
    parts += ["<h3>Svar</h3>", _table(("Status", "Betydning", "Innhold", "Hoder"), rows)]
    return "\n".join(parts)


def _schema_section(name: str, schema: dict) -> str:
    parts = [f'<h2 id="schema-{_anchor(name)}">Skjema <code>{html.escape(name)}</code></h2>']
    if schema.get("description"):
        parts.append(f"<p>{_text(schema['description'])}</p>")
    required = set(schema.get("required", []))
    rows = [(f"<code>{html.escape(prop)}</code>", "ja" if prop in required else "nei", _schema(sub),
             _text(sub.get("description", ""))) for prop, sub in schema.get("properties", {}).items()]
    parts.append(_table(("Felt", "Påkrevd", "Verdi", "Beskrivelse"), rows))
    return "\n".join(parts)


@cache
def page() -> str:
    doc = document()
    operations = [(path, method, item[method]) for path, item in doc["paths"].items()
                  for method in METHODS if method in item]
    contents = "".join(f'<li><a href="#{_anchor(m, p)}"><span class="method">{m}</span> {html.escape(p)}</a></li>'
                       for p, m, _ in operations)
    scheme = doc["components"]["securitySchemes"]["token"]
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="nb">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(doc['info']['title'])}: API</title>", '<link rel="stylesheet" href="/api/docs.css">',
        "</head>", "<body>", "<main>",
        f"<h1>{html.escape(doc['info']['title'])} <small>{html.escape(doc['info']['version'])}</small></h1>",
        f"<p>{_text(doc['info']['description'])}</p>",
        '<p>Maskinlesbart: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI '
        f"{html.escape(doc['openapi'])}).</p>",
        f"<p><span class=\"lock\">token</span> {_text(scheme['description'])} Sendes som "
        "<code>Authorization: Bearer TOKEN</code>.</p>",
        f'<nav aria-label="Innhold"><ul>{contents}</ul></nav>',
        *(_operation(p, m, op) for p, m, op in operations),
        *(_schema_section(name, schema) for name, schema in doc["components"]["schemas"].items()),
        "</main>", "</body>", "</html>", ""])


async def openapi_json(request):
    return json_response(document())


async def docs_page(request):
    return Response(page(), media_type="text/html; charset=utf-8")


async def docs_css(request):
    return Response(CSS, media_type="text/css; charset=utf-8")


def routes(settings) -> list:
    return [Route("/api/openapi.json", openapi_json, methods=["GET"]),
            Route("/api/docs", docs_page, methods=["GET"]),
            Route("/api/docs.css", docs_css, methods=["GET"])]
