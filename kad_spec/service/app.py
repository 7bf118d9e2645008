"""The service put together: the routes of api, units and pages behind the security headers and the limits."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from kad_spec.service import api, pages, units
from kad_spec.service.headers import SecurityHeaders
from kad_spec.service.responses import error_response
from kad_spec.service.settings import ServiceSettings

STATUS_TEXTS = {
    404: ("finnes ikke", "not found"),
    405: ("metoden er ikke tillatt her", "method not allowed"),
}


async def http_error(request, exc: HTTPException):
    feil, error = STATUS_TEXTS.get(exc.status_code, ("ugyldig forespørsel", "bad request"))
    return error_response(exc.status_code, feil, error, headers=getattr(exc, "headers", None))


async def internal_error(request, exc: Exception):
    # Never the exception's text: it may quote the input.
    return error_response(500, "intern feil i tjenesten", "internal error in the service")


def create_app(settings: ServiceSettings) -> Starlette:
    routes = [*api.routes(settings), *units.routes(settings), *pages.routes(settings)]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={HTTPException: http_error, Exception: internal_error})
    app.state.settings = settings
    return app
