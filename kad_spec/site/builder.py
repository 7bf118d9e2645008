"""Builds the documentation site: every page, the assets, the diagram and the downloads.

The site is written to a fresh folder beside the target and swapped in at the end, so a
failed build never leaves half a site, and files from an older build never linger.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .assets import SEARCH_SCRIPT, STYLESHEET
from .codelist_pages import codelist_index, codelist_page, data_path
from .context import SiteContext, SiteSourceError, Sources
from .diagram import render_svg
from .layout import CSS_PATH, SEARCH_SCRIPT_PATH, Page
from .pages import changelog_page, class_pages, front_page, model_page, print_page, traceability_page
from .rule_pages import rule_index, rule_page, rule_summary

MARKER = ".kad-spec-site"

GENERATED_DOWNLOADS = (
    ("jsonschema/kad.schema.json", "kad.schema.json", "JSON Schema for meldingen (JSON)"),
    ("xsd/kad.xsd", "kad.xsd", "XSD 1.0 for meldingen (XML), med kodeverk og dokumentasjon"),
    ("python/kad_model.py", "kad_model.py", "Python-klasser for meldingen (pydantic)"),
    ("jsonschema/report.schema.json", "report.schema.json", "JSON Schema for valideringsrapporten"),
)


@dataclass(frozen=True)
class SiteResult:
    out: Path
    pages: int
    files: int
    seconds: float


class SiteBuildError(ValueError):
    """The site cannot be built (missing source, target folder not ours); the message says why."""


def _downloads(ctx: SiteContext) -> dict[str, tuple[bytes, str]]:
    """Site path -> (bytes, description) of every file offered for download."""
    files: dict[str, tuple[bytes, str]] = {}
    src = ctx.sources
    for rel, name, text in GENERATED_DOWNLOADS:
        path = src.generated / rel
        if not path.is_file():
            raise SiteSourceError(f"{path}: filen finnes ikke; kjør `kad-spec generate` først")
        files[f"nedlasting/{name}"] = (path.read_bytes(), text)
    files["nedlasting/modell/kad.yaml"] = ((src.model / "kad.yaml").read_bytes(), "Modellen (LinkML), kilden til alt annet")
    for path in sorted(p for p in src.examples.rglob("*") if p.is_file()):
        rel = path.relative_to(src.examples).as_posix()
        files[f"nedlasting/eksempler/{rel}"] = (path.read_bytes(), _example_text(rel))
    for name in ctx.codelists.names():
        lst = ctx.codelists[name]
        files[f"nedlasting/kodeverk/{name}.csv"] = ((src.codelists / f"{name}.csv").read_bytes(),
                                                  f"Kodeverk: {lst.title_nb or name} (CSV)")
    readme = src.codelists / "README.md"
    if readme.is_file():
        files["nedlasting/kodeverk/README.md"] = (readme.read_bytes(), "Filformatet for kodeverkene")
    files["modell.svg"] = (render_svg(ctx.model).encode("utf-8"), "Klassediagram (SVG)")
    return files


def _example_text(rel: str) -> str:
    if rel.startswith("ugyldig/"):
        return "Ugyldig eksempel med én feil"
    if rel.endswith(".json"):
        return "Gyldig eksempelmelding (JSON)"
    if rel.endswith(".xml"):
        return "Gyldig eksempelmelding (XML)"
    return "Eksempel"


def _pages(ctx: SiteContext, downloads: dict[str, tuple[bytes, str]]) -> tuple[list[Page], dict[str, str]]:
    listed = [(path, text) for path, (_, text) in downloads.items() if not path.startswith("nedlasting/kodeverk/")]
    listed.append(("kodeverk/index.html", "Alle kodeverk, med CSV-filer til nedlasting"))
    pages = [front_page(ctx, listed), traceability_page(ctx), model_page(ctx), *class_pages(ctx),
             codelist_index(ctx), rule_index(ctx), changelog_page(ctx), print_page(ctx, rule_summary)]
    scripts: dict[str, str] = {}
    for name in ctx.codelists.names():
        page, data = codelist_page(ctx, name)
        pages.append(page)
        if data is not None:
            scripts[data_path(name)] = data
    pages += [rule_page(ctx, rule) for rule in sorted(ctx.rules.values(), key=lambda r: r.id)]
    return pages, scripts


def _write(root: Path, rel: str, data: bytes) -> None:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _prepare_target(out: Path) -> Path:
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise SiteBuildError(f"{out}: finnes og er ikke et nettsted fra kad-spec docs; velg en annen mappe")
    staging = out.with_name(out.name + ".bygger")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return staging


def build_site(out: Path, sources: Sources | None = None) -> SiteResult:
    """Build the whole site into ``out`` (replacing an earlier build there)."""
    started = time.perf_counter()
    out = Path(out).resolve()
    ctx = SiteContext.load(sources or Sources.bundled())
    downloads = _downloads(ctx)
    pages, scripts = _pages(ctx, downloads)
    staging = _prepare_target(out)
    try:
        footer = ctx.footer()
        for page in pages:
            _write(staging, page.path, page.render(ctx.model.version, footer).encode("utf-8"))
        for rel, text in scripts.items():
            _write(staging, rel, text.encode("utf-8"))
        for rel, (data, _) in downloads.items():
            _write(staging, rel, data)
        _write(staging, CSS_PATH, STYLESHEET.encode("utf-8"))
        _write(staging, SEARCH_SCRIPT_PATH, SEARCH_SCRIPT.encode("utf-8"))
        _write(staging, MARKER, b"kad-spec docs\n")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    files = sum(1 for p in out.rglob("*") if p.is_file())
    return SiteResult(out, len(pages), files, time.perf_counter() - started)
