"""The units' own data over the API, behind a token: submission into the register, status and open findings.

- ``POST /api/v1/innsending``: the message validated and taken into the register for the caller's
  unit (kad_spec.service.submission, in a worker process); the answer is JSON with what the
  register did, the receipt (AppRec) and the JSON report, or the receipt alone (``?format=apprec``
  or ``Accept: application/xml``). Another unit's message: 403, and nothing is stored.
- ``GET /api/v1/enheter/{orgnr}/status``: the unit's counts, as ``kad-spec register status --unit
  ORGNR --format json`` gives them.
- ``GET /api/v1/enheter/{orgnr}/funn``: the unit's open findings.
- ``GET /api/v1/enheter``: every unit in the register with its counts (the directorate only).

The caller is known by kad_spec.service.access (the token table, or JWTs by configuration), its
check made in a thread; a unit sees its own data only, the directorate every unit's, and the
directorate submits nothing (403). Every answer has ``Cache-Control:
no-store`` (kad_spec.service.headers). Without a register (``--db``) these routes answer 503.
"""

from __future__ import annotations

import logging
import re
import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.routing import Route

from kad_spec.service import access, submission
from kad_spec.service.api import LANGS, busy, format_from_accept, message_name, too_large
from kad_spec.service.body import TooLarge, read_body
from kad_spec.service.pool import Busy, WorkerFailed
from kad_spec.service.responses import error_response, json_response

log = logging.getLogger("kad_spec.service")

SUBMIT_FORMATS = ("json", "apprec")
MEDIA_TYPES = {"json": "application/json", "apprec": "application/xml"}
NO_REGISTER = ("tjenesten er startet uten register (--db); innsending og virksomhetenes data er ikke tilgjengelig",
               "the service was started without a register (--db); submission and the units' data are not available")
REGISTER_DOWN = ("registeret svarer ikke nå; prøv igjen om litt", "the register does not answer now; try again shortly")
FOREIGN = ("meldingens virksomhet (virksomhet.organisasjonsnummer) er ikke tokenets ({unit}); meldingen er ikke lagret",
           "the message's unit (virksomhet.organisasjonsnummer) is not the token's ({unit}); the message is not stored")
NOT_AN_ORGNR = ("finnes ikke: {orgnr} i stien må være et organisasjonsnummer på ni sifre",
                "not found: {orgnr} in the path must be an organisation number of nine digits")  # as written
ORGNR = re.compile(r"[0-9]{9}")
RETRY_SECONDS = "5"


def not_an_orgnr(path_orgnr: str) -> Response | None:
    """404 when the path's {orgnr} is not nine digits (the value is never echoed: it may be a
    personal id); None when it is."""
    if ORGNR.fullmatch(path_orgnr):
        return None
    return error_response(404, *NOT_AN_ORGNR)


def refused(error: access.Refused) -> Response:
    headers = None
    if isinstance(error, access.Unauthorized):
        challenge = 'Bearer realm="kad-spec"' + (', error="invalid_token"' if error.token_given else "")
        headers = {"www-authenticate": challenge}
    elif isinstance(error, access.Unavailable) and error.passing:
        headers = {"retry-after": RETRY_SECONDS}
    return error_response(error.status, error.feil, error.error, headers)


def _register_errors() -> tuple:
    import sqlalchemy

    from kad_spec.register.store import RegisterError

    return RegisterError, sqlalchemy.exc.DBAPIError


class Units:
    """The routes' state: the register of this process, the verifier, the register's key."""

    def __init__(self, settings):
        self.settings = settings
        self.register = None
        self.verifier = None
        self.key = None
        if settings.db_url is not None:
            from kad_spec.register.keys import load_key
            from kad_spec.service.store import ServiceRegister

            self.register = ServiceRegister(settings.db_url)
            self.verifier = access.verifier_for(settings, self.register.reading)
            self.key = load_key(settings.key_file)

    # -- the caller ---------------------------------------------------------------------------
    def unit_of_token(self, token: str) -> str | None:
        """Whose unit a token is (blocking; the unit page's check): access.DIRECTORATE for the
        directorate's, None when it is refused."""
        try:
            caller = self.verifier.verify(f"Bearer {token}")
        except access.Refused:
            return None
        return access.DIRECTORATE if caller.directorate else caller.unit

    async def caller(self, request, unit: str | None = None) -> access.Caller:
        """The caller, checked; for ``unit`` only when it is the caller's own. Refused otherwise."""
        if self.register is None:
            raise access.Unavailable(*NO_REGISTER, passing=False)
        caller = await self.in_thread(self.verifier.verify, request.headers.get("authorization"))
        if unit is not None:
            access.require_unit(caller, unit)
        return caller

    async def in_thread(self, function, *args):
        """``function(*args)`` off the event loop; a register that does not answer is Unavailable."""
        try:
            return await run_in_threadpool(function, *args)
        except _register_errors() as error:
            log.error("registeret svarer ikke: %s", type(error).__name__)
            raise access.Unavailable(*REGISTER_DOWN) from None

    # -- routes -------------------------------------------------------------------------------
    async def submit(self, request):
        try:
            caller = await self.caller(request)
            access.require_submitter(caller)
        except access.Refused as error:
            return refused(error)
        bad = bad_submit_query(request)
        if bad is not None:
            return bad
        settings = request.app.state.settings
        fmt, lang = submit_format(request), request.query_params.get("lang", "nb")
        started = time.perf_counter()
        pool = request.app.state.pool
        try:
            async with pool.admitted():  # as validering: at most so many bodies in memory at once
                with await read_body(request, settings.max_body_bytes) as body:
                    answer = await pool.run(submission.submit, body, caller.unit, settings.db_url, self.key, fmt,
                                            lang, message_name(request))
        except TooLarge as error:
            return too_large(error.limit)
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is there to read it
        except Busy:
            return busy(settings)
        except WorkerFailed as error:
            log.error("innsending feilet: %s", error)
            return error_response(500, "intern feil i validatoren; meldingen er ikke tatt inn",
                                  "internal error in the validator; the message was not taken in")
        if answer.refusal == submission.FOREIGN:
            return error_response(403, FOREIGN[0].format(unit=caller.unit), FOREIGN[1].format(unit=caller.unit))
        if answer.refusal is not None:
            return refused(access.Unavailable(*REGISTER_DOWN))
        log.info("innsending: %s, %d byte, %s, %d opphold, %d feil, %d advarsler, %s, %.0f ms", fmt, body.size,
                 answer.result, answer.stays, answer.errors, answer.warnings, answer.verdict,
                 (time.perf_counter() - started) * 1000)
        return Response(answer.content, media_type=answer.media_type,
                        headers={"kad-register": answer.result or "", "kad-resultat": answer.verdict or "",
                                 "kad-feil": str(answer.errors), "kad-advarsler": str(answer.warnings)})

    async def status(self, request):
        unit = request.path_params["orgnr"]
        if (bad := not_an_orgnr(unit)) is not None:
            return bad
        try:
            await self.caller(request, unit)
            units = await self.in_thread(self.unit_status, unit)
        except access.Refused as error:
            return refused(error)
        from kad_spec.register.schema import SCHEMA_VERSION

        return json_response(submission.cleaned({"schema_version": SCHEMA_VERSION, "units": units}))

    async def all_units(self, request):
        try:
            caller = await self.caller(request)
            access.require_directorate(caller)
            units = await self.in_thread(self.unit_status, None)
        except access.Refused as error:
            return refused(error)
        from kad_spec.register.schema import SCHEMA_VERSION

        return json_response(submission.cleaned({"schema_version": SCHEMA_VERSION, "units": units}))

    async def findings(self, request):
        unit = request.path_params["orgnr"]
        if (bad := not_an_orgnr(unit)) is not None:
            return bad
        lang = request.query_params.get("lang", "nb")
        if lang not in LANGS:
            return error_response(400, "lang må være nb eller en", "lang must be nb or en")
        try:
            await self.caller(request, unit)
            found = await self.in_thread(self.open_findings, unit, lang)
        except access.Refused as error:
            return refused(error)
        return json_response(submission.cleaned({"virksomhet": unit, "open_findings": len(found), "findings": found}))

    # -- the register, read -------------------------------------------------------------------
    def unit_status(self, unit: str | None) -> list[dict]:
        from kad_spec.register import store

        with self.register.reading() as connection:
            return store.unit_status(connection, unit)

    def open_findings(self, unit: str, lang: str) -> list[dict]:
        """The unit's open list, oldest first: each finding's rule, stay, place, when it opened, and
        the message it was found in."""
        import orjson
        import sqlalchemy

        from kad_spec.register import schema
        from kad_spec.spec.catalogue import catalogue

        f, m = schema.funn, schema.melding
        query = (sqlalchemy.select(f.c.regel, f.c.alvorlighet, f.c.opphold_id, f.c.peker, f.c.apnet_utc,
                                   f.c.parametre, m.c.melding_id)
                 .select_from(f.outerjoin(m, m.c.id == f.c.melding))
                 .where(f.c.virksomhet == unit, f.c.lukket_utc.is_(None)).order_by(f.c.id))
        rules = catalogue()
        with self.register.reading() as connection:
            rows = list(connection.execute(query))
        found = []
        for row in rows:
            params = orjson.loads(row.parametre)
            rule = rules.get(row.regel)
            found.append({"rule_id": row.regel, "severity": row.alvorlighet, "opphold_id": row.opphold_id,
                          "pointer": row.peker, "opened_utc": row.apnet_utc, "melding_id": row.melding_id,
                          "message": rule.message(lang, params) if rule else row.regel, "params": params})
        return found


def bad_submit_query(request) -> Response | None:
    """A 400/406/415 for what innsending does not take; None when the request is fine."""
    if request.query_params.get("lang", "nb") not in LANGS:
        return error_response(400, "lang må være nb eller en", "lang must be nb or en")
    asked = request.query_params.get("format")
    if asked is not None and asked not in SUBMIT_FORMATS:
        return error_response(400, "format må være json eller apprec for innsending",
                              "format must be json or apprec for a submission")
    if submit_format(request) is None:
        return error_response(406, "innsending svarer med application/json eller application/xml (AppRec)",
                              "a submission answers with application/json or application/xml (AppRec)")
    if request.headers.get("content-type", "").lower().startswith("multipart/"):
        return error_response(415, "send meldingen som selve innholdet i forespørselen, ikke som et skjema",
                              "send the message as the body of the request, not as a form")
    return None


def submit_format(request) -> str | None:
    """json (the default) or apprec: by ?format=, else Accept; None when Accept takes neither."""
    asked = request.query_params.get("format")
    if asked is not None:
        return asked if asked in SUBMIT_FORMATS else None
    chosen = format_from_accept(request.headers.get("accept", ""))
    return chosen if chosen in SUBMIT_FORMATS else None


def routes(settings, units: Units | None = None) -> list:
    units = units or Units(settings)
    return [Route("/api/v1/innsending", units.submit, methods=["POST"]),
            Route("/api/v1/enheter", units.all_units, methods=["GET"]),
            Route("/api/v1/enheter/{orgnr}/status", units.status, methods=["GET"]),
            Route("/api/v1/enheter/{orgnr}/funn", units.findings, methods=["GET"])]
