"""The documentation site: links and anchors resolve, nothing external, same input same bytes."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import etree, html

from kad_spec.spec.catalogue import catalogue
from kad_spec.codelists import load_codelists
from kad_spec.spec.model import model
from kad_spec.site import SiteBuildError, Sources, build_site
from kad_spec.site.codelist_pages import municipality_changes
from kad_spec.spec.patch import PatchError, apply_patch

from conftest import ROOT

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    result = build_site(tmp_path_factory.mktemp("nettsted") / "site")
    assert result.seconds < 30
    return result.out


def _pages(site: Path) -> dict[Path, html.HtmlElement]:
    return {p: html.fromstring(p.read_bytes()) for p in sorted(site.rglob("*.html"))}


def _ids(doc: html.HtmlElement) -> list[str]:
    return [e.get("id") for e in doc.iter() if isinstance(e.tag, str) and e.get("id")]


def _references(doc: html.HtmlElement) -> list[tuple[str, str]]:
    """(tag, url) of every href and src, including links inside inline SVG."""
    refs = []
    for elem in doc.iter():
        if not isinstance(elem.tag, str):
            continue
        for attr in ("href", "src"):
            if elem.get(attr) is not None:
                refs.append((elem.tag, elem.get(attr)))
    return refs


def test_build_writes_every_expected_page(site):
    m, rules, lists = model(), catalogue(), load_codelists()
    expected = ["index.html", "sporbarhet.html", "modell.html", "endringslogg.html", "utskrift.html",
                "kodeverk/index.html", "regler/index.html", "modell.svg", "ressurser/stil.css", "ressurser/sok.js"]
    expected += [f"klasser/{name.lower()}.html" for name in m.classes]
    expected += [f"kodeverk/{name}.html" for name in lists.names()]
    expected += [f"regler/{rule_id.lower()}.html" for rule_id in rules]
    expected += ["nedlasting/kad.schema.json", "nedlasting/kad.xsd", "nedlasting/kad_model.py",
                 "nedlasting/eksempler/kad-melding.json", "nedlasting/kodeverk/icd10.csv"]
    missing = [rel for rel in expected if not (site / rel).is_file()]
    assert missing == []
    assert (site / "regler" / "kad-kl-001.html").is_file()  # the address validation reports link to


def test_every_internal_link_and_anchor_resolves(site):
    pages = _pages(site)
    ids = {path: set(_ids(doc)) for path, doc in pages.items()}
    broken = []
    checked = 0
    for path, doc in pages.items():
        for tag, url in _references(doc):
            parts = urlsplit(url)
            if parts.scheme in ("data",) or (parts.scheme in ("http", "https") and tag == "a"):
                continue
            assert not parts.scheme and not parts.netloc, f"{path}: ikke-relativ lenke {url}"
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            checked += 1
            if not target.is_file() or site.resolve() not in target.parents:
                broken.append(f"{path.relative_to(site)}: {url} (fil)")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in ids[target]:
                broken.append(f"{path.relative_to(site)}: {url} (anker)")
    assert broken == []
    assert checked > 1000


def test_ids_are_unique_on_every_page(site):
    duplicates = {}
    for path, doc in _pages(site).items():
        seen = _ids(doc)
        dupes = sorted({i for i in seen if seen.count(i) > 1})
        if dupes:
            duplicates[str(path.relative_to(site))] = dupes
    assert duplicates == {}


def test_no_external_scripts_styles_images_or_fonts(site):
    external = []
    for path, doc in _pages(site).items():
        for tag, url in _references(doc):
            scheme = urlsplit(url).scheme
            if tag != "a" and scheme not in ("", "data"):
                external.append(f"{path.name}: <{tag}> {url}")
            if tag == "a" and scheme in ("http", "https"):
                external.append(f"{path.name}: lenke til {url}")  # none today; keep it that way
    css = (site / "ressurser" / "stil.css").read_text(encoding="utf-8")
    script = (site / "ressurser" / "sok.js").read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css and "@font-face" not in css
    assert "http" not in script and "fetch(" not in script and "XMLHttpRequest" not in script
    assert external == []


def test_build_is_deterministic(tmp_path):
    def digest(folder: Path) -> dict[str, str]:
        return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.rglob("*")) if p.is_file()}

    first = build_site(tmp_path / "a").out
    second = build_site(tmp_path / "b").out
    assert digest(first) == digest(second)
    rebuilt = build_site(first).out  # building over an earlier build replaces it
    assert digest(rebuilt) == digest(second)


def test_build_refuses_a_folder_that_is_not_a_site(tmp_path):
    (tmp_path / "mine.txt").write_text("viktig", encoding="utf-8")
    with pytest.raises(SiteBuildError, match="ikke laget av kad-spec"):
        build_site(tmp_path)
    assert (tmp_path / "mine.txt").read_text(encoding="utf-8") == "viktig"


def test_no_page_shows_a_whole_person_id(site):
    for path in site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?<![0-9.])[0-9]{11,}(?![0-9])", text), path


def test_front_page_has_version_dates_summary_and_downloads(site):
    doc = html.fromstring((site / "index.html").read_bytes())
    text = doc.text_content()
    m = model()
    assert m.version in text
    assert "1. april 2027" in text and "1. januar 2028" in text  # publisert, ikrafttredelse
    assert "Høringsnotat" in text and "Helsedirektoratet" in text
    links = {a.get("href") for a in doc.iter("a")}
    for download in ("nedlasting/kad.schema.json", "nedlasting/kad.xsd", "nedlasting/kad_model.py",
                     "nedlasting/eksempler/kad-melding.json", "kodeverk/index.html"):
        assert download in links
    assert (site / "nedlasting" / "kad.xsd").read_bytes() == (REPO / "generated" / "xsd" / "kad.xsd").read_bytes()


def test_traceability_covers_nine_items_with_flags(site):
    doc = html.fromstring((site / "sporbarhet.html").read_bytes())
    rows = doc.xpath("//table[contains(@class,'sporbarhet')]/tbody/tr")
    items = {row.xpath("./td[1]")[0].text_content() for row in rows}
    assert items == {str(n) for n in range(1, 10)}
    discharge = [r for r in rows if "opphold.utskrivningstidspunkt" in r.text_content()]
    assert discharge and "0..1" in discharge[0].text_content()
    assert "B" in discharge[0].text_content() and "utskrevet" in discharge[0].text_content()


def test_class_page_lists_elements_and_cuts_fragments_from_the_example(site):
    doc = html.fromstring((site / "klasser" / "pasient.html").read_bytes())
    rows = doc.xpath("//table[contains(@class,'elementer')]/tbody/tr")
    assert [r.xpath("./td[1]")[0].text_content() for r in rows] == [a.name for a in model().classes["Pasient"].attributes]
    kjonn = next(r for r in rows if r.xpath("./td[1]")[0].text_content() == "kjonn")
    assert "2.16.578.1.12.4.1.1.3101" in kjonn.text_content()
    json_code, xml_code = [c.text_content() for c in doc.xpath("//figure[@class='kode']//code")]
    assert '"bostedskommune": "3107"' in json_code and '"*********76"' in json_code
    fragment = etree.fromstring(xml_code.encode("utf-8"))
    assert etree.QName(fragment).localname == "pasient"
    assert fragment.findtext("{urn:kad-spec:kad-kpr:1}alder") == "84"
    kode = html.fromstring((site / "klasser" / "diagnose.html").read_bytes())
    assert "2.16.578.1.12.4.1.1.7110" in kode.text_content() and "2.16.578.1.12.4.1.1.7170" in kode.text_content()


def test_municipality_page_shows_the_changes_of_2018_2020_and_2024(site):
    doc = html.fromstring((site / "kodeverk" / "kommunenummer.html").read_bytes())
    for year in (2018, 2020, 2024):
        section = doc.get_element_by_id(f"endringer-{year}")
        table = section.getnext()
        assert table.tag == "table" and len(table.xpath("./tbody/tr")) > 0
    halden_2024 = doc.get_element_by_id("endringer-2024").getnext().text_content()
    assert "3001" in halden_2024 and "3101" in halden_2024
    bergen = doc.get_element_by_id("endringer-2020").getnext().text_content()
    assert "1201" in bergen and "4601" in bergen
    changes = municipality_changes(load_codelists()["kommunenummer"])
    assert {2018, 2020, 2024} <= set(changes)


def test_large_lists_are_searchable_data_and_small_lists_are_tables(site):
    data = (site / "kodeverk" / "data" / "icd10.js").read_text(encoding="utf-8")
    assert '"J189"' in data and data.count("],[") > 19_000
    assert (site / "kodeverk" / "icd10.html").stat().st_size < 50_000
    kjonn = html.fromstring((site / "kodeverk" / "kjonn.html").read_bytes()).text_content()
    assert "Ikke spesifisert" in kjonn and "2.16.578.1.12.4.1.1.3101" in kjonn


def test_rule_page_has_severity_description_messages_and_examples(site):
    rule = catalogue()["KAD-KL-001"]
    doc = html.fromstring((site / "regler" / "kad-kl-001.html").read_bytes())
    text = doc.text_content()
    for part in (rule.given, rule.when, rule.then, rule.message_nb, rule.message_en, "Feil"):
        assert part in text
    codes = [c.text_content() for c in doc.xpath("//figure[@class='kode']//code")]
    assert any('"value": "3"' in c for c in codes)  # the failing patch
    assert any('"kjonn": "3"' in c for c in codes)  # and its result
    assert doc.xpath("//*[contains(@class,'forventet-fail')]") and doc.xpath("//*[contains(@class,'forventet-pass')]")
    names = [c.text_content() for c in doc.xpath("//h3/code[@class='eksempelnavn']")]
    assert names == [example.name for example in rule.examples]  # each example under its name


def test_diagram_is_svg_with_a_box_and_link_per_class(site):
    svg = etree.parse(str(site / "modell.svg")).getroot()
    ns = {"s": "http://www.w3.org/2000/svg"}
    links = {a.get("href") for a in svg.iterfind(".//s:a", ns)}
    assert links == {f"klasser/{name.lower()}.html" for name in model().classes}
    assert len(svg.findall(".//s:path[@class='kant']", ns)) == sum(
        1 for c in model().classes.values() for a in c.attributes if a.range in model().classes)


def test_changelog_page_lists_versions(site):
    text = html.fromstring((site / "endringslogg.html").read_bytes()).text_content()
    assert "Versjon 1.0.0" in text and "høringsutkast" in text


def test_print_stylesheet_hides_navigation(site):
    css = (site / "ressurser" / "stil.css").read_text(encoding="utf-8")
    print_block = css[css.index("@media print"):]
    assert "nav" in print_block or "header.topp" in print_block
    assert "display: none" in print_block


def test_patch_helper_follows_rfc_6902_for_add_remove_replace():
    doc = {"a": {"b": [1, 2]}, "c": 1}
    assert apply_patch(doc, [{"op": "add", "path": "/a/b/-", "value": 3}])["a"]["b"] == [1, 2, 3]
    assert apply_patch(doc, [{"op": "remove", "path": "/a/b/0"}])["a"]["b"] == [2]
    assert apply_patch(doc, [{"op": "replace", "path": "/c", "value": 2}])["c"] == 2
    assert doc == {"a": {"b": [1, 2]}, "c": 1}
    with pytest.raises(PatchError):
        apply_patch(doc, [{"op": "remove", "path": "/x"}])


def test_missing_generated_artefact_is_a_clear_error(tmp_path):
    bundled = Sources.bundled()
    generated = tmp_path / "generated"
    shutil.copytree(bundled.generated, generated)
    (generated / "xsd" / "kad.xsd").unlink()
    sources = Sources(bundled.model, bundled.codelists, bundled.examples, generated)
    with pytest.raises(ValueError, match="kad.xsd"):
        build_site(tmp_path / "site", sources)
    assert not (tmp_path / "site").exists()


def test_docs_command_builds_and_prints_time(cli, tmp_path):
    result = cli("docs", "--out", tmp_path / "site")
    assert result.exit_code == 0, result.output
    assert re.search(r"skrev \d+ sider \(\d+ filer\) til .* på \d+\.\d s", result.output)
    assert (tmp_path / "site" / "index.html").is_file()


def test_docs_command_refuses_a_foreign_folder_without_traceback(cli, tmp_path):
    (tmp_path / "notater.txt").write_text("x", encoding="utf-8")
    result = cli("docs", "--out", tmp_path)
    assert result.exit_code == 2
    assert "ikke laget av kad-spec" in result.output and "Traceback" not in result.output


def test_kad_spec_docs_is_wired_into_the_cli(cli, tmp_path):
    result = cli("docs", "--out", tmp_path / "site")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "site" / "regler" / "kad-kl-001.html").is_file()


def _checked_by_on_page(site: Path, rule_id: str) -> str:
    doc = html.parse(str(site / "regler" / f"{rule_id.lower()}.html")).getroot()
    for term in doc.iter("dt"):
        if term.text_content() == "Kontrolleres av":
            return term.getnext().text_content()
    raise AssertionError(f"{rule_id}: ingen «Kontrolleres av»")


@pytest.mark.parametrize("rule_id, expected", [
    ("KAD-DIA-002", "JSON-skjemaet, Schematron-skjemaet og kad-spec"),  # conditional: not the XSD
    ("KAD-OPH-004", "JSON-skjemaet, Schematron-skjemaet og kad-spec"),
    ("KAD-DIA-001", "JSON-skjemaet, XSD-en og kad-spec"),
    ("KAD-STR-007", "XSD-en og kad-spec"),  # element order exists in XML only
    ("KAD-TID-001", "Schematron-skjemaet og kad-spec"),
    ("KAD-TID-007", "JSON-skjemaet, XSD-en og kad-spec"),
    ("KAD-ID-001", "kad-spec"),
])
def test_rule_pages_say_which_artefact_checks_the_rule(site, rule_id, expected):
    assert _checked_by_on_page(site, rule_id) == expected
    index = html.parse(str(site / "regler" / "index.html")).getroot()
    row = next(tr for tr in index.iter("tr") if tr.text_content().startswith(rule_id))
    assert row.getchildren()[-1].text_content() == expected
    regler = (ROOT / "generated" / "docs" / "regler.md").read_text(encoding="utf-8")
    assert f"| `{rule_id}` |" in regler and regler.split(f"| `{rule_id}` |", 1)[1].split("\n", 1)[0].endswith(f"| {expected} |")


def test_every_rule_page_names_its_checkers_from_the_registry(site):
    from kad_spec.spec.catalogue import catalogue
    from kad_spec.spec.coverage import checked_by_text
    from kad_spec.spec.model import model

    for rule in catalogue().values():
        assert _checked_by_on_page(site, rule.id) == checked_by_text(rule, model())


def test_vendor_guide_page(site):
    doc = html.parse(str(site / "leverandor.html")).getroot()
    text = doc.text_content()
    for needed in ("pipx install", "--format junit", "--format sarif", "example --defect", "model_dump_json"):
        assert needed in text, needed
    assert doc.find(".//nav").xpath(".//a[contains(@href, 'leverandor.html')]")
