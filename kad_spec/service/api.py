"""The open JSON API: ``POST /api/v1/validering`` (a dry run) and ``GET /api/v1/helse``.

A validation is a dry run: the message is read into memory (kad_spec.service.body), validated
in a worker process (kad_spec.service.pool, kad_spec.service.jobs) and forgotten; the log gets
its counts, never its content, its name or an id.
"""

from __future__ import annotations

import logging
import math
import time
from functools import cache
from pathlib import PurePosixPath

from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.routing import Route

from kad_spec.service import jobs
from kad_spec.service.body import TooLarge, read_body
from kad_spec.service.pool import Busy, WorkerFailed
from kad_spec.service.responses import error_response, json_response

log = logging.getLogger("kad_spec.service")

FORMATS = ("json", "sarif", "junit", "apprec", "text")
LANGS = ("nb", "en")
MEDIA_TYPES = {
    "json": "application/json",
    "sarif": "application/sarif+json",
    "junit": "application/xml",
    "apprec": "application/xml",
    "text": "text/plain; charset=utf-8",
}
# What Accept asks for, when ?format= does not say. application/xml is the receipt (the XML the
# register answers with); JUnit has no registered type, so it is asked for as application/junit+xml.
ACCEPTED = {
    "application/json": "json",
    "application/sarif+json": "sarif",
    "application/junit+xml": "junit",
    "application/xml": "apprec",
    "text/xml": "apprec",
    "text/plain": "text",
    "application/*": "json",
    "text/*": "text",
    "*/*": "json",
}
DEFAULT_NAME = "melding"
MAX_NAME = 200


@cache
def versions() -> dict:
    """The tool, the specification and every bundled code list edition (as the reports name them)."""
    from kad_spec import __version__
    from kad_spec.validation.engine import codelist_editions, spec_version

    return {"tool": {"name": "kad-spec", "version": __version__}, "specification_version": spec_version(),
            "codelist_editions": codelist_editions({})}


async def health(request):
    return json_response({"status": "ok", **versions()})


def format_from_accept(accept: str) -> str | None:
    """The first format the Accept header takes, by its q values (None: none of ours)."""
    if not accept.strip():
        return "json"
    offers = []
    for position, item in enumerate(accept.split(",")):
        media, *params = [part.strip() for part in item.split(";")]
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and media.lower() in ACCEPTED:
            offers.append((-quality, position, ACCEPTED[media.lower()]))
    return min(offers)[2] if offers else None


def chosen_format(request) -> str | None:
    asked = request.query_params.get("format")
    if asked is not None:
        return asked if asked in FORMATS else None
    return format_from_accept(request.headers.get("accept", ""))


def message_name(request) -> str:
    """How the report names the message: ``?navn=`` (its last part), else ``melding``."""
    given = PurePosixPath(request.query_params.get("navn", "").replace("\\", "/")).name
    return given[:MAX_NAME] or DEFAULT_NAME


def bad_query(request) -> Response | None:
    """A 400/406 for a format or language the service does not have; None when they are fine."""
    lang = request.query_params.get("lang", "nb")
    if lang not in LANGS:
        return error_response(400, "lang må være nb eller en", "lang must be nb or en")
    if "format" in request.query_params and request.query_params["format"] not in FORMATS:
        return error_response(400, "format må være en av " + ", ".join(FORMATS),
                              "format must be one of " + ", ".join(FORMATS))
    if chosen_format(request) is None:
        return error_response(406, "Accept ber om et format tjenesten ikke har; bruk ?format= eller "
                              + ", ".join(sorted(ACCEPTED)),
                              "Accept asks for no format the service has; use ?format= or "
                              + ", ".join(sorted(ACCEPTED)))
    if request.headers.get("content-type", "").lower().startswith("multipart/"):
        return error_response(415, "send meldingen som selve innholdet i forespørselen, ikke som et skjema",
                              "send the message as the body of the request, not as a form")
    return None


def too_large(limit: int) -> Response:
    megabytes = f"{limit / 1_000_000:g}"
    return error_response(413, f"meldingen er større enn grensen på {megabytes} MB ({limit} byte)",
                          f"the message is larger than the limit of {megabytes} MB ({limit} bytes)",
                          headers={"connection": "close"})


def busy(settings) -> Response:
    retry = max(1, math.ceil(settings.queue_seconds))
    return error_response(503, "tjenesten validerer så mange meldinger den kan nå; prøv igjen om litt",
                          "the service is validating as many messages as it can; try again shortly",
                          headers={"retry-after": str(retry)})


async def validate(request):
    refused = bad_query(request)
    if refused is not None:
        return refused
    settings = request.app.state.settings
    fmt, lang = chosen_format(request), request.query_params.get("lang", "nb")
    started = time.perf_counter()
    pool = request.app.state.pool
    try:
        async with pool.admitted():
            with await read_body(request, settings.max_body_bytes) as body:
                result = await pool.run(jobs.report, body, fmt, lang, message_name(request))
    except TooLarge as error:
        return too_large(error.limit)
    except ClientDisconnect:
        return Response(status_code=400)  # nobody is there to read it
    except Busy:
        return busy(settings)
    except WorkerFailed as error:
        log.error("validering feilet: %s", error)
        return error_response(500, "intern feil i validatoren; meldingen er ikke kontrollert",
                              "internal error in the validator; the message was not checked")
    log.info("validering: %s, %d byte, %d opphold, %d feil, %d advarsler, %s, %.0f ms", fmt, body.size,
             result.stays, result.errors, result.warnings, result.verdict, (time.perf_counter() - started) * 1000)
    return Response(result.content, media_type=MEDIA_TYPES[fmt],
                    headers={"kad-resultat": result.verdict or "", "kad-feil": str(result.errors),
                             "kad-advarsler": str(result.warnings)})


def routes(settings) -> list:
    return [Route("/api/v1/validering", validate, methods=["POST"]),
            Route("/api/v1/helse", health, methods=["GET"])]
