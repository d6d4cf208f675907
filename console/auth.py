"""The admin token check every staff-only route of the web app shares."""

from __future__ import annotations

import hmac
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from shopdesk.errors import (
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    ShopdeskError,
    StoreUnavailableError,
)

# what each of our errors means to an API client
ERROR_STATUS: tuple[tuple[type[ShopdeskError], int], ...] = (
    (InvalidRequestError, 400), (ForbiddenError, 403), (NotFoundError, 404),
    (ConflictError, 409), (StoreUnavailableError, 503))


def admin_refusal(request: Request, token: str) -> Response | None:
    """None when the request carries ``Authorization: Bearer <admin token>`` (compared in
    constant time); else the 401 to answer with. No token configured: nobody gets in."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer" or \
            not hmac.compare_digest(given.strip().encode(), token.encode()):
        return JSONResponse({"error": "unauthorised"}, status_code=401)
    return None


async def json_body(request: Request, empty: Any = None, limit: int = 10_000) -> Any:
    """The request's JSON body (``empty`` when there is none); InvalidRequestError when it is
    too large or not JSON."""
    raw = await request.body()
    if len(raw) > limit:
        raise InvalidRequestError("The request body is too large.")
    if not raw:
        return empty
    try:
        return json.loads(raw)
    except ValueError:
        raise InvalidRequestError("The body is not valid JSON.") from None


def error_answer(error: ShopdeskError, unavailable: str) -> JSONResponse:
    """The JSON answer for one of our errors; ``unavailable`` is what a client is told when a
    database is down (the error's own text may name internals)."""
    status = next((code for kind, code in ERROR_STATUS if isinstance(error, kind)), 500)
    text = unavailable if status in {503, 500} else str(error)
    return JSONResponse({"error": text}, status_code=status)

