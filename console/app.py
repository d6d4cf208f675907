"""ASGI app serving the chat page, the website widget and the privacy API.

The widget (``GET /widget.js``: the socket client, the stylesheet and the widget joined into
one script) talks to Rasa's socket.io channel directly; this app tells it where Rasa is and
how it looks (``GET /widget-config.json``). Sites in ``SHOPDESK_WIDGET_ORIGINS`` may read that
config from the browser (CORS) and frame our pages (``frame-ancestors``); any other site gets
a 403 that says what to configure. Our own pages carry a strict Content-Security-Policy.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from console.idle_csat import IdleCsat
from console.inbound_mail import MAX_BYTES as INBOUND_MAX_BYTES
from console.inbound_mail import inbound_mail_routes
from console.limits import ApiLimits
from console.photos_api import photo_routes
from console.privacy_api import privacy_routes
from console.rasa_client import RasaClient
from console.staff_api import staff_routes
from console.staff_auth import COOKIE, StaffAuth
from console.staff_sql import SqlStaffStore
from profiles.service import CONSENT_TEXT
from retrieval.knowledge_store import SqlKnowledgeStore
from sentiment.alert_store import SqlAlertStore
from shopdesk.clock import Clock, system_clock
from shopdesk.composition import build_store
from shopdesk.database import make_engine
from shopdesk.ratelimit import RateLimiter
from shopdesk.settings import Settings, origin_allowed

STATIC = Path(__file__).resolve().parent / "static"
CSS_TOKEN = "(window, __SHOPDESK_CSS__)"


def _socket_origins(public_url: str) -> str:
    parts = urlsplit(public_url)
    ws = "wss" if parts.scheme == "https" else "ws"
    return f"{parts.scheme}://{parts.netloc} {ws}://{parts.netloc}"


def widget_bundle() -> str:
    """The one script a site includes: socket client + widget, with the stylesheet inlined."""
    widget = (STATIC / "widget.js").read_text()
    css = (STATIC / "widget.css").read_text()
    if CSS_TOKEN not in widget:
        raise RuntimeError(f"console/static/widget.js lost its {CSS_TOKEN!r} placeholder")
    return ((STATIC / "socket-client.js").read_text() + "\n"
            + widget.replace(CSS_TOKEN, f"(window, {json.dumps(css)})"))


def create_app(settings: Settings | None = None, clock: Clock = system_clock) -> Starlette:
    """The web app (the composition root of its process): ``clock`` is its one clock."""
    settings = settings or Settings.from_env()
    allowed = set(settings.widget_origins)
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
        f"connect-src 'self' {_socket_origins(settings.rasa_public_url)}; "
        f"frame-ancestors 'self' {' '.join(settings.widget_origins)}; base-uri 'none'; "
        "form-action 'none'"
    )
    security_headers = {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    bundle = widget_bundle().encode()
    bundle_etag = '"' + hashlib.sha256(bundle).hexdigest()[:32] + '"'

    def cross_origin(request: Request) -> tuple[dict[str, str], Response | None]:
        """CORS headers for an allowed site; a 403 for any other site's browser."""
        origin = request.headers.get("origin")
        if not origin:
            return {}, None
        if not origin_allowed(origin, allowed):
            return {}, JSONResponse(
                {"error": "This website is not allowed to use the chat. Its origin must be "
                          "listed in SHOPDESK_WIDGET_ORIGINS."},
                status_code=403, headers={"Vary": "Origin"})
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}, None

    async def index(_: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers=security_headers)

    async def widget_script(request: Request) -> Response:
        headers = {"Content-Type": "text/javascript; charset=utf-8", "ETag": bundle_etag,
                   "Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff",
                   "Cross-Origin-Resource-Policy": "cross-origin"}
        if request.headers.get("if-none-match") == bundle_etag:
            return Response(status_code=304, headers=headers)
        return Response(bundle, headers=headers)

    async def widget_config(request: Request) -> Response:
        cors, refused = cross_origin(request)
        if refused is not None:
            return refused
        return JSONResponse(
            {"socketUrl": settings.rasa_public_url, "storeName": settings.store_name,
             "maxMessageChars": settings.max_message_chars,
             "photos": {"maxBytes": settings.max_photo_bytes},
             "consentText": CONSENT_TEXT if settings.profiles else "",
             "look": settings.widget.to_json()},
            headers={**security_headers, **cors, "Cache-Control": "no-cache"},
        )

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    def open_store():  # type: ignore[no-untyped-def]
        from profiles.cli import open_store as open_profiles

        return open_profiles(settings, clock)

    stores: dict[str, object] = {}

    def store_service():  # type: ignore[no-untyped-def]
        if "store" not in stores:
            stores["store"] = build_store(settings, clock)
        return stores["store"]

    def database():  # type: ignore[no-untyped-def]
        """One engine (one connection pool) for the console's staff, alert and knowledge tables."""
        if "engine" not in stores:
            stores["engine"] = make_engine(settings.database_url)
        return stores["engine"]

    def staff_auth() -> StaffAuth:  # one for the process: the console and the photo routes
        if "auth" not in stores:
            staff = SqlStaffStore(database())
            staff.create_schema()
            stores["auth"] = StaffAuth(staff, clock, settings.staff_session_hours,
                                       settings.staff_idle_minutes,
                                       settings.staff_logins_per_minute)
        return stores["auth"]  # type: ignore[return-value]

    def staff_viewer(request: Request) -> Callable[[str, str], None] | None:
        """For a signed-in console user: a function that audits what they looked at."""
        auth = staff_auth()
        member = auth.authenticate(request.cookies.get(COOKIE))
        if member is None:
            return None
        return lambda action, target: auth.audit(member, action, target)

    def alert_store() -> SqlAlertStore:
        alerts = SqlAlertStore(database())
        alerts.create_schema()
        return alerts

    def knowledge_store() -> SqlKnowledgeStore:
        knowledge = SqlKnowledgeStore(database())
        knowledge.create_schema()
        return knowledge

    async def console_page(_: Request) -> Response:
        return FileResponse(STATIC / "console.html", headers={
            **security_headers, "Cache-Control": "no-store",
            "Content-Security-Policy": csp.replace(
                f"frame-ancestors 'self' {' '.join(settings.widget_origins)}",
                "frame-ancestors 'none'")})

    # CSAT when a conversation goes quiet: a background sweep while the app runs (off at 0)
    idle_csat = (IdleCsat(settings, clock, RasaClient(settings, clock), store_service)
                 if settings.csat_idle_minutes > 0 else None)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette):  # type: ignore[no-untyped-def]
        task = asyncio.create_task(idle_csat.run()) if idle_csat is not None else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = Starlette(lifespan=lifespan, routes=[
        *privacy_routes(settings, open_store),
        *staff_routes(settings, staff_auth, store_service, clock, alert_store, open_store,
                      knowledge_store),
        Route("/console", console_page),
        *photo_routes(settings, store_service, cross_origin, staff_viewer),
        *inbound_mail_routes(settings, store_service, RasaClient(settings, clock), clock),
        Route("/", index),
        Route("/widget.js", widget_script),
        Route("/widget-config.json", widget_config),
        Route("/health", health),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ])
    app.state.idle_csat = idle_csat
    app.add_middleware(ApiLimits, prefixes=("/api/", "/console/api/"),
                       per_ip=RateLimiter(settings.rate_per_ip),
                       max_body_bytes=settings.max_body_bytes,
                       larger={"/api/chat/photos": settings.max_photo_bytes,
                               "/api/email/inbound": INBOUND_MAX_BYTES})
    return app
