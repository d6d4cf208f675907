"""Photos customers attach in the widget, and the staff's view of them.

    POST /api/chat/photos                 (the widget; body: the image bytes)
         X-Shopdesk-Session: <the conversation's session id>
         → 201 {"id": "P…", "width", "height"}; 400 with the reason in plain words
         (the messaging-platform channels use the same route with
         ``Authorization: Bearer $SHOPDESK_ACTION_SECRET`` and ``X-Shopdesk-Conversation``)
    GET  /api/photos/{id}                 (staff: admin token, or a console session) → the image
    POST /api/photos/search {"conversation": …}   (staff) → the conversation's photos

The upload is allowed from the sites in ``SHOPDESK_WIDGET_ORIGINS`` (CORS, with its preflight)
and limited to ``SHOPDESK_MAX_PHOTO_BYTES``; the picture is re-encoded before it is stored
(``commerce.photos``), so what staff open is never the file the customer's device sent. The
session id is the conversation's own capability (the widget keeps it; it is what lets it write
into the conversation at all). A conversation id can be a phone number, so staff look photos up
with it in the body, never in a URL.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from commerce.service import StoreService
from console.auth import admin_refusal, json_body
from shopdesk.errors import InvalidRequestError, StoreUnavailableError
from shopdesk.settings import Settings

logger = logging.getLogger(__name__)
SESSION = re.compile(r"[A-Za-z0-9_-]{8,64}")
PHOTO_ID = re.compile(r"P[0-9A-F]{16}")
CONVERSATION = re.compile(r"[^\x00-\x1f\x7f]{1,200}")
UNAVAILABLE = {"error": "Photos can't be stored right now; please try again in a minute."}


def photo_routes(settings: Settings, store_factory: Callable[[], StoreService],
                 cross_origin: Callable[[Request], tuple[dict[str, str], Response | None]],
                 staff_viewer: Callable[[Request], Callable[[str, str], None] | None] | None = None
                 ) -> list[Route]:
    token = settings.admin_token.reveal()

    service_secret = settings.action_secret.reveal()
    store: list[StoreService] = []

    def get_store() -> StoreService:
        if not store:
            store.append(store_factory())
        return store[0]

    async def upload(request: Request) -> Response:
        if request.headers.get("authorization"):  # the service path: our own Rasa channels
            return await service_upload(request)
        cors, refused = cross_origin(request)
        if refused is not None:
            return refused
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={
                **cors, "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": "Content-Type, X-Shopdesk-Session",
                "Access-Control-Max-Age": "600"})
        session = request.headers.get("x-shopdesk-session", "")
        if not SESSION.fullmatch(session):
            return JSONResponse({"error": "X-Shopdesk-Session must be the conversation's "
                                          "session id."}, status_code=400, headers=cors)
        return await store_photo(request, session, cors)

    async def service_upload(request: Request) -> Response:
        refused = admin_refusal(request, service_secret)
        if refused is not None:
            return refused
        conversation = request.headers.get("x-shopdesk-conversation", "")
        if not CONVERSATION.fullmatch(conversation):
            return JSONResponse({"error": "X-Shopdesk-Conversation must be the conversation's "
                                          "id."}, status_code=400)
        return await store_photo(request, conversation, {})

    async def store_photo(request: Request, conversation: str, cors: dict[str, str]
                          ) -> Response:
        raw = await request.body()
        try:
            photo = await asyncio.to_thread(get_store().attach_photo, conversation, raw,
                                            settings.max_photo_bytes)
        except InvalidRequestError as e:
            return JSONResponse({"error": str(e)}, status_code=400, headers=cors)
        except StoreUnavailableError:
            logger.error("photo upload: the store database is unavailable")
            return JSONResponse(UNAVAILABLE, status_code=503, headers=cors)
        logger.info("photo %s stored (%dx%d)", photo.id, photo.width, photo.height)
        return JSONResponse({"id": photo.id, "width": photo.width, "height": photo.height},
                            status_code=201, headers=cors)

    async def show(request: Request) -> Response:
        refused = admin_refusal(request, token)
        viewer = None
        if refused is not None and staff_viewer is not None:  # an agent in the console
            viewer = await asyncio.to_thread(staff_viewer, request)
        if refused is not None and viewer is None:
            return refused
        photo_id = request.path_params["photo_id"]
        if not PHOTO_ID.fullmatch(photo_id):
            return JSONResponse({"error": "not a photo id"}, status_code=400)
        try:
            photo = await asyncio.to_thread(get_store().photo_by_id, photo_id)
        except StoreUnavailableError:
            return JSONResponse(UNAVAILABLE, status_code=503)
        if photo is None:
            return JSONResponse({"error": "no such photo"}, status_code=404)
        if viewer is not None:
            await asyncio.to_thread(viewer, "read_photo", photo.id)
        return Response(photo.data, media_type=photo.content_type, headers={
            "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Content-Disposition": f'inline; filename="{photo.id}.jpg"'})

    async def search(request: Request) -> Response:
        refused = admin_refusal(request, token)
        if refused is not None:
            return refused
        try:
            body = await json_body(request)
        except InvalidRequestError:
            body = None
        conversation = body.get("conversation") if isinstance(body, dict) else None
        if not isinstance(conversation, str) or not 0 < len(conversation) <= 200:
            return JSONResponse({"error": 'send {"conversation": "<its id>"} as JSON'},
                                status_code=400)
        try:
            photos = await asyncio.to_thread(get_store().photos, conversation)
        except StoreUnavailableError:
            return JSONResponse(UNAVAILABLE, status_code=503)
        return JSONResponse({"photos": [
            {"id": p.id, "url": f"/api/photos/{p.id}", "width": p.width, "height": p.height,
             "attached_at": p.created_at.isoformat(), "case": p.case_ref or None}
            for p in photos]})

    return [Route("/api/chat/photos", upload, methods=["POST", "OPTIONS"]),
            Route("/api/photos/search", search, methods=["POST"]),
            Route("/api/photos/{photo_id}", show, methods=["GET"])]
