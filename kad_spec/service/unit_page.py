"""``/enheter/{orgnr}``: a unit's status in the register, as a web page, behind the unit's token.

``GET`` gives a form that asks for the token; the form posts it (the token is never in an
address, so never in a log, a history or a Referer), and the answer shows the unit's counts and
its open findings by rule, as ``kad-spec register status --unit ORGNR`` gives them
(:func:`kad_spec.register.store.unit_status`), with a link to the unit's feedback report
(``/enheter/{orgnr}/rapport``, kad_spec.service.report).

Who a token belongs to is the access check's to say (tokens and JWTs, kad_spec.service.access):
this page asks ``app.state.unit_of_token``, a function ``token -> orgnr | None`` (None: unknown
or revoked; ``access.DIRECTORATE`` for the directorate, who may see every unit), which create_app
sets from the access check. Without it the page refuses every
token (503): the page never decides access on its own.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import parse_qs

import anyio.to_thread
from starlette.requests import ClientDisconnect
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from kad_spec.service.access import DIRECTORATE
from kad_spec.service.body import TooLarge, read_body
from kad_spec.service.page_html import OTHER, Shell, lang_of, rule_link, text_in
from kad_spec.site.layout import esc

log = logging.getLogger("kad_spec.service")

ORGNR = re.compile(r"\d{9}")
MAX_FORM_BYTES = 4096  # a token and nothing else

TEXTS = {
    "title": ("Status for virksomhet {orgnr}", "Status of unit {orgnr}"),
    "intro": ("Tallene registeret har for virksomheten: meldinger, opphold og åpne funn. Bare virksomhetens "
              "eget token, eller direktoratets, gir dem.",
              "The register's figures for the unit: messages, stays and open findings. Only the unit's own "
              "token, or the directorate's, gives them."),
    "token": ("Virksomhetens token", "The unit's token"),
    "token_help": ("Tokenet sendes i skjemaet, aldri i adressen.", "The token is sent in the form, never in the address."),
    "show": ("Vis status", "Show status"),
    "no_token": ("Skriv inn virksomhetens token.", "Enter the unit's token."),
    "unknown": ("Tokenet er ukjent eller trukket tilbake.", "The token is unknown or revoked."),
    "other_unit": ("Tokenet hører til en annen virksomhet.", "The token belongs to another unit."),
    "no_access": ("Innlogging med token er ikke satt opp på denne tjenesten.", "Sign-in with a token is not set up on this service."),
    "no_register": ("Tjenesten har ikke noe register (start den med --db).", "The service has no register (start it with --db)."),
    "register_down": ("Registeret svarer ikke akkurat nå.", "The register does not answer just now."),
    "bad_form": ("Skjemaet kom ikke fram som det skulle; prøv igjen.", "The form did not arrive as it should; try again."),
    "not_found": ("Et organisasjonsnummer har ni sifre.", "An organisation number has nine digits."),
    "empty": ("Registeret har ingen meldinger fra virksomheten ennå.", "The register has no messages from the unit yet."),
    "messages": ("Meldinger", "Messages"),
    "messages_value": ("{total} ({taken_in} tatt inn, {refused} avvist)", "{total} ({taken_in} taken in, {refused} refused)"),
    "last_created": ("Siste melding opprettet", "Latest message created"),
    "last_received": ("Siste melding mottatt (UTC)", "Latest message received (UTC)"),
    "stays": ("Opphold", "Stays"),
    "stays_value": ("{current} gjeldende, {open} av dem åpne (uten utskrivning), {cancelled} annullert",
                    "{current} current, {open} of them open (without discharge), {cancelled} cancelled"),
    "findings": ("Åpne funn", "Open findings"),
    "no_findings": ("Ingen åpne funn.", "No open findings."),
    "col_rule": ("Regel", "Rule"),
    "col_count": ("Antall", "Count"),
    "report": ("Tilbakemeldingsrapport", "Feedback report"),
    "report_link": ("Virksomhetens tilbakemeldingsrapport fra registeret", "The unit's feedback report from the register"),
}


def text(key: str, lang: str, **params) -> str:
    return text_in(TEXTS, key, lang, **params)


# -- what the page shows ------------------------------------------------------------------------
def token_form(orgnr: str, lang: str, problem: str | None = None) -> str:
    action = f"/enheter/{orgnr}" + ("?lang=en" if lang == "en" else "")
    problem_html = f'<p id="token-feil" class="feilmelding" role="alert">{esc(problem)}</p>\n' if problem else ""
    described = "token-hjelp token-feil" if problem else "token-hjelp"
    return f"""<form class="token" method="post" action="{action}">
<label for="token">{text("token", lang)}</label>
{problem_html}<input type="password" id="token" name="token" required autocomplete="off" spellcheck="false" aria-describedby="{described}">
<p id="token-hjelp" class="hjelp">{text("token_help", lang)}</p>
<button type="submit">{text("show", lang)}</button>
</form>"""


def status_html(unit: dict | None, lang: str) -> str:
    if unit is None:
        return f"<p>{text('empty', lang)}</p>"
    facts = [("messages", text("messages_value", lang, **unit["messages"])),
             ("last_created", esc(unit["last_created"] or "–")),
             ("last_received", esc(unit["last_received_utc"] or "–")),
             ("stays", text("stays_value", lang, **unit["stays"]))]
    rows = "\n".join(f"<dt>{text(key, lang)}</dt><dd>{value}</dd>" for key, value in facts)
    findings = unit["open_findings"]
    if findings:
        body = "".join(f"<tr><td>{rule_link(rule_id)}</td><td>{n}</td></tr>" for rule_id, n in findings.items())
        table = (f'<table class="funn"><thead><tr><th scope="col">{text("col_rule", lang)}</th>'
                 f'<th scope="col">{text("col_count", lang)}</th></tr></thead><tbody>{body}</tbody></table>')
    else:
        table = f"<p>{text('no_findings', lang)}</p>"
    return f"""<dl class="fakta">
{rows}
</dl>
<h2>{text("findings", lang)}</h2>
{table}"""


def report_link(orgnr: str, lang: str) -> str:
    """Where the unit's feedback report is (kad_spec.service.report): a page that asks for the token again."""
    address = f"/enheter/{orgnr}/rapport" + ("?lang=en" if lang == "en" else "")
    return f'\n<h2>{text("report", lang)}</h2>\n<p><a href="{address}">{text("report_link", lang)}</a></p>'


def unit_response(orgnr: str, lang: str, body: str, status: int = 200) -> Response:
    switch = f"/enheter/{orgnr}" + ("" if lang == "en" else "?lang=en")
    return HTMLResponse(Shell.of(lang, switch).render(text("title", lang, orgnr=orgnr), body), status_code=status)


def form_page(orgnr: str, lang: str, status: int = 200, problem: str | None = None) -> Response:
    return unit_response(orgnr, lang, f'<p class="ingress">{text("intro", lang)}</p>\n{token_form(orgnr, lang, problem)}'
                         + report_link(orgnr, lang), status)


# -- what the register says -----------------------------------------------------------------------
@dataclass
class Lookup:
    """What a token and the register said: ``problem`` (a TEXTS key) and its status, or the unit's status."""

    status: int
    problem: str | None = None
    unit: dict | None = None


def look_up(check, db_url: str | None, token: str, orgnr: str) -> Lookup:
    """Blocking (in a thread): whose token it is, then the unit's status in the register."""
    from kad_spec.register import store

    owner = check(token)
    if owner is None:
        return Lookup(401, "unknown")
    if owner != orgnr and owner != DIRECTORATE:
        return Lookup(403, "other_unit")
    if not db_url:
        return Lookup(503, "no_register")
    try:
        with store.Register.open(db_url) as register, register.transaction() as connection:
            units = store.unit_status(connection, orgnr)
    except store.RegisterError as error:
        log.error("registeret svarer ikke (status for en virksomhet): %s", type(error).__name__)
        return Lookup(503, "register_down")
    return Lookup(200, unit=units[0] if units else None)


async def posted_token(request) -> str:
    with await read_body(request, MAX_FORM_BYTES) as body:
        data = body.read()
    values = parse_qs(data.decode("utf-8", errors="replace"), max_num_fields=4)
    return (values.get("token") or [""])[0].strip()


# -- the route ----------------------------------------------------------------------------------
async def unit(request):
    orgnr, lang = request.path_params["orgnr"], lang_of(request.query_params.get("lang"))
    if not ORGNR.fullmatch(orgnr):
        return HTMLResponse(Shell.of(lang, "/?lang=" + OTHER[lang]).render(text("not_found", lang), ""),
                            status_code=404)
    if request.method == "GET":
        return form_page(orgnr, lang)
    try:
        token = await posted_token(request)
    except (TooLarge, ValueError):
        return form_page(orgnr, lang, 400, text("bad_form", lang))
    except ClientDisconnect:
        return Response(status_code=400)
    if not token:
        return form_page(orgnr, lang, 401, text("no_token", lang))
    check = getattr(request.app.state, "unit_of_token", None)
    if check is None:
        return form_page(orgnr, lang, 503, text("no_access", lang))
    found = await anyio.to_thread.run_sync(look_up, check, request.app.state.settings.db_url, token, orgnr)
    if found.problem is not None:
        return form_page(orgnr, lang, found.status, text(found.problem, lang))
    return unit_response(orgnr, lang, status_html(found.unit, lang) + report_link(orgnr, lang))


def routes(settings) -> list:
    return [Route("/enheter/{orgnr}", unit, methods=["GET", "POST"])]
