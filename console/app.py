"""ASGI app serving the chat page and the widget script.

The page talks to Rasa's socket.io channel directly; this app only tells it where
Rasa is (``/widget-config.json``) and serves the static files with a strict
Content-Security-Policy.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from console.privacy_api import privacy_routes
from profiles.service import CONSENT_TEXT
from shopdesk.clock import Clock, system_clock
from shopdesk.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"


def _socket_origins(public_url: str) -> str:
    parts = urlsplit(public_url)
    ws = "wss" if parts.scheme == "https" else "ws"
    return f"{parts.scheme}://{parts.netloc} {ws}://{parts.netloc}"


def create_app(settings: Settings | None = None, clock: Clock = system_clock) -> Starlette:
    """The web app (the composition root of its process): ``clock`` is its one clock."""
    settings = settings or Settings.from_env()
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {_socket_origins(settings.rasa_public_url)}; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    security_headers = {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }

    async def index(_: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers=security_headers)

    async def widget_config(_: Request) -> Response:
        return JSONResponse(
            {"socketUrl": settings.rasa_public_url, "storeName": settings.store_name,
             "maxMessageChars": settings.max_message_chars,
             "consentText": CONSENT_TEXT if settings.profiles else ""},
            headers=security_headers,
        )

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    def open_store():  # type: ignore[no-untyped-def]
        from profiles.cli import open_store as open_profiles

        return open_profiles(settings, clock)

    return Starlette(routes=[
        *privacy_routes(settings, open_store),
        Route("/", index),
        Route("/widget-config.json", widget_config),
        Route("/health", health),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ])
