"""The validation service (``kad-spec serve``): an HTTP API and web pages over the validator and the register.

    from kad_spec.service import ServiceSettings, create_app

    app = create_app(ServiceSettings(port=8080))   # a Starlette (ASGI) app; uvicorn serves it

The routes live in small modules, each with ``routes(settings) -> list``: ``api`` (the open JSON
API: validation, health), ``units`` (the units' own data, behind a token), ``pages`` (the HTML
pages). ``app`` puts them together behind the limits and the security headers. Nothing here is
imported by ``kad-spec validate``.
"""

from __future__ import annotations

from kad_spec.service.settings import ServiceSettings

__all__ = ["ServiceSettings", "create_app"]


def create_app(settings: ServiceSettings):
    """The service as an ASGI app (see :mod:`kad_spec.service.app`)."""
    from kad_spec.service.app import create_app as create

    return create(settings)
