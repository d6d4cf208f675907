"""The privacy API: export and erase a customer's data, authenticated by the admin token.

    GET    /api/customers/{id}/export      → 200 JSON of everything held
    DELETE /api/customers/{id}             → 200 {"conversations_erased": n, …}
    POST   /api/customers/lookup {"channel": "email", "value": …} → 200 {"customer_id": …}

Every call needs ``Authorization: Bearer $SHOPDESK_ADMIN_TOKEN`` (compared in constant time);
without it: 401. Unknown or malformed ids: 404 / 400 with a message. Personal data (the
identity looked up) travels in the request body, never in a URL.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from console.auth import admin_refusal, error_answer, json_body
from profiles.privacy import erase, export
from profiles.store import SqlProfileStore
from shopdesk.errors import InvalidRequestError, NotFoundError, ShopdeskError, StoreUnavailableError
from shopdesk.settings import Settings

logger = logging.getLogger(__name__)
Handler = Callable[[Request], Awaitable[Response]]


def privacy_routes(settings: Settings, store_factory: Callable[[], SqlProfileStore]) -> list[Route]:
    token = settings.admin_token.reveal()
    store: list[SqlProfileStore] = []

    def get_store() -> SqlProfileStore:
        if not store:
            store.append(store_factory())
        return store[0]

    def guarded(handler: Callable[[Request, SqlProfileStore], Response]) -> Handler:
        async def endpoint(request: Request) -> Response:
            refused = admin_refusal(request, token)
            if refused is not None:
                return refused
            try:
                request.state.body = None
                if request.method == "POST":
                    request.state.body = await json_body(request)
                return await asyncio.to_thread(handler, request, get_store())
            except ShopdeskError as e:
                if isinstance(e, StoreUnavailableError):
                    logger.exception("privacy API: profile store unavailable")
                return error_answer(e, "the profile database is unavailable; try again")
        return endpoint

    def do_export(request: Request, s: SqlProfileStore) -> Response:
        return JSONResponse(export(s, request.path_params["customer_id"]))

    def do_erase(request: Request, s: SqlProfileStore) -> Response:
        report = erase(s, request.path_params["customer_id"], settings.rasa_tracker_db,
                       settings.database_url)
        return JSONResponse(report.to_json())

    def do_find(request: Request, s: SqlProfileStore) -> Response:
        body = request.state.body
        if not isinstance(body, dict):
            raise InvalidRequestError('send {"channel": …, "value": …} as JSON')
        found = s.find(body.get("channel", ""), body.get("value", ""))
        if found is None:
            raise NotFoundError("no customer has that identity")
        return JSONResponse({"customer_id": found})

    return [Route("/api/customers/{customer_id}/export", guarded(do_export), methods=["GET"]),
            Route("/api/customers/{customer_id}", guarded(do_erase), methods=["DELETE"]),
            Route("/api/customers/lookup", guarded(do_find), methods=["POST"])]
