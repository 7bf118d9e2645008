"""The open JSON API: ``/api/v1/helse`` (liveness and versions)."""

from __future__ import annotations

from functools import cache

from starlette.routing import Route

from kad_spec.service.responses import json_response


@cache
def versions() -> dict:
    """The tool, the specification and every bundled code list edition (as the reports name them)."""
    from kad_spec import __version__
    from kad_spec.validation.engine import codelist_editions, spec_version

    return {"tool": {"name": "kad-spec", "version": __version__}, "specification_version": spec_version(),
            "codelist_editions": codelist_editions({})}


async def health(request):
    return json_response({"status": "ok", **versions()})


def routes(settings) -> list:
    return [Route("/api/v1/helse", health, methods=["GET"])]
