"""The feedback report from the register, per unit and for the whole country, over the API and as web pages.

- ``GET /api/v1/enheter/{orgnr}/rapport``: the unit's report (the unit's own token, or the
  directorate's), as ``kad-spec report --db URL --unit ORGNR --format json`` gives it; HTML (the
  report's own self-contained page) with ``?format=html`` or ``Accept: text/html``.
- ``GET /api/v1/rapport``: the national report, every unit (the directorate only).
- ``/enheter/{orgnr}/rapport`` and ``/rapport``: the same HTML as web pages. ``GET`` gives a form
  that asks for the token and the form posts it, as the unit's status page does
  (kad_spec.service.unit_page): the token is never in an address.

The parameters are the same everywhere: ``?lang=nb|en``, ``?min_cell=N`` (5 or more: a caller may
hide more small numbers than the published default, never fewer) and ``?period=FROM..TO``
(ISO dates, either side may be empty; its last day is the reference day). The reference day is
otherwise the last day in the data, as the CLI's.

The report is built in a thread on one read transaction of the register (a snapshot, without
the writers' lock: kad_spec.service.store), a few at a time. The report's page carries its
inline style, so its answers have the service's policy with ``style-src 'unsafe-inline'``
added and nothing else; every answer is ``no-store`` (kad_spec.service.headers).
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import orjson
from starlette.requests import ClientDisconnect
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from kad_spec.output import clean
from kad_spec.service import access, submission
from kad_spec.service.access import DIRECTORATE
from kad_spec.service.body import TooLarge
from kad_spec.service.headers import CSP
from kad_spec.service.page_html import OTHER, Shell, lang_of, text_in
from kad_spec.service.responses import JSON, error_response
from kad_spec.service.unit_page import ORGNR, posted_token
from kad_spec.site.layout import esc

log = logging.getLogger("kad_spec.service")

MIN_CELL = 5  # the published default; the service never shows smaller numbers than this
REPORTS_AT_ONCE = 2  # reports built at the same time; the others wait their turn
# The report's page has its own inline style (and its own policy in a meta tag); nothing else is let in.
REPORT_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
HTML = "text/html; charset=utf-8"

BAD_LANG = ("lang må være nb eller en", "lang must be nb or en")
BAD_FORMAT = ("format må være json eller html", "format must be json or html")
NOT_ACCEPTABLE = ("Accept ber om et format rapporten ikke har; bruk application/json eller text/html (eller ?format=)",
                  "Accept asks for a format the report does not have; use application/json or text/html (or ?format=)")
BAD_MIN_CELL = (f"min_cell må være et heltall på minst {MIN_CELL}: tjenesten viser aldri tall under {MIN_CELL} "
                f"opphold (små tall skjules for personvernet)",
                f"min_cell must be a whole number of at least {MIN_CELL}: the service never shows numbers below "
                f"{MIN_CELL} stays (small numbers are hidden for privacy)")
BAD_PERIOD = ("period må være FRA..TIL med datoer som ÅÅÅÅ-MM-DD (én side kan stå tom), f.eks. 2025-01-01..2025-03-31",
              "period must be FROM..TO with dates as YYYY-MM-DD (either side may be empty), e.g. 2025-01-01..2025-03-31")
PERIOD_BACKWARDS = ("period: første dag er etter siste dag", "period: the first day is after the last day")
NO_UNIT = ("et organisasjonsnummer har ni sifre", "an organisation number has nine digits")


class BadQuery(Exception):
    def __init__(self, texts: tuple[str, str], status: int = 400):
        super().__init__(texts[1])
        self.status, self.texts = status, texts


@dataclass(frozen=True)
class Asked:
    """What the caller asked for: the report's language, its small-number limit, its period and format."""

    lang: str = "nb"
    min_cell: int = MIN_CELL
    period: tuple[date | None, date | None] = (None, None)
    format: str = "json"

    def query(self) -> str:
        """The same as a query string (for a form's action), the defaults left out."""
        params = {}
        if self.lang != "nb":
            params["lang"] = self.lang
        if self.min_cell != MIN_CELL:
            params["min_cell"] = str(self.min_cell)
        if self.period != (None, None):
            params["period"] = "..".join(day.isoformat() if day else "" for day in self.period)
        return "?" + urlencode(params) if params else ""


def parse_period(text: str) -> tuple[date | None, date | None]:
    from kad_spec.activity.from_register import PeriodError
    from kad_spec.activity.from_register import parse_period as period_of

    try:
        return period_of(text)
    except PeriodError as error:
        raise BadQuery(PERIOD_BACKWARDS if error.backwards else BAD_PERIOD) from None


def parse_min_cell(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", text.strip()):
        raise BadQuery(BAD_MIN_CELL)
    value = int(text)
    if value < MIN_CELL:
        raise BadQuery(BAD_MIN_CELL)
    return value


def format_from_accept(accept: str) -> str | None:
    """json or html by the Accept header's q values (json when it says nothing); None: neither."""
    if not accept.strip():
        return "json"
    offers = []
    for position, item in enumerate(accept.split(",")):
        media, *params = [part.strip().lower() for part in item.split(";")]
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        chosen = {"application/json": "json", "text/html": "html", "application/xhtml+xml": "html",
                  "application/*": "json", "text/*": "html", "*/*": "json"}.get(media)
        if chosen and quality > 0:
            offers.append((-quality, position, chosen))
    return min(offers)[2] if offers else None


def asked_of(request, *, page: bool = False) -> Asked:
    """The request's parameters, checked (BadQuery when one is wrong)."""
    query = request.query_params
    lang = query.get("lang", "nb")
    if lang not in ("nb", "en"):
        raise BadQuery(BAD_LANG)
    min_cell = parse_min_cell(query["min_cell"]) if "min_cell" in query else MIN_CELL
    period = parse_period(query["period"]) if "period" in query else (None, None)
    if page:
        fmt = "html"
    elif "format" in query:
        fmt = query["format"]
        if fmt not in ("json", "html"):
            raise BadQuery(BAD_FORMAT)
    else:
        fmt = format_from_accept(request.headers.get("accept", ""))
        if fmt is None:
            raise BadQuery(NOT_ACCEPTABLE, 406)
    return Asked(lang, min_cell, period, fmt)


def report_response(content: bytes | str, fmt: str, status: int = 200) -> Response:
    if fmt == "html":
        return Response(content, status_code=status, media_type=HTML,
                        headers={"content-security-policy": REPORT_CSP})
    return Response(content, status_code=status, media_type=JSON)


# -- the web pages' words -----------------------------------------------------------------------
TEXTS = {
    "unit_title": ("Tilbakemeldingsrapport for virksomhet {orgnr}", "Feedback report for unit {orgnr}"),
    "national_title": ("Nasjonal tilbakemeldingsrapport", "National feedback report"),
    "unit_intro": ("Rapporten fra registeret om virksomhetens opphold: aktivitet, sammenligning med andre "
                   "virksomheter og datakvalitet. Tall under {min_cell} opphold skjules. Bare virksomhetens eget "
                   "token (eller direktoratets) gir den.",
                   "The register's report on the unit's stays: activity, comparison with other units and data "
                   "quality. Numbers below {min_cell} stays are hidden. Only the unit's own token (or the "
                   "directorate's) gives it."),
    "national_intro": ("Rapporten fra registeret om alle virksomhetenes opphold. Tall under {min_cell} opphold "
                       "skjules. Bare direktoratets token gir den.",
                       "The register's report on every unit's stays. Numbers below {min_cell} stays are hidden. "
                       "Only the directorate's token gives it."),
    "period": ("Perioden: opphold innlagt {period}.", "The period: stays admitted {period}."),
    "unit_token": ("Virksomhetens token", "The unit's token"),
    "national_token": ("Direktoratets token", "The directorate's token"),
    "token_help": ("Tokenet sendes i skjemaet, aldri i adressen.", "The token is sent in the form, never in the address."),
    "show": ("Vis rapporten", "Show the report"),
    "no_token": ("Skriv inn tokenet.", "Enter the token."),
    "unknown": ("Tokenet er ukjent eller trukket tilbake.", "The token is unknown or revoked."),
    "other_unit": ("Tokenet hører til en annen virksomhet.", "The token belongs to another unit."),
    "not_directorate": ("Bare direktoratet kan se den nasjonale rapporten; tokenet hører til en virksomhet.",
                        "Only the directorate can see the national report; the token belongs to a unit."),
    "no_access": ("Innlogging med token er ikke satt opp på denne tjenesten.",
                  "Sign-in with a token is not set up on this service."),
    "no_register": ("Tjenesten har ikke noe register (start den med --db).",
                    "The service has no register (start it with --db)."),
    "register_down": ("Registeret svarer ikke akkurat nå.", "The register does not answer just now."),
    "bad_form": ("Skjemaet kom ikke fram som det skulle; prøv igjen.", "The form did not arrive as it should; try again."),
    "not_found": ("Et organisasjonsnummer har ni sifre.", "An organisation number has nine digits."),
    "bad_address": ("Adressen ber om en rapport tjenesten ikke gir", "The address asks for a report the service does not give"),
    "status_link": ("Virksomhetens status i registeret", "The unit's status in the register"),
}


def text(key: str, lang: str, **params) -> str:
    return text_in(TEXTS, key, lang, **params)


def page_address(orgnr: str | None) -> str:
    return f"/enheter/{orgnr}/rapport" if orgnr else "/rapport"


def form_page(orgnr: str | None, asked: Asked, status: int = 200, problem: str | None = None) -> Response:
    lang = asked.lang
    address = page_address(orgnr)
    kind = "unit" if orgnr else "national"
    action = address + asked.query()
    switch = address + Asked(OTHER[lang], asked.min_cell, asked.period).query()
    problem_html = f'<p id="token-feil" class="feilmelding" role="alert">{esc(problem)}</p>\n' if problem else ""
    described = "token-hjelp token-feil" if problem else "token-hjelp"
    period = ""
    if asked.period != (None, None):
        shown = " – ".join(day.isoformat() if day else "…" for day in asked.period)
        period = f"<p>{esc(text('period', lang, period=shown))}</p>\n"
    status_link = (f'<p><a href="/enheter/{orgnr}{"?lang=en" if lang == "en" else ""}">{text("status_link", lang)}</a></p>\n'
                   if orgnr else "")
    body = f"""<p class="ingress">{text(kind + "_intro", lang, min_cell=asked.min_cell)}</p>
{period}<form class="token" method="post" action="{esc(action)}">
<label for="token">{text(kind + "_token", lang)}</label>
{problem_html}<input type="password" id="token" name="token" required autocomplete="off" spellcheck="false" aria-describedby="{described}">
<p id="token-hjelp" class="hjelp">{text("token_help", lang)}</p>
<button type="submit">{text("show", lang)}</button>
</form>
{status_link}"""
    title = text("unit_title", lang, orgnr=orgnr) if orgnr else text("national_title", lang)
    return HTMLResponse(Shell.of(lang, switch).render(title, body), status_code=status)


def plain_page(lang: str, title: str, status: int, problem: str | None = None) -> Response:
    body = f'<p class="feilmelding" role="alert">{esc(problem)}</p>' if problem else ""
    return HTMLResponse(Shell.of(lang, "/?lang=" + OTHER[lang]).render(title, body), status_code=status)


# -- the routes ---------------------------------------------------------------------------------
class Reports:
    """The report routes: the register and the access check are the units' (kad_spec.service.units.Units)."""

    def __init__(self, units):
        self.units = units
        self._turns: asyncio.Semaphore | None = None

    def turns(self) -> asyncio.Semaphore:
        if self._turns is None:
            self._turns = asyncio.Semaphore(REPORTS_AT_ONCE)
        return self._turns

    async def report(self, unit: str | None, asked: Asked) -> bytes | str:
        """The report, rendered (JSON bytes or the HTML page), built in a thread; Unavailable when
        the register does not answer."""
        async with self.turns():
            return await self.units.in_thread(self.build, unit, asked)

    def build(self, unit: str | None, asked: Asked) -> bytes | str:
        """Blocking: the report of ``unit`` (None: every unit) from one snapshot of the register."""
        from kad_spec.activity import render_html, report_dict
        from kad_spec.activity.from_register import build_report_from_register

        with self.units.register.snapshot() as connection:
            report = build_report_from_register(connection, unit, min_cell=asked.min_cell, today=None, validate=True,
                                                period=asked.period)
        if asked.format == "html":
            return clean(render_html(report, asked.lang))
        return orjson.dumps(submission.cleaned(report_dict(report)))

    # -- the API ------------------------------------------------------------------------------
    async def api_unit(self, request):
        orgnr = request.path_params["orgnr"]
        if not ORGNR.fullmatch(orgnr):
            return error_response(404, *NO_UNIT)
        return await self.api(request, orgnr)

    async def api_national(self, request):
        return await self.api(request, None)

    async def api(self, request, orgnr: str | None):
        from kad_spec.service.units import refused

        try:
            asked = asked_of(request)
        except BadQuery as error:
            return error_response(error.status, *error.texts)
        try:
            caller = await self.units.caller(request, orgnr)
            if orgnr is None:
                access.require_directorate(caller)
        except access.Refused as error:
            return refused(error)
        try:
            content = await self.report(orgnr, asked)
        except access.Refused as error:
            return refused(error)
        return report_response(content, asked.format)

    # -- the web pages ------------------------------------------------------------------------
    async def page_unit(self, request):
        orgnr = request.path_params["orgnr"]
        lang = lang_of(request.query_params.get("lang"))
        if not ORGNR.fullmatch(orgnr):
            return plain_page(lang, text("not_found", lang), 404)
        return await self.page(request, orgnr)

    async def page_national(self, request):
        return await self.page(request, None)

    async def page(self, request, orgnr: str | None):
        try:
            asked = asked_of(request, page=True)
        except BadQuery as error:
            lang = lang_of(request.query_params.get("lang"))
            return plain_page(lang, text("bad_address", lang), error.status, error.texts[1 if lang == "en" else 0])
        if request.method == "GET":
            return form_page(orgnr, asked)
        try:
            token = await posted_token(request)
        except (TooLarge, ValueError):
            return form_page(orgnr, asked, 400, text("bad_form", asked.lang))
        except ClientDisconnect:
            return Response(status_code=400)
        if not token:
            return form_page(orgnr, asked, 401, text("no_token", asked.lang))
        check = getattr(request.app.state, "unit_of_token", None)
        if check is None:
            return form_page(orgnr, asked, 503, text("no_access", asked.lang))
        if self.units.register is None:
            return form_page(orgnr, asked, 503, text("no_register", asked.lang))
        try:
            owner = await self.units.in_thread(check, token)
        except access.Refused:
            return form_page(orgnr, asked, 503, text("register_down", asked.lang))
        if owner is None:
            return form_page(orgnr, asked, 401, text("unknown", asked.lang))
        if orgnr is None and owner != DIRECTORATE:
            return form_page(orgnr, asked, 403, text("not_directorate", asked.lang))
        if orgnr is not None and owner not in (orgnr, DIRECTORATE):
            return form_page(orgnr, asked, 403, text("other_unit", asked.lang))
        try:
            content = await self.report(orgnr, asked)
        except access.Refused:
            return form_page(orgnr, asked, 503, text("register_down", asked.lang))
        return report_response(content, "html")


def routes(settings, units) -> list:
    reports = Reports(units)
    return [Route("/api/v1/enheter/{orgnr}/rapport", reports.api_unit, methods=["GET"]),
            Route("/api/v1/rapport", reports.api_national, methods=["GET"]),
            Route("/enheter/{orgnr}/rapport", reports.page_unit, methods=["GET", "POST"]),
            Route("/rapport", reports.page_national, methods=["GET", "POST"])]
