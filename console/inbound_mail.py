"""Customers' e-mail replies, threaded back into their conversation.

An agent's e-mail (``console.mailer``) names the ticket in its Message-ID and subject. When the
customer replies, the company's mail service posts the raw message (RFC 5322, as the inbound
webhooks of Postmark, Mailgun, SendGrid or an ``aliases`` pipe to ``curl`` can) to

    POST /api/email/inbound      Authorization: Bearer $SHOPDESK_INBOUND_MAIL_SECRET
                                 body: the raw message (at most 1 MB)

The reply is accepted only when it names a ticket of the last 90 days (In-Reply-To, References
or the subject) and comes **from the address the conversation's replies went to**; its new
text (quoted history and signature cut off) joins the conversation as the customer's message,
so the agent sees it live, and if no person holds the conversation any more it goes back into
the queue. Without the secret the route answers 404: inbound e-mail is off.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from commerce.service import StoreService
from console.rasa_client import RasaClient
from shopdesk.clock import Clock
from shopdesk.errors import ShopdeskError
from shopdesk.settings import Settings

logger = logging.getLogger(__name__)
MAX_BYTES = 1_000_000
TICKET = re.compile(r"\b(H\d{6})\b")
KEPT_DAYS = 90
_QUOTE_START = re.compile(
    r"^(on .{0,200}wrote:?|-{2,} ?original message ?-{2,}|-----original message-----|"
    r"from: .+|sent from my .+|-- ?)$", re.I)


class InboundRefused(ShopdeskError):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class InboundReply:
    sender: str  # the From address, lower-case
    ticket: str
    text: str


def new_text(body: str, limit: int) -> str:
    """The reply's own words: up to the quoted history or the signature, without '>' lines."""
    kept: list[str] = []
    for line in body.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if _QUOTE_START.match(stripped):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    text = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", text)[:limit]


def parse_reply(raw: bytes, limit: int = 2000) -> InboundReply:
    """The reply in ``raw``; InboundRefused (400/422) saying what is wrong with it."""
    if not raw.strip():
        raise InboundRefused("The body is empty: post the raw e-mail message.", 400)
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception:  # the parser is lenient; anything it still cannot read is the sender's
        raise InboundRefused("The body is not an e-mail message (RFC 5322).", 400) from None
    if not isinstance(message, EmailMessage) or not message.get("From"):
        raise InboundRefused("The message has no From header.", 400)
    sender = parseaddr(str(message.get("From")))[1].strip().lower()
    if "@" not in sender:
        raise InboundRefused("The From header has no e-mail address.", 400)
    ticket = None
    for header in ("In-Reply-To", "References", "Subject"):
        found = TICKET.search(str(message.get(header) or ""))
        if found:
            ticket = found.group(1)
            break
    if ticket is None:
        raise InboundRefused("The message names no ticket (In-Reply-To, References or "
                             "Subject).", 422)
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        raise InboundRefused("The message has no plain-text part.", 422)
    try:
        body = part.get_content()
    except (LookupError, ValueError):
        raise InboundRefused("The message's text cannot be decoded.", 422) from None
    text = new_text(str(body).replace("\x00", ""), limit)
    if not text:
        raise InboundRefused("The reply has no new text (only quoted history).", 422)
    return InboundReply(sender, ticket, text)


def inbound_mail_routes(settings: Settings, store_factory: Callable[[], StoreService],
                        rasa: RasaClient, clock: Clock) -> list[Route]:
    secret = settings.inbound_mail_secret.reveal()

    def thread(reply: InboundReply) -> dict[str, object]:
        store = store_factory()
        since = clock() - timedelta(days=KEPT_DAYS)
        ticket = next((t for t in store.handoffs_between(since) if t.ticket == reply.ticket),
                      None)
        if ticket is None:
            raise InboundRefused(f"There is no ticket {reply.ticket} from the last "
                                 f"{KEPT_DAYS} days.", 404)
        tracker = rasa.tracker(ticket.sender_id)
        if tracker is None:
            raise InboundRefused("The conversation cannot be reached right now; retry later.",
                                 503)
        known = str(((tracker.get("slots") or {}).get("email")) or "").strip().lower()
        if not known or not hmac.compare_digest(known.encode(), reply.sender.encode()):
            raise InboundRefused("The reply does not come from the address this "
                                 "conversation's e-mail went to.", 403)
        event = {"event": "user", "text": reply.text, "metadata": {"via": "email"},
                 "parse_data": {"text": reply.text, "entities": [],
                                "intent": {"name": "email_reply", "confidence": 1.0}}}
        if not rasa.append(ticket.sender_id, [event]):
            raise InboundRefused("The conversation cannot be reached right now; retry later.",
                                 503)
        queued = ticket.ticket
        if store.open_handoff(ticket.sender_id) is None:  # nobody holds it: back to the queue
            queued = store.record_handoff(ticket.sender_id, "email_reply",
                                          f"E-mail reply to {ticket.ticket}").ticket
        return {"ticket": queued, "threaded": True}

    async def inbound(request: Request) -> Response:
        if not secret:
            return JSONResponse({"error": "Inbound e-mail is not set up "
                                          "(SHOPDESK_INBOUND_MAIL_SECRET)."}, status_code=404)
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {secret}".encode()):
            return JSONResponse({"error": "Missing or wrong bearer token."}, status_code=401)
        raw = await request.body()
        if len(raw) > MAX_BYTES:
            return JSONResponse({"error": f"The message is larger than {MAX_BYTES:,} bytes."},
                                status_code=413)
        try:
            reply = parse_reply(raw, settings.max_message_chars)
            answer = await asyncio.to_thread(thread, reply)
        except InboundRefused as e:
            return JSONResponse({"error": str(e)}, status_code=e.status)
        except ShopdeskError:
            logger.exception("inbound e-mail: a database is unavailable")
            return JSONResponse({"error": "The database is unavailable; retry later."},
                                status_code=503)
        logger.info("inbound e-mail threaded into ticket %s", answer["ticket"])
        return JSONResponse(answer)

    return [Route("/api/email/inbound", inbound, methods=["POST"])]
