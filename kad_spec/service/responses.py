"""The service's JSON answers and its errors: ``{"feil": bokmål, "error": English}``, never a traceback."""

from __future__ import annotations

import orjson
from starlette.responses import Response

from kad_spec.output import clean

JSON = "application/json"


def json_response(data, status: int = 200, headers: dict | None = None) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type=JSON, headers=headers)


def error_response(status: int, feil: str, error: str, headers: dict | None = None) -> Response:
    """An error in both languages; the texts pass :func:`kad_spec.output.clean` (they may echo input)."""
    return json_response({"feil": clean(feil), "error": clean(error)}, status, headers)
