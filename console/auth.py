"""The admin token check every staff-only route of the web app shares."""

from __future__ import annotations

import hmac
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from shopdesk.errors import InvalidRequestError


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
