"""The console's live view (server-sent events), the spike alerts and the supervisors'
dashboard. Routes and roles: ``console.staff_api.ROUTES``."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from console.console_context import ConsoleContext
from console.dashboard import DIMENSIONS, Turn, dashboard, drill, read_turns
from console.staff_auth import COOKIE, SignedIn
from shopdesk.errors import InvalidRequestError, ShopdeskError


def insight_handlers(ctx: ConsoleContext) -> dict[tuple[str, str], Any]:
    settings = ctx.settings

    def alerts(_: Request, signed_in: SignedIn) -> Response:
        return JSONResponse({"alerts": [a.to_json() for a in ctx.alert_list()]})

    async def events(request: Request, signed_in: SignedIn) -> Response:
        """Server-sent events: the queue (and the open conversation, ``?ticket=``) whenever they
        change, checked every second; a comment line every 15 s keeps proxies from closing it.
        Each stream ends after ``SHOPDESK_STAFF_STREAM_SECONDS`` (the browser reconnects at
        once), so a signed-out or stale connection never lingers."""
        ticket = request.query_params.get("ticket") or None
        if ticket is not None:
            ctx.waiting_ticket(ticket)

        async def stream() -> Any:
            sent: dict[str, str] = {}
            idle = 0
            ends = time.monotonic() + settings.staff_stream_seconds
            yield "retry: 1000\n\n"
            while time.monotonic() < ends and not await request.is_disconnected():
                if ctx.auth.authenticate(request.cookies.get(COOKIE)) is None:
                    yield "event: signed_out\ndata: {}\n\n"
                    return
                updates = {"queue": await asyncio.to_thread(ctx.queue_json, 1.0),
                           "alerts": {"alerts": [a.to_json() for a in ctx.alert_list()]}}
                if ticket is not None:
                    try:
                        view = await asyncio.to_thread(ctx.conversation_json, ticket, signed_in)
                    except ShopdeskError:
                        view = {"ticket": ticket, "closed": True}
                    if view is not None:
                        updates["conversation"] = view
                changed = False
                for name, data in updates.items():
                    text = json.dumps(data, sort_keys=True, default=str)
                    if sent.get(name) != text:
                        sent[name] = text
                        changed = True
                        yield f"event: {name}\ndata: {text}\n\n"
                idle = 0 if changed else idle + 1
                if idle >= 15:
                    idle = 0
                    yield ": still here\n\n"
                await asyncio.sleep(1.0)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    def turns(days: int) -> list[Turn]:
        since = datetime.combine(ctx.clock().date() - timedelta(days=days - 1),
                                 datetime.min.time(), UTC)
        return read_turns(settings.rasa_tracker_db, since)

    async def dashboard_view(request: Request, signed_in: SignedIn) -> Response:
        raw = request.query_params.get("days", "14")
        if not raw.isdigit() or not 1 <= int(raw) <= 90:
            raise InvalidRequestError("days must be a whole number from 1 to 90")
        days = int(raw)
        figures = await asyncio.to_thread(
            lambda: dashboard(turns(days), ctx.store, ctx.clock().date(), days))
        ctx.auth.audit(signed_in, "read_dashboard")
        return JSONResponse(figures)

    async def dashboard_drill(request: Request, signed_in: SignedIn) -> Response:
        body = await ctx.body_of(request)
        try:
            day = date.fromisoformat(str(body.get("day")))
        except ValueError:
            raise InvalidRequestError("day must be a date (YYYY-MM-DD)") from None
        dimension, value = body.get("dimension"), body.get("value")
        if dimension not in DIMENSIONS or not isinstance(value, str) or len(value) > 100:
            raise InvalidRequestError("dimension must be topic, channel or product, with a value")
        window = max(1, (ctx.clock().date() - day).days + 1)
        if window > 90:
            raise InvalidRequestError("that day is too long ago")
        found = await asyncio.to_thread(lambda: drill(turns(window), day, dimension, value))
        ctx.auth.audit(signed_in, "drill_dashboard", f"{dimension}={value[:40]} {day}")
        return JSONResponse({"conversations": found})

    return {
        ("GET", "/console/api/alerts"): alerts,
        ("GET", "/console/api/events"): events,
        ("GET", "/console/api/dashboard"): dashboard_view,
        ("POST", "/console/api/dashboard/drill"): dashboard_drill,
    }
