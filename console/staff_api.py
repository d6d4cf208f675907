"""The agent console's API (``/console/api/…``): every route but login needs a signed-in staff
member of at least the role in :data:`ROUTES` — the one table the route-by-route tests read —
and every state-changing route needs the session's CSRF token in ``X-CSRF-Token``. The guard and
sign-in are here; the handlers are in ``console.work_api`` (working conversations),
``console.insight_api`` (live view, alerts, dashboard), ``console.knowledge_api`` (knowledge
upkeep) and :func:`account_handlers` (accounts),
sharing one ``console.console_context.ConsoleContext``.

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
    GET  /console/api/knowledge → unanswered questions grouped by meaning, and the published
         articles; GET /console/api/knowledge/search?q= → existing answers to edit;
    POST /console/api/knowledge/articles {"id"?, "question", "answer", "category"?, "gap_ids"?}
         → published: the bot answers with it within seconds (console.knowledge_api);
    POST /console/api/knowledge/articles/{id}/retire, POST /console/api/knowledge/gaps/dismiss
         {"gap_ids"}                                                          (supervisors)
    GET  /console/api/staff, POST /console/api/staff {"username", "name", "role", "password"},
    POST /console/api/staff/{username}/disable | enable      (admins)
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from commerce.service import StoreService
from console.auth import error_answer
from console.console_context import ConsoleContext
from console.insight_api import insight_handlers
from console.knowledge_api import knowledge_handlers
from console.staff_auth import COOKIE, LoginRefused, SignedIn, StaffAuth, TooManyAttempts
from console.staff_store import Role
from console.work_api import work_handlers
from profiles.store import ProfileStore
from retrieval.knowledge_store import KnowledgeStore
from sentiment.alert_store import AlertStore
from shopdesk.clock import Clock
from shopdesk.errors import (
    InvalidRequestError,
    NotFoundError,
    ShopdeskError,
    StoreUnavailableError,
)
from shopdesk.settings import Settings

logger = logging.getLogger(__name__)
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
    ("GET", "/console/api/knowledge", Role.SUPERVISOR),
    ("GET", "/console/api/knowledge/search", Role.SUPERVISOR),
    ("POST", "/console/api/knowledge/articles", Role.SUPERVISOR),
    ("POST", "/console/api/knowledge/articles/{article_id}/retire", Role.SUPERVISOR),
    ("POST", "/console/api/knowledge/gaps/dismiss", Role.SUPERVISOR),
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
                 profiles_factory: Callable[[], ProfileStore] | None = None,
                 knowledge_factory: Callable[[], KnowledgeStore] | None = None) -> list[Route]:
    """Every console route, each behind the guard of its role in :data:`ROUTES`."""
    ctx = ConsoleContext(settings, clock, auth_factory, store_factory, alerts_factory,
                         profiles_factory, knowledge_factory)
    secure = settings.web_public_url.startswith("https://")

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
            signed_in = await asyncio.to_thread(ctx.auth.authenticate,
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
        body = await ctx.body_of(request)
        address = request.client.host if request.client else "?"
        try:
            signed_in, token = await asyncio.to_thread(
                ctx.auth.login, body.get("username"), body.get("password"), address)
        except TooManyAttempts as e:
            return JSONResponse({"error": "Too many attempts; wait a minute and try again."},
                                status_code=429, headers={"Retry-After": str(int(e.wait + 1))})
        except LoginRefused:
            return JSONResponse({"error": "Wrong username or password."}, status_code=401)
        response = JSONResponse({"user": user_json(signed_in), "csrf": signed_in.session.csrf})
        response.set_cookie(COOKIE, token, max_age=int(ctx.auth.ttl.total_seconds()),
                            httponly=True, samesite="strict", secure=secure, path="/")
        return response

    handlers = {**account_handlers(ctx), **work_handlers(ctx), **insight_handlers(ctx),
                **knowledge_handlers(ctx)}
    routes = [Route("/console/api/login", login, methods=["POST"])]
    for method, path, role in ROUTES:
        if role is not None:
            routes.append(Route(path, guarded(role, handlers[(method, path)]), methods=[method]))
    return routes


def account_handlers(ctx: ConsoleContext) -> dict[tuple[str, str], Any]:
    """Signing out, who is signed in, the audit log, and staff accounts."""

    def logout(_: Request, signed_in: SignedIn) -> Response:
        ctx.auth.logout(signed_in)
        response = JSONResponse({"ok": True})
        response.delete_cookie(COOKIE, path="/")
        return response

    def me(_: Request, signed_in: SignedIn) -> Response:
        return JSONResponse({"user": user_json(signed_in), "csrf": signed_in.session.csrf})

    def audit_log(request: Request, signed_in: SignedIn) -> Response:
        entries = ctx.auth.store.audit_log(limit=200)
        ctx.auth.audit(signed_in, "read_audit")
        return JSONResponse({"audit": [
            {"at": e.at.isoformat(), "username": e.username, "action": e.action,
             "target": e.target, "detail": e.detail} for e in entries]})

    def staff_list(_: Request, signed_in: SignedIn) -> Response:
        return JSONResponse({"staff": [
            {"username": a.username, "name": a.name, "role": a.role.value,
             "disabled": a.disabled} for a in ctx.auth.store.accounts()]})

    async def staff_add(request: Request, signed_in: SignedIn) -> Response:
        body = await ctx.body_of(request)
        role = body.get("role")
        if role not in {r.value for r in Role}:
            raise InvalidRequestError("role must be agent, supervisor or admin")
        account = await asyncio.to_thread(
            ctx.auth.create_account, body.get("username"), str(body.get("name") or ""),
            Role(role), body.get("password"), signed_in.account)
        return JSONResponse({"username": account.username, "role": account.role.value},
                            status_code=201)

    def staff_change(request: Request, signed_in: SignedIn) -> Response:
        change = request.path_params["change"]
        if change not in {"disable", "enable"}:
            raise NotFoundError("no such change")
        account = ctx.auth.store.account_by_username(request.path_params["username"])
        if account is None:
            raise NotFoundError("no such staff member")
        if account.id == signed_in.account.id:
            raise InvalidRequestError("You cannot disable your own account.")
        ctx.auth.set_disabled(account, change == "disable", signed_in.account)
        return JSONResponse({"username": account.username, "disabled": change == "disable"})

    return {
        ("POST", "/console/api/logout"): logout, ("GET", "/console/api/me"): me,
        ("GET", "/console/api/audit"): audit_log, ("GET", "/console/api/staff"): staff_list,
        ("POST", "/console/api/staff"): staff_add,
        ("POST", "/console/api/staff/{username}/{change}"): staff_change,
    }
