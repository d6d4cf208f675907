"""The agent console's API (``/console/api/…``): every route but login needs a signed-in staff
member of at least the role in :data:`ROUTES` — the one table the route-by-route tests read —
and every state-changing route needs the session's CSRF token in ``X-CSRF-Token``.

    POST /console/api/login   {"username", "password"} → 200 {"user", "csrf"} + session cookie
    POST /console/api/logout
    GET  /console/api/me      → {"user", "csrf"}
    GET  /console/api/queue   → {"queue": [rows, highest priority first]}   (console.queue)
    POST /console/api/queue/{ticket}/claim    → 200, or 409 when another agent has it
    POST /console/api/queue/{ticket}/release  → your own claim (a supervisor: anyone's)
    GET  /console/api/queue/{ticket}/conversation → the transcript, and whether it is taken over
    POST /console/api/queue/{ticket}/takeover  → the bot pauses (Rasa's own ``pause`` event, kept
         in the tracker store: it survives restarts) and the customer is told who is there
    POST /console/api/queue/{ticket}/message {"text"} → to the customer, on their channel
    POST /console/api/queue/{ticket}/email {"text"} → the reply by e-mail to the address the
         customer gave (SMTP, console.mailer), and into the conversation
    POST /console/api/queue/{ticket}/handback  → the bot resumes with the conversation's context;
         the ticket closes
    GET  /console/api/queue/{ticket}/profile → the customer's profile (consented data only)
    GET  /console/api/queue/{ticket}/suggestions → replies from the historical Q&A ranked with
         the customer's mood (console.assist)
    (conversation, takeover, message, handback, suggestions: the agent who claimed it, or a
    supervisor)
    GET  /console/api/canned  → the canned responses with their shortcuts
    GET  /console/api/alerts  → sentiment spike alerts, open ones first (sentiment.alerts)
    GET  /console/api/events[?ticket=H…] → server-sent events: "queue", "alerts" and
         "conversation" whenever they change (the console's live view)
    GET  /console/api/dashboard?days=14 → the supervisors' figures per day (console.dashboard)
    POST /console/api/dashboard/drill {"day", "dimension", "value"} → the conversations behind
         one point of a sentiment series
    GET  /console/api/audit   → the newest audit entries (supervisors)
    GET  /console/api/staff, POST /console/api/staff {"username", "name", "role", "password"},
    POST /console/api/staff/{username}/disable | enable      (admins)
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from commerce.service import StoreService
from console.assist import Assistant
from console.auth import error_answer, json_body
from console.conversation import summarise, transcript
from console.dashboard import DIMENSIONS, Turn, dashboard, drill, read_turns
from console.mailer import Mailer, MailError
from console.profile_panel import profile_panel
from console.queue import queue_rows
from console.rasa_client import RasaClient
from console.staff_auth import COOKIE, LoginRefused, SignedIn, StaffAuth, TooManyAttempts
from console.staff_store import Role
from profiles.store import ProfileStore
from sentiment.alert_store import AlertStore
from shopdesk.clock import Clock
from shopdesk.csat import ASK_TEXT, RATING_BUTTONS
from shopdesk.errors import (
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    ShopdeskError,
    StoreUnavailableError,
)
from shopdesk.settings import Settings

logger = logging.getLogger(__name__)
TICKET = re.compile(r"H\d{6}")
Handler = Callable[[Request, SignedIn], Any]

# method, path, the least role (None: open) — the route-by-route tests read this table
ROUTES: list[tuple[str, str, Role | None]] = [
    ("POST", "/console/api/login", None),
    ("POST", "/console/api/logout", Role.AGENT),
    ("GET", "/console/api/me", Role.AGENT),
    ("GET", "/console/api/queue", Role.AGENT),
    ("POST", "/console/api/queue/{ticket}/claim", Role.AGENT),
    ("POST", "/console/api/queue/{ticket}/release", Role.AGENT),
    ("GET", "/console/api/queue/{ticket}/conversation", Role.AGENT),
    ("POST", "/console/api/queue/{ticket}/takeover", Role.AGENT),
    ("POST", "/console/api/queue/{ticket}/message", Role.AGENT),
    ("POST", "/console/api/queue/{ticket}/email", Role.AGENT),
    ("POST", "/console/api/queue/{ticket}/handback", Role.AGENT),
    ("GET", "/console/api/queue/{ticket}/suggestions", Role.AGENT),
    ("POST", "/console/api/queue/{ticket}/suggestions/used", Role.AGENT),
    ("GET", "/console/api/queue/{ticket}/profile", Role.AGENT),
    ("GET", "/console/api/canned", Role.AGENT),
    ("GET", "/console/api/alerts", Role.AGENT),
    ("GET", "/console/api/events", Role.AGENT),
    ("GET", "/console/api/dashboard", Role.SUPERVISOR),
    ("POST", "/console/api/dashboard/drill", Role.SUPERVISOR),
    ("GET", "/console/api/audit", Role.SUPERVISOR),
    ("GET", "/console/api/staff", Role.ADMIN),
    ("POST", "/console/api/staff", Role.ADMIN),
    ("POST", "/console/api/staff/{username}/{change}", Role.ADMIN),
]


def user_json(signed_in: SignedIn) -> dict[str, str]:
    a = signed_in.account
    return {"username": a.username, "name": a.name, "role": a.role.value}


def staff_routes(settings: Settings, auth_factory: Callable[[], StaffAuth],
                 store_factory: Callable[[], StoreService], clock: Clock,
                 alerts_factory: Callable[[], AlertStore] | None = None,
                 profiles_factory: Callable[[], ProfileStore] | None = None) -> list[Route]:
    secure = settings.web_public_url.startswith("https://")
    made: dict[str, Any] = {}

    def auth() -> StaffAuth:
        if "auth" not in made:
            made["auth"] = auth_factory()
        return made["auth"]

    def store() -> StoreService:
        if "store" not in made:
            made["store"] = store_factory()
        return made["store"]

    rasa = RasaClient(settings, clock)

    async def body_of(request: Request) -> dict[str, Any]:
        body = await json_body(request, empty={})
        if not isinstance(body, dict):
            raise InvalidRequestError("The body must be a JSON object.")
        return body

    def answer_errors(work: Callable[[Request], Awaitable[Response]]
                      ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                return await work(request)
            except ShopdeskError as e:
                if isinstance(e, StoreUnavailableError):
                    logger.exception("console API: a database is unavailable")
                return error_answer(e, "The database is unavailable; try again in a minute.")
        return endpoint

    def guarded(role: Role, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def work(request: Request) -> Response:
            signed_in = await asyncio.to_thread(auth().authenticate,
                                                request.cookies.get(COOKIE))
            if signed_in is None:
                return JSONResponse({"error": "Please sign in."}, status_code=401)
            if not signed_in.account.role.at_least(role):
                return JSONResponse({"error": "Your role does not allow this."}, status_code=403)
            if request.method not in {"GET", "HEAD"}:
                given = request.headers.get("x-csrf-token", "")
                if not hmac.compare_digest(given.encode(), signed_in.session.csrf.encode()):
                    return JSONResponse({"error": "Missing or wrong X-CSRF-Token."},
                                        status_code=403)
            result = handler(request, signed_in)
            if asyncio.iscoroutine(result):
                result = await result
            return result
        return answer_errors(work)

    @answer_errors
    async def login(request: Request) -> Response:
        body = await body_of(request)
        address = request.client.host if request.client else "?"
        try:
            signed_in, token = await asyncio.to_thread(
                auth().login, body.get("username"), body.get("password"), address)
        except TooManyAttempts as e:
            return JSONResponse({"error": "Too many attempts; wait a minute and try again."},
                                status_code=429, headers={"Retry-After": str(int(e.wait + 1))})
        except LoginRefused:
            return JSONResponse({"error": "Wrong username or password."}, status_code=401)
        response = JSONResponse({"user": user_json(signed_in), "csrf": signed_in.session.csrf})
        response.set_cookie(COOKIE, token, max_age=int(auth().ttl.total_seconds()),
                            httponly=True, samesite="strict", secure=secure, path="/")
        return response

    def logout(_: Request, signed_in: SignedIn) -> Response:
        auth().logout(signed_in)
        response = JSONResponse({"ok": True})
        response.delete_cookie(COOKIE, path="/")
        return response

    def me(_: Request, signed_in: SignedIn) -> Response:
        return JSONResponse({"user": user_json(signed_in), "csrf": signed_in.session.csrf})

    def queue_json() -> dict[str, Any]:
        staff = auth().store

        def username(account_id: str) -> str:
            account = staff.account(account_id)
            return account.username if account else "?"

        rows = queue_rows(store(), staff, rasa.tracker, clock, username)
        return {"queue": [r.to_json() for r in rows]}

    async def queue(_: Request, signed_in: SignedIn) -> Response:
        return JSONResponse(await asyncio.to_thread(queue_json))

    def ticket_of(request: Request) -> str:
        return waiting_ticket(request.path_params["ticket"])

    def waiting_ticket(ticket: str) -> str:
        if not TICKET.fullmatch(ticket):
            raise InvalidRequestError("not a ticket number")
        if not any(t.ticket == ticket for t in store().waiting_handoffs()):
            raise NotFoundError(f"ticket {ticket} is not waiting")
        return ticket

    def claim(request: Request, signed_in: SignedIn) -> Response:
        ticket = ticket_of(request)
        held = auth().store.claim(ticket, signed_in.account.id, clock())
        auth().audit(signed_in, "claim", ticket)
        return JSONResponse({"ticket": ticket, "claimed_by": signed_in.account.username,
                             "claimed_at": held.claimed_at.isoformat()})

    def release(request: Request, signed_in: SignedIn) -> Response:
        ticket = ticket_of(request)
        held = auth().store.claims().get(ticket)
        if held is None:
            raise NotFoundError(f"ticket {ticket} is not claimed")
        if held.account_id != signed_in.account.id and \
                not signed_in.account.role.at_least(Role.SUPERVISOR):
            return JSONResponse({"error": "Only the agent who claimed it, or a supervisor, can "
                                          "release it."}, status_code=403)
        auth().store.release(ticket)
        auth().audit(signed_in, "release", ticket)
        return JSONResponse({"ticket": ticket, "claimed_by": None})

    def held_ticket(request: Request, signed_in: SignedIn) -> tuple[str, str]:
        return held(ticket_of(request), signed_in)

    def held(ticket: str, signed_in: SignedIn) -> tuple[str, str]:
        """(ticket, conversation) the caller may work on: their own claim, or a supervisor."""
        ticket = waiting_ticket(ticket)
        held = auth().store.claims().get(ticket)
        if held is None or (held.account_id != signed_in.account.id
                            and not signed_in.account.role.at_least(Role.SUPERVISOR)):
            raise ForbiddenError("Claim the conversation first.")
        sender = next(t.sender_id for t in store().waiting_handoffs() if t.ticket == ticket)
        return ticket, sender

    read_logged: set[tuple[str, str]] = set()  # (session, ticket): one audit line per session

    def conversation_json(ticket: str, signed_in: SignedIn) -> dict[str, Any] | None:
        ticket, sender = held(ticket, signed_in)
        tracker = rasa.tracker(sender)
        if tracker is None:
            return None
        key = (signed_in.session.token_hash, ticket)
        if key not in read_logged:
            read_logged.add(key)
            auth().audit(signed_in, "read_conversation", ticket)
        view = transcript(tracker)
        return {"ticket": ticket, **view, "summary": summarise(view)}

    def conversation(request: Request, signed_in: SignedIn) -> Response:
        found = conversation_json(request.path_params["ticket"], signed_in)
        if found is None:
            return JSONResponse({"error": "The conversation cannot be read right now."},
                                status_code=503)
        return JSONResponse(found)

    async def events(request: Request, signed_in: SignedIn) -> Response:
        """Server-sent events: the queue (and the open conversation, ``?ticket=``) whenever they
        change, checked every second; a comment line every 15 s keeps proxies from closing it.
        Each stream ends after ``SHOPDESK_STAFF_STREAM_SECONDS`` (the browser reconnects at
        once), so a signed-out or stale connection never lingers."""
        ticket = request.query_params.get("ticket") or None
        if ticket is not None:
            waiting_ticket(ticket)

        async def stream() -> Any:
            sent: dict[str, str] = {}
            idle = 0
            ends = time.monotonic() + settings.staff_stream_seconds
            yield "retry: 1000\n\n"
            while time.monotonic() < ends and not await request.is_disconnected():
                if auth().authenticate(request.cookies.get(COOKIE)) is None:
                    yield "event: signed_out\ndata: {}\n\n"
                    return
                updates = {"queue": await asyncio.to_thread(queue_json),
                           "alerts": {"alerts": [a.to_json() for a in alert_list()]}}
                if ticket is not None:
                    try:
                        view = await asyncio.to_thread(conversation_json, ticket, signed_in)
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

    def profile(request: Request, signed_in: SignedIn) -> Response:
        ticket, sender = held_ticket(request, signed_in)
        tracker = rasa.tracker(sender) or {}
        if "profiles" not in made:
            made["profiles"] = profiles_factory() if profiles_factory and settings.profiles \
                else None
        panel = profile_panel(made["profiles"], store(), sender,
                              tracker.get("latest_input_channel"))
        auth().audit(signed_in, "read_profile", ticket)
        return JSONResponse(panel)

    def say(sender: str, signed_in: SignedIn, text: str, *before: dict[str, Any]) -> None:
        events = [*before, {"event": "bot", "text": text,
                            "metadata": {"agent": signed_in.account.name}}]
        if not rasa.append(sender, events):
            raise StoreUnavailableError("Rasa did not take the message")

    def takeover(request: Request, signed_in: SignedIn) -> Response:
        ticket, sender = held_ticket(request, signed_in)
        say(sender, signed_in, f"Hi, I'm {signed_in.account.name} from the {settings.store_name}"
            " team — I've read your conversation and I'm taking it from here.",
            {"event": "pause"})
        auth().audit(signed_in, "takeover", ticket)
        return JSONResponse({"ticket": ticket, "paused": True})

    async def message(request: Request, signed_in: SignedIn) -> Response:
        ticket, sender = held_ticket(request, signed_in)
        body = await body_of(request)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise InvalidRequestError("Write a message first.")
        if len(text) > 4000:
            raise InvalidRequestError("A message can have at most 4,000 characters.")
        await asyncio.to_thread(say, sender, signed_in, text.strip())
        auth().audit(signed_in, "message", ticket)
        return JSONResponse({"ticket": ticket, "sent": True})

    mailer = Mailer(settings)

    async def email(request: Request, signed_in: SignedIn) -> Response:
        ticket, sender = held_ticket(request, signed_in)
        body = await body_of(request)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > 8000:
            raise InvalidRequestError("Write the e-mail first (at most 8,000 characters).")
        if not mailer.enabled:
            raise InvalidRequestError("E-mail is not set up (SHOPDESK_SMTP_HOST).")
        tracker = await asyncio.to_thread(rasa.tracker, sender)
        address = ((tracker or {}).get("slots") or {}).get("email")
        if not isinstance(address, str) or "@" not in address:
            raise InvalidRequestError("This customer has not given an e-mail address.")
        letter = (f"{text.strip()}\n\n— {signed_in.account.name}, {settings.store_name}\n"
                  f"(ticket {ticket}; you can also chat with us at {settings.web_public_url})")
        try:
            await asyncio.to_thread(mailer.send, address,
                                    f"Your conversation with {settings.store_name} "
                                    f"(ticket {ticket})", letter, ticket)
        except MailError as e:
            logger.error("e-mail for %s: %s", ticket, e)
            return JSONResponse({"error": f"{e}; nothing was sent."}, status_code=502)
        await asyncio.to_thread(  # the answer threads back into the conversation
            say, sender, signed_in, f"(Sent by e-mail) {text.strip()}")
        auth().audit(signed_in, "email", ticket)
        return JSONResponse({"ticket": ticket, "emailed": True})

    def handback(request: Request, signed_in: SignedIn) -> Response:
        ticket, sender = held_ticket(request, signed_in)
        events: list[dict[str, Any]] = [
            {"event": "resume"},
            {"event": "bot", "text": f"Thanks for your patience. You're back with "
                                     f"{settings.widget.name}, our assistant — ask me anything "
                                     "else, or for a person again at any time.",
             "metadata": {"handback": True}},
            {"event": "bot", "text": ASK_TEXT, "data": {"buttons": RATING_BUTTONS},
             "metadata": {"handback": True}}]
        if not rasa.append(sender, events):
            raise StoreUnavailableError("Rasa did not take the handback")
        store().close_handoff(ticket)
        auth().store.release(ticket)
        auth().audit(signed_in, "handback", ticket)
        return JSONResponse({"ticket": ticket, "paused": False})

    def assistant() -> Assistant:
        if "assistant" not in made:
            made["assistant"] = Assistant(settings)
        return made["assistant"]

    def suggestions(request: Request, signed_in: SignedIn) -> Response:
        _, sender = held_ticket(request, signed_in)
        tracker = rasa.tracker(sender)
        if tracker is None:
            return JSONResponse({"error": "The conversation cannot be read right now."},
                                status_code=503)
        seen = transcript(tracker)
        said = [line["text"] for line in seen["lines"] if line["from"] == "customer"]
        staff = auth().store
        found = assistant().suggest(said, seen["mood"],
                                    usage_counts=staff.suggestion_counts())
        for suggestion in found:
            staff.count_suggestion(suggestion.id, used=False)
        return JSONResponse({"mood": seen["mood"], "suggestions": [s.to_json() for s in found]})

    async def suggestion_used(request: Request, signed_in: SignedIn) -> Response:
        ticket, _ = held_ticket(request, signed_in)
        body = await body_of(request)
        pair_id = body.get("id")
        if not isinstance(pair_id, str) or not 0 < len(pair_id) <= 120:
            raise InvalidRequestError("id must be the suggestion's id")
        auth().store.count_suggestion(pair_id, used=True)
        auth().audit(signed_in, "used_suggestion", ticket, pair_id)
        return JSONResponse({"counted": True})

    def canned(_: Request, signed_in: SignedIn) -> Response:
        fill = {"{name}": signed_in.account.name, "{store}": settings.store_name}
        items = []
        for item in assistant().canned:
            text = item["text"]
            for key, value in fill.items():
                text = text.replace(key, value)
            items.append({"shortcut": item["shortcut"], "text": text})
        return JSONResponse({"canned": items})

    def alert_list() -> list[Any]:
        if alerts_factory is None:
            return []
        if "alerts" not in made:
            made["alerts"] = alerts_factory()
        return made["alerts"].alerts(limit=20)

    def alerts(_: Request, signed_in: SignedIn) -> Response:
        return JSONResponse({"alerts": [a.to_json() for a in alert_list()]})

    def turns(days: int) -> list[Turn]:
        since = datetime.combine(clock().date() - timedelta(days=days - 1), datetime.min.time(),
                                 UTC)
        return read_turns(settings.rasa_tracker_db, since)

    def days_of(request: Request) -> int:
        raw = request.query_params.get("days", "14")
        if not raw.isdigit() or not 1 <= int(raw) <= 90:
            raise InvalidRequestError("days must be a whole number from 1 to 90")
        return int(raw)

    async def dashboard_view(request: Request, signed_in: SignedIn) -> Response:
        days = days_of(request)
        figures = await asyncio.to_thread(
            lambda: dashboard(turns(days), store(), clock().date(), days))
        auth().audit(signed_in, "read_dashboard")
        return JSONResponse(figures)

    async def dashboard_drill(request: Request, signed_in: SignedIn) -> Response:
        body = await body_of(request)
        try:
            day = date.fromisoformat(str(body.get("day")))
        except ValueError:
            raise InvalidRequestError("day must be a date (YYYY-MM-DD)") from None
        dimension, value = body.get("dimension"), body.get("value")
        if dimension not in DIMENSIONS or not isinstance(value, str) or len(value) > 100:
            raise InvalidRequestError("dimension must be topic, channel or product, with a value")
        window = max(1, (clock().date() - day).days + 1)
        if window > 90:
            raise InvalidRequestError("that day is too long ago")
        found = await asyncio.to_thread(lambda: drill(turns(window), day, dimension, value))
        auth().audit(signed_in, "drill_dashboard", f"{dimension}={value[:40]} {day}")
        return JSONResponse({"conversations": found})

    def audit_log(request: Request, signed_in: SignedIn) -> Response:
        entries = auth().store.audit_log(limit=200)
        auth().audit(signed_in, "read_audit")
        return JSONResponse({"audit": [
            {"at": e.at.isoformat(), "username": e.username, "action": e.action,
             "target": e.target, "detail": e.detail} for e in entries]})

    def staff_list(_: Request, signed_in: SignedIn) -> Response:
        return JSONResponse({"staff": [
            {"username": a.username, "name": a.name, "role": a.role.value,
             "disabled": a.disabled} for a in auth().store.accounts()]})

    async def staff_add(request: Request, signed_in: SignedIn) -> Response:
        body = await body_of(request)
        role = body.get("role")
        if role not in {r.value for r in Role}:
            raise InvalidRequestError("role must be agent, supervisor or admin")
        account = await asyncio.to_thread(
            auth().create_account, body.get("username"), str(body.get("name") or ""),
            Role(role), body.get("password"), signed_in.account)
        return JSONResponse({"username": account.username, "role": account.role.value},
                            status_code=201)

    def staff_change(request: Request, signed_in: SignedIn) -> Response:
        change = request.path_params["change"]
        if change not in {"disable", "enable"}:
            raise NotFoundError("no such change")
        account = auth().store.account_by_username(request.path_params["username"])
        if account is None:
            raise NotFoundError("no such staff member")
        if account.id == signed_in.account.id:
            raise InvalidRequestError("You cannot disable your own account.")
        auth().set_disabled(account, change == "disable", signed_in.account)
        return JSONResponse({"username": account.username, "disabled": change == "disable"})

    handlers: dict[tuple[str, str], Any] = {
        ("POST", "/console/api/logout"): logout, ("GET", "/console/api/me"): me,
        ("GET", "/console/api/queue"): queue,
        ("POST", "/console/api/queue/{ticket}/claim"): claim,
        ("POST", "/console/api/queue/{ticket}/release"): release,
        ("GET", "/console/api/queue/{ticket}/conversation"): conversation,
        ("POST", "/console/api/queue/{ticket}/takeover"): takeover,
        ("POST", "/console/api/queue/{ticket}/message"): message,
        ("POST", "/console/api/queue/{ticket}/handback"): handback,
        ("POST", "/console/api/queue/{ticket}/email"): email,
        ("GET", "/console/api/queue/{ticket}/suggestions"): suggestions,
        ("POST", "/console/api/queue/{ticket}/suggestions/used"): suggestion_used,
        ("GET", "/console/api/queue/{ticket}/profile"): profile,
        ("GET", "/console/api/canned"): canned,
        ("GET", "/console/api/alerts"): alerts,
        ("GET", "/console/api/events"): events,
        ("GET", "/console/api/dashboard"): dashboard_view,
        ("POST", "/console/api/dashboard/drill"): dashboard_drill,
        ("GET", "/console/api/audit"): audit_log, ("GET", "/console/api/staff"): staff_list,
        ("POST", "/console/api/staff"): staff_add,
        ("POST", "/console/api/staff/{username}/{change}"): staff_change,
    }
    routes = [Route("/console/api/login", login, methods=["POST"])]
    for method, path, role in ROUTES:
        if role is not None:
            routes.append(Route(path, guarded(role, handlers[(method, path)]), methods=[method]))
    return routes
