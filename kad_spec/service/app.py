"""The service put together: the routes of api, units and pages behind the limits and the security headers.

The feedback report's routes (kad_spec.service.report) share the units' register and access check.
From the outside in: the security headers (on every answer), the access log, the guard (time
limit; an exception becomes a JSON 500, never a traceback), then Starlette's routing, whose 404
and 405 are JSON too. Addresses are exact: no redirect for a slash more or less (``/api/v1/enheter/``
and ``/api/v1/enheter//`` are 404, not a redirect to the list of units). The worker processes start with the app and stop with it.
"""

from __future__ import annotations

import contextlib

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from kad_spec.service import api, apidocs, jobs, pages, report, units
from kad_spec.service.headers import SecurityHeaders
from kad_spec.service.limits import AccessLog, Guard
from kad_spec.service.pool import WorkerPool
from kad_spec.service.responses import error_response
from kad_spec.service.settings import ServiceSettings

STATUS_TEXTS = {
    404: ("finnes ikke", "not found"),
    405: ("metoden er ikke tillatt her", "method not allowed"),
}


async def http_error(request, exc: HTTPException):
    feil, error = STATUS_TEXTS.get(exc.status_code, ("ugyldig forespørsel", "bad request"))
    return error_response(exc.status_code, feil, error, headers=getattr(exc, "headers", None))


def create_app(settings: ServiceSettings) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app):
        pool = WorkerPool(settings.max_validations, settings.queue_seconds, jobs.setup, (settings.config_file,),
                          max_waiting=settings.max_waiting)
        app.state.pool = pool
        try:
            await pool.start()
            yield
        finally:
            await pool.stop()

    unit_state = units.Units(settings)
    routes = [*api.routes(settings), *apidocs.routes(settings), *units.routes(settings, unit_state),
              *report.routes(settings, unit_state),
              *pages.routes(settings)]
    middleware = [Middleware(SecurityHeaders), Middleware(AccessLog),
                  Middleware(Guard, seconds=settings.request_seconds, page=pages.timed_out_page)]
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={HTTPException: http_error},
                    lifespan=lifespan)
    app.router.redirect_slashes = False  # an address with a slash too many is 404, never a redirect
    app.state.settings = settings
    if unit_state.verifier is not None:  # the unit's page checks its token as the unit API does
        app.state.unit_of_token = unit_state.unit_of_token
    return app
