"""The security headers on every answer, and no caching of anything the service answers."""

from __future__ import annotations

# No inline script or style anywhere: the pages load their CSS (and any script) as files of the service.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
CSP_HEADER = (b"content-security-policy", CSP.encode())
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    """Pure ASGI middleware: the headers are added to every answer, errors and 404s too.

    Every answer is ``no-store`` unless its route set a Cache-Control of its own (static files
    may): reports and unit data must not stay in a shared cache or a browser's. Every answer has
    the :data:`CSP` unless its route set a policy of its own: the documentation site does, to let
    its pages load its script files and the inline style of its diagram by hash
    (kad_spec.service.docsite), never ``unsafe-inline``. The feedback report's page, with its own
    inline style, is the one answer with ``style-src 'unsafe-inline'`` (kad_spec.service.report)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in dict(HEADERS)]
                names = {name.lower() for name, _ in headers}
                if b"cache-control" not in names:
                    headers.append(NO_STORE)
                if b"content-security-policy" not in names:
                    headers.append(CSP_HEADER)
                message = {**message, "headers": headers + HEADERS}
            await send(message)

        await self.app(scope, receive, with_headers)
