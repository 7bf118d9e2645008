"""The HTML of the service's pages: the shell, the upload form, and a report's findings grouped by stay.

Plain HTML and one stylesheet (/static/tjeneste.css): no script, no inline style (the CSP
forbids both), nothing from another site. Every page has a skip link to its main content, a
language switch, and its text in bokmål or English. Every value that came from a message is
escaped here, and the whole page passes :func:`kad_spec.output.clean` on its way out (no
person's id, however a message hid it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

from kad_spec.output import clean
from kad_spec.service.api import versions
from kad_spec.site.layout import esc

CSS = "/static/tjeneste.css"
ICON = "/static/ikon.svg"
DOCS = "/dokumentasjon/"
LANGS = ("nb", "en")
OTHER = {"nb": "en", "en": "nb"}
LANGUAGE_NAMES = {"nb": "Norsk (bokmål)", "en": "English"}

TEXTS = {
    "site": ("KAD-validering", "KAD validation"),
    "skip": ("Gå til hovedinnholdet", "Skip to main content"),
    "menu": ("Hovedmeny", "Main menu"),
    "nav_check": ("Valider en fil", "Validate a file"),
    "nav_docs": ("Dokumentasjon", "Documentation"),
    "nav_api": ("API", "API"),
    "footer": ("kad-spec {tool} · spesifikasjon {spec} · Filen du sender, leses i minnet og glemmes når svaret "
               "er gitt: ingenting lagres.",
               "kad-spec {tool} · specification {spec} · The file you send is read in memory and forgotten "
               "once the answer is given: nothing is stored."),
    # the front page
    "front_title": ("Valider en KAD-melding", "Validate a KAD message"),
    "front_intro": ("Velg en melding og send den. Tjenesten kontrollerer den mot spesifikasjonen for rapportering "
                    "fra kommunale akutte døgnenheter (KAD/ØHD) til KPR, med de samme reglene som "
                    "<code>kad-spec validate</code>, og viser funnene per opphold.",
                    "Choose a message and send it. The service checks it against the specification for "
                    "reporting from municipal acute inpatient units (KAD/ØHD) to KPR, with the same rules as "
                    "<code>kad-spec validate</code>, and shows the findings by stay."),
    "file_label": ("Meldingen (JSON eller XML, også i konvolutt)", "The message (JSON or XML, enveloped or not)"),
    "file_help": ("Høyst {mb} MB. Du kan også dra filen hit.", "At most {mb} MB. You can also drop the file here."),
    "send": ("Valider", "Validate"),
    "examples": ("Har du ingen melding for hånden? Last ned <a href=\"{valid}\">en gyldig eksempelmelding</a> "
                 "eller <a href=\"{invalid}\">de ugyldige eksemplene</a> fra dokumentasjonen.",
                 "No message at hand? Download <a href=\"{valid}\">a valid example message</a> or "
                 "<a href=\"{invalid}\">the invalid examples</a> from the documentation."),
    "machines": ("Fra et program", "From a program"),
    "machines_text": ("Det samme finnes som API: send meldingen som innholdet i "
                      "<code>POST /api/v1/validering</code> og få rapporten som JSON, SARIF, JUnit, AppRec eller "
                      "tekst. Se <a href=\"/api/docs\">API-dokumentasjonen</a>.",
                      "The same is there as an API: send the message as the body of "
                      "<code>POST /api/v1/validering</code> and get the report as JSON, SARIF, JUnit, AppRec or "
                      "text. See <a href=\"/api/docs\">the API documentation</a>."),
    # the answer page
    "result_title": ("Resultat for {name}", "Result for {name}"),
    "summary": ("Sammendrag", "Summary"),
    "verdict": ("Utfall", "Outcome"),
    "accepted": ("Godkjent", "Accepted"),
    "partly_accepted": ("Delvis godkjent: opphold med feil tas ikke inn", "Partly accepted: stays with errors are not taken in"),
    "rejected": ("Avvist: meldingen tas ikke inn", "Rejected: the message is not taken in"),
    "format": ("Format", "Format"),
    "stays": ("Opphold", "Stays"),
    "errors": ("Feil", "Errors"),
    "warnings": ("Advarsler", "Warnings"),
    "waived": ("Unntatt", "Waived"),
    "omitted": ("Ikke vist (over grensen per regel)", "Not shown (over the limit per rule)"),
    "notices": ("Merknader", "Notices"),
    "no_findings": ("Ingen funn: meldingen følger spesifikasjonen.", "No findings: the message follows the specification."),
    "findings": ("Funn per opphold", "Findings by stay"),
    "message_group": ("Meldingen som helhet", "The message as a whole"),
    "stay_group": ("Opphold", "Stay"),
    "stay_number": ("(nr. {n} i meldingen)", "(no. {n} in the message)"),
    "counted_group": ("Talt, ikke vist", "Counted, not shown"),
    "one_error": ("1 feil", "1 error"),
    "errors_n": ("{n} feil", "{n} errors"),
    "one_warning": ("1 advarsel", "1 warning"),
    "warnings_n": ("{n} advarsler", "{n} warnings"),
    "col_severity": ("Alvorlighet", "Severity"),
    "col_rule": ("Regel", "Rule"),
    "col_message": ("Melding", "Message"),
    "col_where": ("Sted", "Location"),
    "error": ("Feil", "Error"),
    "warning": ("Advarsel", "Warning"),
    "waived_mark": ("unntatt: {why}", "waived: {why}"),
    "line": ("linje {n}", "line {n}"),
    "more": ("{n} funn til etter regel {rule} er talt, ikke vist", "{n} more findings of rule {rule} counted, not shown"),
    "again": ("Valider en fil til", "Validate another file"),
    "truncated": ("Filen har flere funn enn rapporten viser.", "The file has more findings than the report shows."),
    # the errors
    "error_title": ("Kunne ikke validere", "Could not validate"),
    "no_file": ("Velg en fil før du sender.", "Choose a file before you send."),
    "bad_form": ("Skjemaet kom ikke fram som det skulle; prøv igjen.", "The form did not arrive as it should; try again."),
    "too_large": ("Filen er større enn grensen på {mb} MB ({limit} byte).",
                  "The file is larger than the limit of {mb} MB ({limit} bytes)."),
    "timed_out": ("Valideringen brukte mer enn tidsgrensen på {seconds} sekunder, og er stoppet.",
                  "The validation took longer than the time limit of {seconds} seconds, and was stopped."),
    "busy": ("Tjenesten validerer så mange meldinger den kan nå. Prøv igjen om litt.",
             "The service is validating as many messages as it can. Try again shortly."),
    "failed": ("Det oppstod en intern feil i validatoren; meldingen er ikke kontrollert.",
               "An internal error occurred in the validator; the message was not checked."),
    "not_found_title": ("Finnes ikke", "Not found"),
    "not_found": ("Siden finnes ikke. Gå til <a href=\"/\">forsiden</a>.", "The page does not exist. Go to <a href=\"/\">the front page</a>."),
    "docs_failed": ("Dokumentasjonen kunne ikke bygges akkurat nå.", "The documentation could not be built just now."),
}


def text_in(table: dict, key: str, lang: str, **params) -> str:
    """The text ``key`` of a page's table of (bokmål, English) in ``lang``, with ``params``
    (already escaped where they are HTML) put in."""
    nb, en = table[key]
    chosen = en if lang == "en" else nb
    return chosen.format(**params) if params else chosen


def text(key: str, lang: str, **params) -> str:
    return text_in(TEXTS, key, lang, **params)


def lang_of(value: str | None) -> str:
    return value if value in LANGS else "nb"


def counted(n: int, one: str, many: str, lang: str) -> str:
    """``1 error``, ``2 errors``: the number with the word in the right number."""
    return text(one, lang) if n == 1 else text(many, lang, n=n)


def megabytes(limit: int) -> str:
    return f"{limit / 1_000_000:g}"


@dataclass
class Shell:
    """What every page has: its language, where the language switch points, the versions in the footer."""

    lang: str
    switch_to: str  # the address of this page (or the nearest one a GET can give) in the other language
    tool: str
    spec: str

    @classmethod
    def of(cls, lang: str, switch_to: str) -> "Shell":
        found = versions()
        return cls(lang, switch_to, found["tool"]["version"], found["specification_version"])

    def render(self, title: str, body: str) -> str:
        lang, other = self.lang, OTHER[self.lang]
        page = f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} – {text("site", lang)}</title>
<link rel="icon" href="{ICON}" type="image/svg+xml">
<link rel="stylesheet" href="{CSS}">
</head>
<body>
<a class="hopp" href="#innhold">{text("skip", lang)}</a>
<header class="topp">
<p class="merke"><a href="/{"?lang=en" if lang == "en" else ""}">KAD/ØHD → KPR</a> <span class="versjon">{text("site", lang)}</span></p>
<nav aria-label="{text("menu", lang)}"><ul>
<li><a href="/{"?lang=en" if lang == "en" else ""}">{text("nav_check", lang)}</a></li>
<li><a href="{DOCS}">{text("nav_docs", lang)}</a></li>
<li><a href="/api/docs">{text("nav_api", lang)}</a></li>
<li><a href="{esc(self.switch_to)}" lang="{other}" hreflang="{other}">{LANGUAGE_NAMES[other]}</a></li>
</ul></nav>
</header>
<main id="innhold" tabindex="-1">
<h1>{esc(title)}</h1>
{body}
</main>
<footer>
<p>{text("footer", lang, tool=esc(self.tool), spec=esc(self.spec))}</p>
</footer>
</body>
</html>
"""
        return clean(page)


# -- the front page ---------------------------------------------------------------------------
def upload_form(lang: str, limit: int, problem: str | None = None) -> str:
    """The form: one file, sent as multipart/form-data to /sjekk; the page's language goes in the address."""
    described = "fil-hjelp fil-feil" if problem else "fil-hjelp"
    problem_html = f'<p id="fil-feil" class="feilmelding" role="alert">{esc(problem)}</p>\n' if problem else ""
    action = "/sjekk?lang=en" if lang == "en" else "/sjekk"
    return f"""<form class="opplasting" method="post" action="{action}" enctype="multipart/form-data">
<label for="fil">{text("file_label", lang)}</label>
{problem_html}<input type="file" id="fil" name="fil" required accept=".json,.xml,application/json,application/xml,text/xml" aria-describedby="{described}"{' aria-invalid="true"' if problem else ""}>
<p id="fil-hjelp" class="hjelp">{text("file_help", lang, mb=megabytes(limit))}</p>
<button type="submit">{text("send", lang)}</button>
</form>"""


def front_body(lang: str, limit: int, problem: str | None = None) -> str:
    examples = text("examples", lang, valid=f"{DOCS}nedlasting/eksempler/kad-melding.json",
                    invalid=f"{DOCS}index.html#nedlasting-eksempler")
    return f"""<p class="ingress">{text("front_intro", lang)}</p>
{upload_form(lang, limit, problem)}
<p>{examples}</p>
<h2>{text("machines", lang)}</h2>
<p>{text("machines_text", lang)}</p>"""


# -- the answer page --------------------------------------------------------------------------
def rule_link(rule_id: str) -> str:
    return f'<a href="{DOCS}regler/{quote(rule_id.lower())}.html">{esc(rule_id)}</a>'


def _severity(severity: str, lang: str) -> str:
    name = text(severity, lang) if severity in ("error", "warning") else severity
    return f'<span class="alvor alvor-{esc(severity)}">{esc(name)}</span>'


def finding_row(finding: dict, file_format: str, lang: str) -> str:
    message = esc(finding.get("message") or "")
    if finding.get("waived"):
        message += f' <span class="unntatt">({esc(text("waived_mark", lang, why=finding["waived"]))})</span>'
    title = f'<span class="regeltittel">{esc(finding["title"])}</span>' if finding.get("title") else ""
    where = []
    if finding.get("line"):
        where.append(esc(text("line", lang, n=finding["line"])))
    place = finding.get("xpath") if file_format == "xml" else finding.get("pointer")
    if place:
        where.append(f"<code>{esc(place)}</code>")
    return (f"<tr><td>{_severity(finding['severity'], lang)}</td><td>{rule_link(finding['rule_id'])}{title}</td>"
            f"<td>{message}</td><td>{'<br>'.join(where)}</td></tr>")


def omitted_row(omitted: dict, lang: str) -> str:
    more = text("more", lang, n=omitted["count"], rule=esc(omitted["rule_id"]))
    return (f'<tr class="utelatt"><td>{_severity(omitted["severity"], lang)}</td><td>{rule_link(omitted["rule_id"])}</td>'
            f"<td colspan=\"2\">{more}</td></tr>")


# A stay is known by its place in the message as well as by its id: two stays may have the same id
# (a finding of its own), and an id the output boundary masks may read like another one.
STAY_IN_POINTER = re.compile(r"^/opphold/(\d+)(?:/|$)")
MESSAGE, STAY, COUNTED = "message", "stay", "counted"


@dataclass
class StayGroup:
    """The findings of one stay, of the message as a whole, or counted beyond the limit with no stay named."""

    kind: str  # MESSAGE, STAY or COUNTED
    opphold_id: str | None = None
    number: int | None = None  # the stay's place in the message, from 1
    findings: list[dict] = field(default_factory=list)
    omitted: list[dict] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return (sum(1 for f in self.findings if f["severity"] == severity)
                + sum(o["count"] for o in self.omitted if o["severity"] == severity))

    def heading(self, lang: str) -> str:
        if self.kind == MESSAGE:
            return text("message_group", lang)
        if self.kind == COUNTED:
            return text("counted_group", lang)
        name = f"<code>{esc(self.opphold_id)}</code>" if self.opphold_id else ""
        place = text("stay_number", lang, n=self.number) if self.number is not None else ""
        return " ".join(part for part in (text("stay_group", lang), name, place) if part)


def stay_key(finding: dict) -> tuple[str | None, int | None]:
    """(opphold_id, the stay's place from 1): (None, None) for a finding about the message as a whole."""
    match = STAY_IN_POINTER.match(finding.get("pointer") or "")
    return finding.get("opphold_id"), int(match.group(1)) + 1 if match else None


def by_stay(findings: Iterable[dict], omitted: Iterable[dict]) -> list[StayGroup]:
    """Groups in the order their stays first appear in the report: the message as a whole first, the
    findings counted but not shown with no stay named last."""
    groups: dict[tuple, StayGroup] = {(None, None): StayGroup(MESSAGE)}
    for finding in findings:
        key = stay_key(finding)
        if key not in groups:
            groups[key] = StayGroup(STAY, *key)
        groups[key].findings.append(finding)
    counted_group = StayGroup(COUNTED)
    for item in omitted:
        stay = item.get("opphold_id")
        target = next((g for g in groups.values() if g.kind == STAY and g.opphold_id == stay), None) if stay else counted_group
        if target is None:
            target = groups[(stay, None)] = StayGroup(STAY, stay)
        target.omitted.append(item)
    return [group for group in [*groups.values(), counted_group] if group.findings or group.omitted]


def group_section(group: StayGroup, number: int, file_format: str, lang: str) -> str:
    heading = group.heading(lang)
    counts = (counted(group.count("error"), "one_error", "errors_n", lang) + ", "
              + counted(group.count("warning"), "one_warning", "warnings_n", lang))
    head = "".join(f'<th scope="col">{text(key, lang)}</th>' for key in ("col_severity", "col_rule", "col_message", "col_where"))
    rows = [finding_row(f, file_format, lang) for f in group.findings] + [omitted_row(o, lang) for o in group.omitted]
    body = "\n".join(rows)
    return f"""<section class="opphold {group.kind}" aria-labelledby="gruppe-{number}">
<h3 id="gruppe-{number}">{heading} <span class="antall">({counts})</span></h3>
<table class="funn">
<thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody>
</table>
</section>"""


def summary_section(report: dict, file: dict, verdict: str | None, lang: str) -> str:
    summary = report["summary"]
    rows = []
    if verdict in ("accepted", "partly_accepted", "rejected"):
        rows.append(("verdict", f'<span class="utfall utfall-{verdict}">{text(verdict, lang)}</span>'))
    rows += [("format", esc(str(file.get("format") or "").upper() or "–")), ("stays", str(file["stays"])),
             ("errors", str(file["errors"])), ("warnings", str(file["warnings"]))]
    if summary.get("waived"):
        rows.append(("waived", str(summary["waived"])))
    if summary.get("omitted"):
        rows.append(("omitted", str(summary["omitted"])))
    facts = "\n".join(f"<dt>{text(key, lang)}</dt><dd>{value}</dd>" for key, value in rows)
    notices = ""
    if report.get("notices"):
        items = "".join(f"<li>{esc(n)}</li>" for n in report["notices"])
        notices = f'<h3>{text("notices", lang)}</h3>\n<ul class="merknader">{items}</ul>'
    return f"""<section class="sammendrag" aria-labelledby="sammendrag">
<h2 id="sammendrag">{text("summary", lang)}</h2>
<dl class="fakta">
{facts}
</dl>
{notices}
</section>"""


def result_body(report: dict, verdict: str | None, lang: str, limit: int) -> str:
    """The answer page's content: the summary, then every finding under its stay, then the form again."""
    file = report["files"][0]
    groups = by_stay(file["findings"], file.get("omitted", []))
    parts = [summary_section(report, file, verdict, lang)]
    if not groups:
        parts.append(f'<p class="ingen-funn">{text("no_findings", lang)}</p>')
    else:
        parts.append(f'<h2>{text("findings", lang)}</h2>')
        if file.get("truncated"):
            parts.append(f'<p class="merknad">{text("truncated", lang)}</p>')
        parts += [group_section(group, number, file.get("format") or "", lang) for number, group in enumerate(groups, 1)]
    parts.append(f'<h2>{text("again", lang)}</h2>\n{upload_form(lang, limit)}')
    return "\n".join(parts)


def problem_body(message: str, lang: str, limit: int) -> str:
    """An upload that could not be validated: what went wrong, and the form to try again."""
    return f'<p class="feilmelding" role="alert">{esc(message)}</p>\n{upload_form(lang, limit)}'
