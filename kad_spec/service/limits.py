"""The limits round every request: a time limit, no traceback ever, and an access log that shows no data.

Pure ASGI middleware (no body buffering). The body's size limit is kept where the body is read
(:func:`kad_spec.service.body.read_body`), the number of validations at once by the pool
(:mod:`kad_spec.service.pool`).
"""

from __future__ import annotations

import asyncio
import logging
import time

from kad_spec.service.responses import error_response

log = logging.getLogger("kad_spec.service")
access_log = logging.getLogger("kad_spec.service.access")


class _Tracked:
    """``send`` that remembers whether the answer has begun, and its status."""

    def __init__(self, send):
        self.send = send
        self.status: int | None = None

    async def __call__(self, message):
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self.send(message)


class Guard:
    """The outermost layer: a time limit per request, and an exception becomes a JSON 500 (its type
    logged, never its text, which may quote the input), never a traceback page. ``page(scope,
    seconds)`` gives the time limit's answer as a web page for a page's address (None: JSON)."""

    def __init__(self, app, seconds: float, page=None):
        self.app = app
        self.seconds = seconds
        self.page = page

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        tracked = _Tracked(send)
        try:
            async with asyncio.timeout(self.seconds):
                await self.app(scope, receive, tracked)
        except TimeoutError:
            if tracked.status is None:
                answer = self.page(scope, self.seconds) if self.page is not None else None
                await (answer or timed_out(self.seconds))(scope, receive, send)
        except Exception as error:  # noqa: BLE001 - whatever it is, the client gets JSON and the log a type
            log.error("intern feil: %s ved %s %s", type(error).__name__, scope["method"], route_of(scope))
            if tracked.status is None:
                await error_response(500, "intern feil i tjenesten", "internal error in the service")(
                    scope, receive, send)


def timed_out(seconds: float):
    return error_response(504, f"forespørselen brukte mer enn tidsgrensen på {seconds:g} sekunder",
                          f"the request took longer than the time limit of {seconds:g} seconds")


def route_of(scope) -> str:
    """The route's pattern (``/api/v1/enheter/{orgnr}/status``), never the path as given: a path
    can hold an id. Unknown paths are ``-``."""
    route = scope.get("route")
    return getattr(route, "path", None) or "-"


class AccessLog:
    """One line per request: method, route pattern, status, milliseconds. No query, no body, no id."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        tracked = _Tracked(send)
        try:
            await self.app(scope, receive, tracked)
        finally:
            access_log.info("%s %s %s %.0f ms", scope["method"], route_of(scope), tracked.status or "-",
                            (time.perf_counter() - started) * 1000)
