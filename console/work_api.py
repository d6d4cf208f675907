"""Working a conversation in the agent console: the queue, claims, the transcript, taking over,
writing to the customer (on their channel, or by e-mail), handing back, suggestions, canned
responses and the profile panel. Routes and roles: ``console.staff_api.ROUTES``."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from console.console_context import ConsoleContext
from console.conversation import transcript
from console.mailer import MailError
from console.profile_panel import profile_panel
from console.staff_auth import SignedIn
from console.staff_store import Role
from shopdesk.csat import ASK_TEXT, RATING_BUTTONS
from shopdesk.errors import InvalidRequestError, NotFoundError, ShopdeskError, StoreUnavailableError

logger = logging.getLogger(__name__)
UNREADABLE = {"error": "The conversation cannot be read right now."}


def work_handlers(ctx: ConsoleContext) -> dict[tuple[str, str], Any]:
    settings = ctx.settings

    async def queue(_: Request, signed_in: SignedIn) -> Response:
        return JSONResponse(await asyncio.to_thread(ctx.queue_json))

    def claim(request: Request, signed_in: SignedIn) -> Response:
        ticket = ctx.ticket_of(request)
        held = ctx.auth.store.claim(ticket, signed_in.account.id, ctx.clock())
        try:  # the first claim ends the ticket's measured wait (shopdesk.wait_estimate)
            ctx.store.handoff_claimed(ticket)
        except ShopdeskError as e:
            logger.warning("the wait of %s was not recorded: %s", ticket, type(e).__name__)
        ctx.queue_changed()
        ctx.auth.audit(signed_in, "claim", ticket)
        return JSONResponse({"ticket": ticket, "claimed_by": signed_in.account.username,
                             "claimed_at": held.claimed_at.isoformat()})

    def release(request: Request, signed_in: SignedIn) -> Response:
        ticket = ctx.ticket_of(request)
        held = ctx.auth.store.claims().get(ticket)
        if held is None:
            raise NotFoundError(f"ticket {ticket} is not claimed")
        if held.account_id != signed_in.account.id and \
                not signed_in.account.role.at_least(Role.SUPERVISOR):
            return JSONResponse({"error": "Only the agent who claimed it, or a supervisor, can "
                                          "release it."}, status_code=403)
        ctx.auth.store.release(ticket)
        ctx.queue_changed()
        ctx.auth.audit(signed_in, "release", ticket)
        return JSONResponse({"ticket": ticket, "claimed_by": None})

    def conversation(request: Request, signed_in: SignedIn) -> Response:
        found = ctx.conversation_json(request.path_params["ticket"], signed_in)
        return JSONResponse(found) if found is not None else \
            JSONResponse(UNREADABLE, status_code=503)

    def profile(request: Request, signed_in: SignedIn) -> Response:
        ticket, sender = ctx.held_ticket(request, signed_in)
        tracker = ctx.rasa.tracker(sender) or {}
        panel = profile_panel(ctx.profiles(), ctx.store, sender,
                              tracker.get("latest_input_channel"))
        ctx.auth.audit(signed_in, "read_profile", ticket)
        return JSONResponse(panel)

    def takeover(request: Request, signed_in: SignedIn) -> Response:
        ticket, sender = ctx.held_ticket(request, signed_in)
        ctx.say(sender, signed_in, f"Hi, I'm {signed_in.account.name} from the "
                f"{settings.store_name} team — I've read your conversation and I'm taking it "
                "from here.", {"event": "pause"})
        ctx.auth.audit(signed_in, "takeover", ticket)
        return JSONResponse({"ticket": ticket, "paused": True})

    async def message(request: Request, signed_in: SignedIn) -> Response:
        ticket, sender = ctx.held_ticket(request, signed_in)
        text = (await ctx.body_of(request)).get("text")
        if not isinstance(text, str) or not text.strip():
            raise InvalidRequestError("Write a message first.")
        if len(text) > 4000:
            raise InvalidRequestError("A message can have at most 4,000 characters.")
        await asyncio.to_thread(ctx.say, sender, signed_in, text.strip())
        await asyncio.to_thread(ctx.remember_answer, sender, signed_in, text.strip())
        ctx.auth.audit(signed_in, "message", ticket)
        return JSONResponse({"ticket": ticket, "sent": True})

    async def email(request: Request, signed_in: SignedIn) -> Response:
        ticket, sender = ctx.held_ticket(request, signed_in)
        text = (await ctx.body_of(request)).get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > 8000:
            raise InvalidRequestError("Write the e-mail first (at most 8,000 characters).")
        if not ctx.mailer.enabled:
            raise InvalidRequestError("E-mail is not set up (SHOPDESK_SMTP_HOST).")
        tracker = await asyncio.to_thread(ctx.rasa.tracker, sender)
        address = ((tracker or {}).get("slots") or {}).get("email")
        if not isinstance(address, str) or "@" not in address:
            raise InvalidRequestError("This customer has not given an e-mail address.")
        letter = (f"{text.strip()}\n\n— {signed_in.account.name}, {settings.store_name}\n"
                  f"(ticket {ticket}; you can also chat with us at {settings.web_public_url})")
        try:
            await asyncio.to_thread(ctx.mailer.send, address,
                                    f"Your conversation with {settings.store_name} "
                                    f"(ticket {ticket})", letter, ticket)
        except MailError as e:
            logger.error("e-mail for %s: %s", ticket, e)
            return JSONResponse({"error": f"{e}; nothing was sent."}, status_code=502)
        await asyncio.to_thread(  # the answer threads back into the conversation
            ctx.say, sender, signed_in, f"(Sent by e-mail) {text.strip()}")
        ctx.auth.audit(signed_in, "email", ticket)
        return JSONResponse({"ticket": ticket, "emailed": True})

    def handback(request: Request, signed_in: SignedIn) -> Response:
        ticket, sender = ctx.held_ticket(request, signed_in)
        events: list[dict[str, Any]] = [
            {"event": "resume"},
            {"event": "bot", "text": f"Thanks for your patience. You're back with "
                                     f"{settings.widget.name}, our assistant — ask me anything "
                                     "else, or for a person again at any time.",
             "metadata": {"handback": True}},
            {"event": "bot", "text": ASK_TEXT, "data": {"buttons": RATING_BUTTONS},
             "metadata": {"handback": True}}]
        if not ctx.rasa.append(sender, events):
            raise StoreUnavailableError("Rasa did not take the handback")
        ctx.store.close_handoff(ticket)
        ctx.auth.store.release(ticket)
        ctx.queue_changed()
        ctx.auth.audit(signed_in, "handback", ticket)
        return JSONResponse({"ticket": ticket, "paused": False})

    def suggestions(request: Request, signed_in: SignedIn) -> Response:
        _, sender = ctx.held_ticket(request, signed_in)
        tracker = ctx.rasa.tracker(sender)
        if tracker is None:
            return JSONResponse(UNREADABLE, status_code=503)
        seen = transcript(tracker)
        said = [line["text"] for line in seen["lines"] if line["from"] == "customer"]
        staff = ctx.auth.store
        found = ctx.assistant.suggest(said, seen["mood"], usage_counts=staff.suggestion_counts())
        for suggestion in found:
            staff.count_suggestion(suggestion.id, used=False)
        return JSONResponse({"mood": seen["mood"], "suggestions": [s.to_json() for s in found]})

    async def suggestion_used(request: Request, signed_in: SignedIn) -> Response:
        ticket, _ = ctx.held_ticket(request, signed_in)
        pair_id = (await ctx.body_of(request)).get("id")
        if not isinstance(pair_id, str) or not 0 < len(pair_id) <= 120:
            raise InvalidRequestError("id must be the suggestion's id")
        ctx.auth.store.count_suggestion(pair_id, used=True)
        ctx.auth.audit(signed_in, "used_suggestion", ticket, pair_id)
        return JSONResponse({"counted": True})

    def canned(_: Request, signed_in: SignedIn) -> Response:
        fill = {"{name}": signed_in.account.name, "{store}": settings.store_name}
        items = []
        for item in ctx.assistant.canned:
            text = item["text"]
            for key, value in fill.items():
                text = text.replace(key, value)
            items.append({"shortcut": item["shortcut"], "text": text})
        return JSONResponse({"canned": items})

    return {
        ("GET", "/console/api/queue"): queue,
        ("POST", "/console/api/queue/{ticket}/claim"): claim,
        ("POST", "/console/api/queue/{ticket}/release"): release,
        ("GET", "/console/api/queue/{ticket}/conversation"): conversation,
        ("POST", "/console/api/queue/{ticket}/takeover"): takeover,
        ("POST", "/console/api/queue/{ticket}/message"): message,
        ("POST", "/console/api/queue/{ticket}/email"): email,
        ("POST", "/console/api/queue/{ticket}/handback"): handback,
        ("GET", "/console/api/queue/{ticket}/suggestions"): suggestions,
        ("POST", "/console/api/queue/{ticket}/suggestions/used"): suggestion_used,
        ("GET", "/console/api/queue/{ticket}/profile"): profile,
        ("GET", "/console/api/canned"): canned,
    }
