"""The web pages (bokmål, English with ``?lang=en``): the front page, the answer to an upload, a unit's status, the documentation.

- ``GET /``: the upload form (kad_spec.service.page_html);
- ``POST /sjekk``: the form's file, validated as ``POST /api/v1/validering`` validates a body (the
  same job in the same worker processes, kad_spec.service.jobs), its JSON report shown grouped
  by stay; the file is read into memory (kad_spec.service.upload), never to disk. Bounded as the
  API is: the same size limit on the file (413), the same places to wait and validations at once
  (503 with Retry-After), the same time limit (504, as a page: :func:`timed_out_page`);
- ``/enheter/{orgnr}``: a unit's status, behind its token (kad_spec.service.unit_page);
- ``/dokumentasjon/``: the documentation site (kad_spec.service.docsite);
- ``/static/``: the stylesheet and the icon.
"""

from __future__ import annotations

import logging
import math
import time
from functools import cache
from pathlib import Path, PurePosixPath

import orjson
from starlette.requests import ClientDisconnect
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from kad_spec.service import jobs, unit_page
from kad_spec.service.api import DEFAULT_NAME, MAX_NAME
from kad_spec.service.body import TooLarge
from kad_spec.service.docsite import PREFIX, Documentation
from kad_spec.service.page_html import OTHER, Shell, front_body, lang_of, megabytes, problem_body, result_body, text
from kad_spec.service.pool import Busy, WorkerFailed
from kad_spec.service.upload import BadForm, read_form

log = logging.getLogger("kad_spec.service")

FILE_FIELD = "fil"
STATIC = Path(__file__).parent / "static"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
STATIC_CACHE = "public, max-age=3600"


def page(lang: str, switch_to: str, title: str, body: str, status: int = 200, headers: dict | None = None) -> Response:
    return HTMLResponse(Shell.of(lang, switch_to).render(title, body), status_code=status, headers=headers)


def with_lang(path: str, lang: str) -> str:
    return f"{path}?lang=en" if lang == "en" else path


def other_front(lang: str) -> str:
    """The front page in the other language: where the switch points on a page a GET cannot give again."""
    return with_lang("/", OTHER[lang])


def request_lang(request) -> str:
    return lang_of(request.query_params.get("lang"))


# -- the front page and the answer --------------------------------------------------------------
async def front(request):
    lang = request_lang(request)
    limit = request.app.state.settings.max_body_bytes
    return page(lang, other_front(lang), text("front_title", lang),
                front_body(lang, limit))


def report_name(filename: str | None) -> str:
    """How the report names the file: its last part, as the API names a body by ``?navn=``."""
    given = PurePosixPath((filename or "").replace("\\", "/")).name
    return given[:MAX_NAME] or DEFAULT_NAME


def problem_page(lang: str, status: int, message: str, limit: int, headers: dict | None = None) -> Response:
    return page(lang, other_front(lang), text("error_title", lang),
                problem_body(message, lang, limit), status, headers)


async def check(request):
    """The form's file validated, and its report shown."""
    if request.method == "GET":  # a reload of the answer's address, or a bookmark: the form is on the front page
        return RedirectResponse(with_lang("/", request_lang(request)), status_code=303)
    settings = request.app.state.settings
    lang, limit = request_lang(request), settings.max_body_bytes
    started = time.perf_counter()
    pool = request.app.state.pool
    try:
        async with pool.admitted():  # as the API: at most so many bodies in memory at once
            with await read_form(request, limit, FILE_FIELD) as form:
                if form.file is None or (not form.filename and form.file.size == 0):
                    return problem_page(lang, 400, text("no_file", lang), limit)
                name, size = report_name(form.filename), form.file.size
                result = await pool.run(jobs.report, form.file, "json", lang, name)
    except TooLarge:
        return problem_page(lang, 413, text("too_large", lang, mb=megabytes(limit), limit=limit), limit,
                            {"connection": "close"})
    except BadForm:
        return problem_page(lang, 400, text("bad_form", lang), limit)
    except ClientDisconnect:
        return Response(status_code=400)  # nobody is there to read it
    except Busy:
        retry = str(max(1, math.ceil(settings.queue_seconds)))
        return problem_page(lang, 503, text("busy", lang), limit, {"retry-after": retry})
    except WorkerFailed as error:
        log.error("validering (side) feilet: %s", error)
        return problem_page(lang, 500, text("failed", lang), limit)
    log.info("validering (side): %d byte, %d opphold, %d feil, %d advarsler, %s, %.0f ms", size, result.stays,
             result.errors, result.warnings, result.verdict, (time.perf_counter() - started) * 1000)
    report = orjson.loads(result.content)
    return page(lang, other_front(lang),
                text("result_title", lang, name=report["files"][0]["path"]),
                result_body(report, result.verdict, lang, limit))


def timed_out_page(scope, seconds: float) -> Response | None:
    """The time limit's answer (kad_spec.service.limits.Guard) as a page in the page's language, for
    every address but the API's (None: the API answers JSON)."""
    from starlette.requests import Request

    if scope.get("path", "").startswith("/api/"):
        return None
    request = Request(scope)
    lang = request_lang(request)
    return problem_page(lang, 504, text("timed_out", lang, seconds=f"{seconds:g}"),
                        request.app.state.settings.max_body_bytes)


# -- static files and the documentation --------------------------------------------------------
@cache
def static_files() -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in STATIC.iterdir() if path.suffix in STATIC_TYPES}


async def static(request):
    name = request.path_params["name"]
    files = static_files()
    if name not in files:
        return not_found(request)
    return Response(files[name], media_type=STATIC_TYPES[PurePosixPath(name).suffix],
                    headers={"cache-control": STATIC_CACHE})


def not_found(request) -> Response:
    lang = request_lang(request)
    return page(lang, other_front(lang), text("not_found_title", lang),
                f"<p>{text('not_found', lang)}</p>", 404)


def documentation_routes() -> list:
    docs = Documentation()

    async def documentation(request):
        try:
            answer = await docs.answer(request.path_params["path"])
        except Exception as error:  # noqa: BLE001 - a build that failed is tried again on the next request
            log.error("dokumentasjonen kunne ikke bygges: %s", type(error).__name__)
            lang = request_lang(request)
            return page(lang, other_front(lang), text("nav_docs", lang), f"<p>{text('docs_failed', lang)}</p>", 503)
        return answer if answer is not None else not_found(request)

    async def to_folder(request):
        return RedirectResponse(f"{PREFIX}/", status_code=308)

    return [Route(PREFIX, to_folder, methods=["GET", "HEAD"]),
            Route(PREFIX + "/{path:path}", documentation, methods=["GET", "HEAD"])]


def routes(settings) -> list:
    return [Route("/", front, methods=["GET", "HEAD"]),
            Route("/sjekk", check, methods=["GET", "POST"]),
            Route("/static/{name}", static, methods=["GET", "HEAD"]),
            *documentation_routes(),
            *unit_page.routes(settings)]
