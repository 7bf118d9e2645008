"""The site's stylesheet and its one small script, written into ``ressurser/``.

System fonts only (nothing is fetched), and a print stylesheet so any page, or the whole
specification on ``utskrift.html``, prints as a plain document.
"""

from __future__ import annotations

STYLESHEET = """\
:root {
  --blaa: #1f4e79;
  --lys: #eef3f8;
  --linje: #c8d3de;
  --tekst: #1b1b1b;
  --feil: #a4262c;
  --advarsel: #8a5a00;
  --ok: #2e6b30;
}
* { box-sizing: border-box; }
html { font-size: 16px; }
body {
  margin: 0; color: var(--tekst); background: #fff; line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
a { color: var(--blaa); }
a:hover { text-decoration-thickness: 2px; }
header.topp { background: var(--blaa); color: #fff; padding: .6rem 1.2rem; }
header.topp a { color: #fff; }
.merke { margin: 0 0 .3rem; font-weight: 600; }
.merke a { text-decoration: none; }
.versjon { font-weight: 400; opacity: .85; margin-left: .5rem; font-size: .9rem; }
nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .2rem 1.2rem; }
nav a { text-decoration: none; }
nav a[aria-current="page"] { text-decoration: underline; text-underline-offset: .3rem; }
main { max-width: 76rem; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
footer { border-top: 1px solid var(--linje); color: #555; font-size: .85rem; padding: .8rem 1.2rem; }
h1 { font-size: 1.8rem; line-height: 1.25; margin: 1rem 0 .6rem; }
h2 { font-size: 1.35rem; margin: 2rem 0 .6rem; border-bottom: 1px solid var(--linje); padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin: 1.4rem 0 .4rem; }
.ingress { font-size: 1.1rem; max-width: 50rem; }
p, li { max-width: 52rem; }
dl.fakta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 1rem 0; }
dl.fakta dt { font-weight: 600; }
dl.fakta dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1.2rem; font-size: .92rem; }
th, td { border: 1px solid var(--linje); padding: .3rem .5rem; text-align: left; vertical-align: top; }
thead th { background: var(--lys); }
tbody tr:nth-child(even) { background: #fafcfe; }
td code, li code, p code { overflow-wrap: anywhere; }
table.elementer td:first-child code { white-space: nowrap; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: .88rem; }
figure.kode { margin: .6rem 0 1rem; }
figure.kode figcaption { font-size: .85rem; color: #444; margin-bottom: .2rem; }
pre { background: #f6f8fa; border: 1px solid var(--linje); padding: .6rem .8rem; overflow-x: auto; margin: 0; }
.fragmenter { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1rem; }
.krav { font-weight: 700; }
.betingelse { display: block; font-size: .85rem; color: #444; }
.alvor { display: inline-block; padding: 0 .45rem; border-radius: .25rem; color: #fff; font-size: .85rem; }
.alvor-error { background: var(--feil); }
.alvor-warning { background: var(--advarsel); }
.forventet { font-weight: 700; }
.forventet-pass { color: var(--ok); }
.forventet-fail { color: var(--feil); }
.eksempelnavn { font-weight: 400; font-size: .85em; margin-left: .4em; }
.gwt dt { font-weight: 700; }
.gwt dd { margin: 0 0 .5rem 1.2rem; }
.merknad { background: var(--lys); border-left: 4px solid var(--blaa); padding: .5rem .8rem; max-width: 52rem; }
blockquote { margin: .6rem 0; padding: .2rem 1rem; border-left: 4px solid var(--linje); color: #333; max-width: 50rem; }
.diagram { overflow-x: auto; border: 1px solid var(--linje); padding: .5rem; background: #fff; }
.diagram svg { max-width: 100%; height: auto; }
.kodesok label { font-weight: 600; display: block; margin-bottom: .3rem; }
.kodesok input { font-size: 1rem; padding: .4rem .6rem; width: min(28rem, 100%); border: 1px solid #888; border-radius: .25rem; }
.treff { color: #444; font-size: .9rem; margin: .4rem 0; }
.seksjon-utskrift { break-before: page; }
@media print {
  @page { margin: 18mm 16mm; }
  html { font-size: 10.5pt; }
  header.topp, footer, .kodesok, .ikke-utskrift { display: none !important; }
  main { max-width: none; padding: 0; }
  a { color: inherit; text-decoration: none; }
  h1, h2, h3 { break-after: avoid; }
  table, figure, pre, tr { break-inside: avoid; }
  thead { display: table-header-group; }
  pre { white-space: pre-wrap; background: none; }
  .diagram { border: none; overflow: visible; }
  .diagram svg { max-width: 100%; height: auto; }
  .alvor { color: #000; border: 1px solid #000; background: none; }
}
"""

SEARCH_SCRIPT = """\
/* Søk i store kodeverk. Dataene ligger i kodeverk/data/<navn>.js; ingenting hentes fra nett. */
(function () {
  "use strict";
  var MAX_ROWS = 200;

  function normalisedCode(text) {
    return text.toUpperCase().replace(/\\./g, "").trim();
  }

  function matches(data, query) {
    if (!query) { return data.rader; }
    var code = normalisedCode(query);
    var text = query.toLowerCase();
    var byCode = [];
    var byText = [];
    for (var i = 0; i < data.rader.length; i++) {
      var row = data.rader[i];
      if (row[0].toUpperCase().indexOf(code) === 0) { byCode.push(row); }
      else if (row[1].toLowerCase().indexOf(text) !== -1) { byText.push(row); }
    }
    return byCode.concat(byText);
  }

  function cell(tr, text) {
    var td = document.createElement("td");
    td.textContent = text;
    tr.appendChild(td);
  }

  function setup(box) {
    var name = box.getAttribute("data-liste");
    var data = (window.KAD_KODEVERK || {})[name];
    var input = box.querySelector("input");
    var body = box.querySelector("tbody");
    var status = box.querySelector(".treff");
    if (!data || !input || !body || !status) { return; }
    function render() {
      var hits = matches(data, input.value.trim());
      var rows = document.createDocumentFragment();
      hits.slice(0, MAX_ROWS).forEach(function (row) {
        var period = data.perioder[row[2]];
        var tr = document.createElement("tr");
        cell(tr, row[0]);
        cell(tr, row[1]);
        cell(tr, period[0]);
        cell(tr, period[1]);
        cell(tr, row[3]);
        cell(tr, row[4]);
        rows.appendChild(tr);
      });
      body.textContent = "";
      body.appendChild(rows);
      status.textContent = hits.length > MAX_ROWS
        ? "Viser " + MAX_ROWS + " av " + hits.length + " treff. Skriv mer for å snevre inn."
        : hits.length + " treff.";
    }
    input.addEventListener("input", render);
    render();
  }

  document.querySelectorAll(".kodesok").forEach(setup);
})();
"""
