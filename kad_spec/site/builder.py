"""Builds the documentation site: every page, the assets, the diagram and the downloads.

The site is written to a fresh folder beside the target and swapped in at the end, so a
failed build never leaves half a site, and files from an older build never linger. An
existing folder is replaced only if everything in it is listed in the manifest an earlier
build wrote there (:func:`kad_spec.output.files.replace_folder`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from kad_spec.output.files import OutputRefused, check_owned_folder, inside, replace_folder

from .assets import SEARCH_SCRIPT, STYLESHEET
from .codelist_pages import codelist_index, codelist_page, data_path
from .context import SiteContext, SiteSourceError, Sources
from .diagram import render_svg
from .envelope_page import envelope_page
from .guide_page import guide_page
from .layout import CSS_PATH, SEARCH_SCRIPT_PATH, Page
from .pages import changelog_page, class_pages, front_page, model_page, print_page, traceability_page
from .rule_pages import rule_index, rule_page, rule_summary
from .vendor_page import vendor_page

MARKER = ".kad-spec-site"
SCHEMAS, EXAMPLES, CODELISTS = "Skjema, klasser og modell", "Eksempler", "Kodeverk"

GENERATED_DOWNLOADS = (
    ("jsonschema/kad.schema.json", "kad.schema.json", "JSON Schema for meldingen (JSON)"),
    ("xsd/kad.xsd", "kad.xsd", "XSD 1.0 for meldingen (XML), med kodeverk og dokumentasjon"),
    ("schematron/kad.sch", "kad.sch", "ISO Schematron for meldingen (XML): betingede krav og regler mellom felt"),
    ("python/kad_model.py", "kad_model.py", "Python-klasser for meldingen (pydantic 2)"),
    ("jsonschema/report.schema.json", "report.schema.json", "JSON Schema for valideringsrapporten"),
    ("jsonschema/aktivitetsrapport.schema.json", "aktivitetsrapport.schema.json",
     "JSON Schema for aktivitets- og datakvalitetsrapporten"),
)


@dataclass(frozen=True)
class SiteResult:
    out: Path
    pages: int
    files: int
    seconds: float


class SiteBuildError(ValueError):
    """The site cannot be built (missing source, target folder not ours); the message says why."""


@dataclass(frozen=True)
class Download:
    data: bytes
    description: str
    group: str  # heading on the front page
    rule: str | None = None  # the rule an invalid example breaks


def _downloads(ctx: SiteContext) -> dict[str, Download]:
    """Site path -> every file offered for download."""
    files: dict[str, Download] = {}
    src = ctx.sources
    for rel, name, text in GENERATED_DOWNLOADS:
        path = src.generated / rel
        if not path.is_file():
            raise SiteSourceError(f"{path}: filen finnes ikke; kjør `kad-spec generate` først")
        files[f"nedlasting/{name}"] = Download(path.read_bytes(), text, SCHEMAS)
    files["nedlasting/modell/kad.yaml"] = Download((src.model / "kad.yaml").read_bytes(),
                                                   "Modellen (LinkML), kilden til alt annet", SCHEMAS)
    files["modell.svg"] = Download(render_svg(ctx.model).encode("utf-8"), "Klassediagram (SVG)", SCHEMAS)
    for path in sorted(p for p in src.examples.rglob("*") if p.is_file()):
        rel = path.relative_to(src.examples).as_posix()
        data = path.read_bytes()
        rule = _rule_of(ctx, path.name) if rel.startswith("ugyldig/") else None
        files[f"nedlasting/eksempler/{rel}"] = Download(data, _example_text(rel, data, rule), EXAMPLES, rule)
    for name in ctx.codelists.names():
        lst = ctx.codelists[name]
        files[f"nedlasting/kodeverk/{name}.csv"] = Download((src.codelists / f"{name}.csv").read_bytes(),
                                                            f"{lst.title_nb or name} (CSV)", CODELISTS)
    readme = src.codelists / "README.md"
    if readme.is_file():
        files["nedlasting/kodeverk/README.md"] = Download(readme.read_bytes(), "Filformatet for kodeverkene", CODELISTS)
    return files


def _rule_of(ctx: SiteContext, filename: str) -> str | None:
    """The rule an invalid example is named after (KAD-STR-001-....json -> KAD-STR-001)."""
    candidates = [rule_id for rule_id in ctx.rules if filename.startswith(rule_id + "-") or filename.startswith(rule_id + ".")]
    return max(candidates, key=len) if candidates else None


def _example_text(rel: str, data: bytes, rule: str | None) -> str:
    kind = "XML" if rel.endswith(".xml") else "JSON" if rel.endswith(".json") else ""
    if rel.startswith("ugyldig/"):
        return f"Ugyldig melding ({kind}) med én feil" + (f": regel {rule}" if rule else "")
    if kind:
        return f"Gyldig eksempelmelding ({kind})"
    first = data.decode("utf-8", errors="replace").splitlines()[:1]
    if first and first[0].startswith("#"):
        return first[0].lstrip("# ").strip()  # a YAML or shell file's own first comment says what it is
    return "Eksempel"


def _pages(ctx: SiteContext, downloads: dict[str, Download]) -> tuple[list[Page], dict[str, str]]:
    listed = [(d.group, path, d.description, d.rule) for path, d in downloads.items()]
    pages = [front_page(ctx, listed), traceability_page(ctx), model_page(ctx), *class_pages(ctx),
             codelist_index(ctx), rule_index(ctx), changelog_page(ctx), guide_page(ctx), print_page(ctx, rule_summary),
             envelope_page(ctx)]
    guide = vendor_page(ctx.sources.model)
    if guide is not None:
        pages.append(guide)
    scripts: dict[str, str] = {}
    for name in ctx.codelists.names():
        page, data = codelist_page(ctx, name)
        pages.append(page)
        if data is not None:
            scripts[data_path(name)] = data
    files_by_rule: dict[str, list[str]] = {}
    for path, d in downloads.items():
        if d.rule:
            files_by_rule.setdefault(d.rule, []).append(path)
    pages += [rule_page(ctx, rule, files_by_rule.get(rule.id, [])) for rule in sorted(ctx.rules.values(), key=lambda r: r.id)]
    return pages, scripts


def _write(root: Path, rel: str, data: bytes) -> None:
    target = inside(root, rel)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def build_site(out: Path, sources: Sources | None = None) -> SiteResult:
    """Build the whole site into ``out`` (replacing an earlier build there)."""
    started = time.perf_counter()
    out = Path(out).resolve()
    try:
        check_owned_folder(out, MARKER)  # before the work of building
    except OutputRefused as error:
        raise SiteBuildError(str(error)) from None
    ctx = SiteContext.load(sources or Sources.bundled())
    downloads = _downloads(ctx)
    pages, scripts = _pages(ctx, downloads)
    try:
        replace_folder(out, lambda staging: _write_site(staging, ctx, pages, scripts, downloads), MARKER, "kad-spec docs")
    except OutputRefused as error:
        raise SiteBuildError(str(error)) from None
    files = sum(1 for p in out.rglob("*") if p.is_file())
    return SiteResult(out, len(pages), files, time.perf_counter() - started)


def _write_site(staging: Path, ctx: SiteContext, pages, scripts: dict[str, str], downloads: dict[str, Download]) -> None:
    footer = ctx.footer()
    for page in pages:
        _write(staging, page.path, page.render(ctx.model.version, footer).encode("utf-8"))
    for rel, text in scripts.items():
        _write(staging, rel, text.encode("utf-8"))
    for rel, download in downloads.items():
        _write(staging, rel, download.data)
    _write(staging, CSS_PATH, STYLESHEET.encode("utf-8"))
    _write(staging, SEARCH_SCRIPT_PATH, SEARCH_SCRIPT.encode("utf-8"))
