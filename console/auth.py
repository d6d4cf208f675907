"""The admin token check every staff-only route of the web app shares."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


def admin_refusal(request: Request, token: str) -> Response | None:
    """None when the request carries ``Authorization: Bearer <admin token>`` (compared in
    constant time); else the 401 to answer with. No token configured: nobody gets in."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer" or \
            not hmac.compare_digest(given.strip().encode(), token.encode()):
        return JSONResponse({"error": "unauthorised"}, status_code=401)
    return None
