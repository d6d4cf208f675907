"""Input channels that guarantee the customer always gets an answer.

They are Rasa's REST and socket.io channels (same names, same URLs, same
payloads) with one guard in front of the message processor:

* control characters are removed, empty messages get a prompt without
  bothering the dialogue engine, very long messages are cut at a word boundary
  (and the customer is told);
* messages clearly in another language become the ``non_english`` intent, which
  gets an "English only for now" reply with the offer of a person;
* if processing produced no reply at all (the action server is down, an action
  crashed, the model failed) the customer gets a clear "I'm having trouble"
  message instead of silence — unless a person has taken the conversation over
  (the agent console pauses the bot; the agent answers);
* a customer identity signed by the company's website is verified here, before anything
  else sees it (``shopdesk.identity``): the actions only ever read a verified one.

The socket.io channel also refuses browsers on sites that are not in
``SHOPDESK_WIDGET_ORIGINS`` and ties each socket to the one conversation it asked for.

Runs inside the Rasa environment: imports only Rasa and the standard library
(plus ``shopdesk.settings``, ``shopdesk.identity`` and ``shopdesk.language``, which are
standard library only).
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from shopdesk.identity import checked_metadata
from shopdesk.language import looks_non_english
from shopdesk.ratelimit import RATE_LIMITED_REPLY, RateLimiter
from shopdesk.settings import Settings, origin_allowed

logger = logging.getLogger(__name__)

EMPTY_REPLY = "I didn't catch any text there. What can I help you with today?"
TRUNCATED_NOTE = (
    "That's a long message — I've read the first {limit:,} characters. "
    "If I miss something important, please send it as a separate message."
)
TROUBLE_REPLY = (
    "Sorry, I'm having trouble reaching our systems right now, so I can't answer that. "
    "Nothing you've told me is lost — please try again in a few minutes. If it's urgent, "
    "email help@pinecrest.example and a person will reply."
)
STALE_SESSION_REPLY = ("This chat window lost its connection to the conversation. Please "
                       "reload the page to carry on.")
ORIGIN_REFUSED = "This website is not allowed to use the chat."
NON_ENGLISH_INTENT = "non_english"
PHOTO_INTENT = "share_photo"
_PHOTO_ID = re.compile(r"P[0-9A-F]{16}")
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
MAX_SENDER_CHARS = 128
REST_SHAPE = '{"sender": "<your id for this customer>", "message": "<their text>"}'
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: Any) -> str:
    """Printable, normalised text: control and bidi-override characters removed."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = unicodedata.normalize("NFC", text)
    return _CONTROL.sub(" ", text).strip()


def truncate(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(), True


class CountingOutputChannel(OutputChannel):
    """Passes every message through to the real channel and counts them."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> str:  # type: ignore[override]
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.sent += 1
        await self.inner.send_text_message(recipient_id, text, **kwargs)


async def _tracker(sender: str) -> Any:
    from sanic import Sanic

    return await Sanic.get_app().ctx.agent.tracker_store.retrieve(sender)


async def unread_from_people(sender: str) -> list[dict[str, Any]]:
    """What a person in the agent console told this customer since their last message: a REST
    client has no connection we could push it on, so it is returned with their next request
    (the agent's messages, the takeover and the handback, with their buttons) — and the rating
    question the web app asked when the conversation went quiet (marked ``csat``)."""
    try:
        tracker = await _tracker(sender)
    except Exception as e:
        logger.debug("could not read a conversation's unread messages: %s", type(e).__name__)
        return []
    if tracker is None:
        return []
    unread: list[dict[str, Any]] = []
    for event in reversed(list(tracker.events)):
        kind = getattr(event, "type_name", "")
        if kind == "user":
            break
        metadata = getattr(event, "metadata", None) or {}
        if kind == "bot" and (metadata.get("agent") or metadata.get("handback")
                              or metadata.get("csat")):
            message = {"text": event.text, **{k: v for k, v in (event.data or {}).items()
                                              if k in {"buttons", "image", "attachment"} and v}}
            unread.insert(0, message)
    return unread


async def conversation_paused(sender: str) -> bool:
    """Whether a person has taken the conversation over (Rasa's ``pause`` event, appended by
    the agent console): the bot stays quiet then, and that silence is not a failure."""
    try:
        tracker = await _tracker(sender)
    except Exception as e:  # no app or no store: not paused, as far as we can tell
        logger.debug("could not read whether a conversation is paused: %s", type(e).__name__)
        return False
    return bool(tracker is not None and tracker.is_paused())


def guard(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], limit: int,
    identity_secret: str = "",
    is_paused: Callable[[str], Awaitable[bool]] = conversation_paused,
) -> Callable[[UserMessage], Awaitable[None]]:
    """Wrap Rasa's message handler with input cleaning, identity verification and the
    never-silent rule."""

    async def guarded(message: UserMessage) -> None:
        output = message.output_channel
        sender = message.sender_id
        text = clean_text(message.text)
        photo = message.metadata.get("photo") if isinstance(message.metadata, dict) else None
        photo = photo if isinstance(photo, str) and _PHOTO_ID.fullmatch(photo) else None
        if not text and not photo:
            await output.send_text_message(sender, EMPTY_REPLY)
            return
        text, was_cut = truncate(text, limit)
        if was_cut:
            await output.send_text_message(sender, TRUNCATED_NOTE.format(limit=limit))
        if str(message.input_channel) == "rest":
            for unread in await unread_from_people(sender):
                await output.send_response(sender, dict(unread))
        counting = CountingOutputChannel(output)
        metadata = checked_metadata(message.metadata, str(message.input_channel),
                                    identity_secret)
        if was_cut:
            metadata["truncated"] = True
        metadata.pop("photo", None)
        if photo:
            # a photo the widget uploaded (console/photos_api.py): its action checks that it
            # belongs to this conversation; a caption stays in the metadata for the agent
            metadata["photo"] = photo
            if text:
                metadata["original_text"] = text
            text = f"/{PHOTO_INTENT}"
        elif looks_non_english(text):
            # Our NLU is English-only: say so instead of guessing an intent. The customer's
            # own words stay in the event's metadata for the person who takes over.
            metadata["original_text"] = text
            text = f"/{NON_ENGLISH_INTENT}"
        message.text = text
        message.output_channel = counting
        message.metadata = metadata
        try:
            await on_new_message(message)
        except Exception as e:  # never let the customer see silence or a stack trace
            logger.error("message processing failed for a %s message: %s", message.input_channel,
                         type(e).__name__)
        if counting.sent == 0 and not await is_paused(sender):
            logger.warning("no reply was produced; sending the trouble message")
            await output.send_text_message(sender, TROUBLE_REPLY)

    return guarded


def rest_body_error(body: Any) -> str | None:
    """Why a REST webhook body cannot be accepted, or None when it can.

    A missing sender would put the message into Rasa's shared ``default`` conversation, where
    every client that forgot it talks inside the others' conversation; a message that is not a
    string would be dropped in silence. Both are refused with a reason instead.
    """
    if not isinstance(body, dict):
        return f"The body must be a JSON object: {REST_SHAPE}."
    sender = body.get("sender")
    if sender is None:
        return ('"sender" is required: a stable id you choose for each customer\'s conversation '
                f"(1-{MAX_SENDER_CHARS} characters). Without it, different customers would share "
                "one conversation.")
    if (not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS
            or _CONTROL.search(sender)):
        return (f'"sender" must be a non-empty string of at most {MAX_SENDER_CHARS} printable '
                "characters.")
    if not isinstance(body.get("message"), str):
        return f'"message" must be a string (the customer\'s text): {REST_SHAPE}.'
    if body.get("metadata") is not None and not isinstance(body.get("metadata"), dict):
        return '"metadata", when given, must be a JSON object.'
    return None


class Limits:
    """The per-conversation and per-IP rate limits, shared by both channels of this process."""

    def __init__(self, settings: Settings) -> None:
        self.sender = RateLimiter(settings.rate_per_sender)
        self.ip = RateLimiter(settings.rate_per_ip)
        self.max_body_bytes = settings.max_body_bytes
        self.max_message_chars = settings.max_message_chars

    def check(self, ip: str, sender: str | None) -> float:
        """0 when the request may go ahead, else the seconds to wait."""
        allowed, wait = self.ip.allow(ip or "?")
        which = "per IP address"
        if allowed and sender is not None:
            allowed, wait = self.sender.allow(sender)
            which = "per conversation"
        if allowed:
            return 0.0
        logger.warning("rate limit: refused a message (%s)", which)
        return max(wait, 0.5)

    def sender_allowed(self, sender: str) -> bool:
        """The per-conversation limit alone (a platform's webhook calls all come from the
        platform's own addresses, so the per-IP limit does not apply to them)."""
        allowed, _ = self.sender.allow(sender)
        if not allowed:
            logger.warning("rate limit: refused a message (per conversation)")
        return allowed


@functools.cache
def settings() -> Settings:
    """This process's settings, read once (Rasa builds each channel from its credentials)."""
    return Settings.from_env()


@functools.cache
def limits() -> Limits:
    return Limits(settings())


def _guarded(on_new_message: Callable[[UserMessage], Awaitable[Any]]
             ) -> Callable[[UserMessage], Awaitable[None]]:
    return guard(on_new_message, settings().max_message_chars,
                 settings().identity_secret.reveal())


class GuardedRestInput(RestInput):
    """Rasa's REST channel (``/webhooks/rest/webhook``) behind the guard."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(_guarded(on_new_message))
        limit = limits()

        @blueprint.middleware("request")
        async def refuse_malformed(request: Request) -> Any:
            if request.method != "POST" or not request.path.rstrip("/").endswith("/webhook"):
                return None
            if len(request.body or b"") > limit.max_body_bytes:
                return response.json(
                    {"error": f"The body is larger than {limit.max_body_bytes:,} bytes "
                              "(SHOPDESK_MAX_BODY_BYTES); messages are at most "
                              f"{limit.max_message_chars:,} characters."},
                    status=413)
            try:
                body = request.json
            except Exception:  # sanic raises on a body that is not JSON
                body = None
                problem = f"The body must be JSON: {REST_SHAPE}."
            else:
                problem = rest_body_error(body)
            wait = limit.check(request.remote_addr or request.ip,
                               None if problem else f"rest:{body['sender']}")
            if wait:
                return response.json({"error": RATE_LIMITED_REPLY,
                                      "retry_after_seconds": round(wait, 1)},
                                     status=429, headers={"Retry-After": str(int(wait + 0.999))})
            if problem:
                logger.info("refused a malformed REST message: %s", problem.split(":")[0])
                return response.json({"error": problem}, status=400)
            return None

        return blueprint


class GuardedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel (used by the website widget) behind the guard.

    Rasa 3.6 turns python-socketio's origin check off (``cors_allowed_origins=[]``), so any
    website could open a socket to it; here a browser connection from an origin that is not
    in ``SHOPDESK_WIDGET_ORIGINS`` is refused (clients that send no Origin, or the Rasa
    server's own, are not a browser on another site and are let through). Rasa's handlers
    are replaced: ``session_request``
    (Rasa 3.6 forgets to await ``enter_room`` with python-socketio 5, so replies never reach
    the page; we also refuse malformed session ids and remember which conversation each
    socket asked for) and the user-message handler (malformed payloads get a reply instead
    of an exception, and a socket can only write into its own conversation).
    """

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(_guarded(on_new_message))
        sio = self.sio
        assert sio is not None
        namespace = self.namespace or "/"
        rasa_connect = sio.handlers[namespace]["connect"]
        rasa_handle_message = sio.handlers[namespace][self.user_message_evt]
        allowed = set(settings().widget_origins)
        limit = limits()
        sio.eio.max_http_buffer_size = limit.max_body_bytes  # one packet, not 1 MB
        sessions: dict[str, str] = {}  # socket id -> the conversation it asked for
        addresses: dict[str, str] = {}  # socket id -> the client's IP address

        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
            origin = str(environ.get("HTTP_ORIGIN") or "")
            own = str(environ.get("HTTP_HOST") or "").lower()  # same origin as Rasa itself
            if origin and not origin_allowed(origin, allowed) \
                    and origin.lower().split("://", 1)[-1] != own:
                logger.warning("refused a socket.io connection from %s: not in "
                               "SHOPDESK_WIDGET_ORIGINS", origin[:100])
                raise SocketRefused(ORIGIN_REFUSED)
            addresses[sid] = str(environ.get("REMOTE_ADDR") or "")
            return bool(await rasa_connect(sid, environ, auth))

        async def disconnect(sid: str, *_: Any) -> None:
            sessions.pop(sid, None)
            addresses.pop(sid, None)

        async def session_request(sid: str, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = (requested if isinstance(requested, str) and _SESSION_ID.fullmatch(requested)
                          else uuid.uuid4().hex)
            sessions[sid] = session_id  # before any await: a message may follow at once
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        async def handle_message(sid: str, data: Any) -> None:
            if (not isinstance(data, dict) or not isinstance(data.get("session_id", ""), str)
                    or not isinstance(data.get(self.metadata_key) or {}, dict)):
                await sio.emit(self.bot_message_evt, {"text": EMPTY_REPLY}, room=sid,
                               namespace=namespace)
                return
            if self.session_persistence and data.get("session_id") != sessions.get(sid):
                # only the conversation this socket asked for (session_request) is its own
                await sio.emit(self.bot_message_evt, {"text": STALE_SESSION_REPLY}, room=sid,
                               namespace=namespace)
                return
            if limit.check(addresses.get(sid, ""), f"socketio:{data.get('session_id') or sid}"):
                await sio.emit(self.bot_message_evt, {"text": RATE_LIMITED_REPLY}, room=sid,
                               namespace=namespace)
                return
            await rasa_handle_message(sid, data)

        sio.on("connect", connect, namespace=namespace)
        sio.on("disconnect", disconnect, namespace=namespace)
        sio.on("session_request", session_request, namespace=namespace)
        sio.on(self.user_message_evt, handle_message, namespace=namespace)
        return blueprint
