"""What every messaging-platform channel shares (see ``bot.platforms``).

Runs inside the Rasa environment: Rasa, Sanic, aiohttp and the standard library only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import _guarded, limits, settings
from bot.platforms.delivery import Deduplicator
from shopdesk.platform_settings import PlatformConfig
from shopdesk.ratelimit import RATE_LIMITED_REPLY

logger = logging.getLogger(__name__)

UNSUPPORTED_REPLY = ("I can only read text messages here for now, so I couldn't open that "
                     "{kind}. Could you describe it in words?")
SIGNATURE_REFUSED = "The request's signature could not be verified."
PHOTO_FAILED = ("Sorry — I couldn't receive that photo. Please try sending it again in a "
                "moment, or describe the problem in words.")


@dataclass
class MediaRef:
    """A photo the platform holds for us, and how to fetch it (the credentials are the
    platform's; they never leave this process, and are not shown by ``repr``)."""

    url: str = ""                    # where to download it, or
    file_id: str = ""                # the platform's id, turned into a URL by resolve_photo
    content_type: str = ""           # what the platform says it is ("" when it does not say)
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    auth: aiohttp.BasicAuth | None = field(default=None, repr=False)


@dataclass
class Inbound:
    """One customer message as the platform delivered it."""

    delivery_id: str                 # the platform's id for this delivery (for de-duplication)
    sender: str                      # the customer's id on the platform: the conversation id
    text: str
    reply_to: dict[str, Any] = field(default_factory=dict)  # where replies go (chat, thread…)
    metadata: dict[str, Any] = field(default_factory=dict)
    unsupported: str = ""            # "sticker", "voice"…: a kind we cannot read (yet)
    photo: MediaRef | None = None    # a photo the customer sent (``text`` is its caption)


class Outbound:
    """Sends requests to a platform's API with retries and exponential back-off.

    Retried: connection errors, timeouts, 429 and 5xx (waiting ``Retry-After`` when the
    platform gives one, at most ``max_delay``), and a 4xx whose body ``refusal`` reads as
    "ratelimited". Not retried: other 4xx (the request itself is wrong). Never raises: a
    reply that cannot be delivered after every attempt is logged (platform, status and error
    code only: no token, no URL, no customer text)."""

    def __init__(self, platform: str, attempts: int = 5, base_delay: float = 0.5,
                 max_delay: float = 8.0, timeout: float = 10.0,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.platform = platform
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.timeout = timeout
        self._sleep = sleep
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(max(float(retry_after), 0.0), self.max_delay)
            except ValueError:
                pass
        return min(self.base_delay * 2 ** attempt, self.max_delay) * random.uniform(0.8, 1.2)

    async def post(self, url: str, *, json_body: Any = None, form: dict[str, str] | None = None,
                   headers: dict[str, str] | None = None, auth: aiohttp.BasicAuth | None = None,
                   refusal: Callable[[Any], str | None] | None = None,
                   what: str = "message") -> Any:
        """The platform's JSON answer, or None when it could not be delivered.

        ``refusal`` reads a 2xx answer and names the error when the platform refused in its
        body (Slack answers ``{"ok": false}`` with 200); "ratelimited" is retried."""
        problem = "no attempt"
        for attempt in range(self.attempts):
            retry_after = None
            try:
                async with self._client().post(url, json=json_body, data=form, headers=headers,
                                               auth=auth) as answer:
                    raw = await answer.read()
                    status = answer.status
                    retry_after = answer.headers.get("Retry-After")
            except (asyncio.TimeoutError, aiohttp.ClientError) as e:  # noqa: UP041 (3.10)
                problem = type(e).__name__
            else:
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {}
                if 200 <= status < 300:
                    error = refusal(body) if refusal else None
                    if not error:
                        return body
                    if error != "ratelimited":
                        logger.error("%s refused a %s: %s", self.platform, what, error[:80])
                        return None
                    problem = error
                elif status == 429 or status >= 500:
                    problem = f"HTTP {status}"
                elif refusal is not None and refusal(body) == "ratelimited":
                    problem = f"HTTP {status} (rate limited)"  # Graph API: 400 with code 4/613
                else:
                    logger.error("%s refused a %s: HTTP %s", self.platform, what, status)
                    return None
            if attempt + 1 < self.attempts:
                delay = self._delay(attempt, retry_after)
                logger.warning("%s: sending a %s failed (%s); retrying in %.1f s",
                               self.platform, what, problem, delay)
                await self._sleep(delay)
        logger.error("%s: gave up sending a %s after %d attempts (%s)", self.platform, what,
                     self.attempts, problem)
        return None


async def fetch_bytes(outbound: Outbound, ref: MediaRef, max_bytes: int) -> bytes | None:
    """The photo's bytes (at most ``max_bytes``), or None: too big, not an image, or the
    platform did not hand it over after a few tries (logged without the URL)."""
    if not ref.url.startswith(("https://", "http://")):
        return None
    for attempt in range(3):
        try:
            async with outbound._client().get(ref.url, headers=ref.headers, auth=ref.auth,
                                              allow_redirects=True) as answer:
                if answer.status == 429 or answer.status >= 500:
                    raise aiohttp.ClientError(f"HTTP {answer.status}")
                if answer.status != 200:
                    logger.warning("%s: a photo could not be fetched: HTTP %s",
                                   outbound.platform, answer.status)
                    return None
                kind = (answer.headers.get("Content-Type") or ref.content_type).lower()
                if kind and not kind.startswith(("image/", "application/octet-stream")):
                    logger.warning("%s: a media file was not an image (%s)", outbound.platform,
                                   kind.split(";")[0][:40])
                    return None
                data = bytearray()
                async for chunk in answer.content.iter_chunked(65_536):
                    data += chunk
                    if len(data) > max_bytes:
                        logger.warning("%s: a photo was over %d bytes", outbound.platform,
                                       max_bytes)
                        return None
                return bytes(data)
        except (asyncio.TimeoutError, aiohttp.ClientError) as e:  # noqa: UP041 (3.10)
            logger.warning("%s: fetching a photo failed (%s)", outbound.platform,
                           type(e).__name__)
            await outbound._sleep(outbound._delay(attempt, None))
    return None


class PhotoInbox:
    """Hands a photo to the web app, which makes it inert and keeps it with the conversation
    (``POST /api/chat/photos`` with the action server's shared secret: the service path)."""

    def __init__(self, outbound: Outbound) -> None:
        s = settings()
        host = "127.0.0.1" if s.host in {"0.0.0.0", "::"} else s.host
        self.url = f"http://{host}:{s.web_port}/api/chat/photos"
        self.secret = s.action_secret.reveal()
        self.max_bytes = s.max_photo_bytes
        self.outbound = outbound

    async def store(self, sender: str, data: bytes) -> tuple[str | None, str]:
        """(the photo's id, "") once stored, else (None, what to tell the customer)."""
        try:
            async with self.outbound._client().post(self.url, data=data, headers={
                    "Authorization": f"Bearer {self.secret}",
                    "X-Shopdesk-Conversation": sender,
                    "Content-Type": "application/octet-stream"}) as answer:
                body = await answer.json(content_type=None)
        except (asyncio.TimeoutError, aiohttp.ClientError, ValueError) as e:  # noqa: UP041
            logger.error("storing a photo failed: %s", type(e).__name__)
            return None, PHOTO_FAILED
        if answer.status == 201 and isinstance(body, dict) and isinstance(body.get("id"), str):
            return body["id"], ""
        error = body.get("error") if isinstance(body, dict) else None
        if answer.status == 400 and isinstance(error, str):
            return None, error  # the web app's plain-words reason ("not a photo", "too large")
        logger.error("storing a photo failed: HTTP %s", answer.status)
        return None, PHOTO_FAILED


class PlatformOutput(OutputChannel):
    """Output channel base: rich messages degrade to text the platform can show."""

    platform = "platform"

    @classmethod
    def name(cls) -> str:  # type: ignore[override]
        return cls.platform

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any],
                               **kwargs: Any) -> None:
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if isinstance(text, str) and text.strip():
            await self.send_text_message(recipient_id, text)
        else:  # a widget-only payload: nothing a platform customer could read
            logger.debug("%s: skipped a custom payload", self.platform)

    async def send_elements(self, recipient_id: str, elements: Iterable[dict[str, Any]],
                            **kwargs: Any) -> None:
        for element in elements:
            text = "\n".join(str(element.get(k) or "") for k in ("title", "subtitle")).strip()
            await self.send_text_with_buttons(recipient_id, text, element.get("buttons") or [])


class PlatformInput:
    """The webhook every platform channel serves (mixed into Rasa's input channel class).

    A platform module supplies ``config`` and ``outbound`` and implements
    :meth:`signature_problem`, :meth:`messages_in` and :meth:`output_for`; it may add routes in
    :meth:`extra_routes`, change :meth:`ack`, and resolve photo ids in :meth:`resolve_photo`."""

    config: PlatformConfig

    def signature_problem(self, request: Request) -> str | None:
        """None when the request really comes from the platform, else why not."""
        raise NotImplementedError

    def messages_in(self, request: Request) -> list[Inbound] | HTTPResponse:
        """The customer messages in a verified request (or an answer of its own, e.g. a
        platform's URL check). May raise on a malformed body."""
        raise NotImplementedError

    def output_for(self, item: Inbound) -> OutputChannel:
        raise NotImplementedError

    def ack(self) -> HTTPResponse:
        return response.json({"ok": True})

    def extra_routes(self, blueprint: Blueprint) -> None:
        return None

    async def resolve_photo(self, ref: MediaRef) -> MediaRef:
        """Where to download a photo the platform only names (Telegram's file ids)."""
        return ref

    async def receive_photo(self, item: Inbound) -> tuple[str | None, str]:
        """Fetch the customer's photo from the platform and store it (see :class:`PhotoInbox`)."""
        assert item.photo is not None
        inbox = PhotoInbox(self.outbound)  # type: ignore[attr-defined]
        ref = await self.resolve_photo(item.photo)
        data = await fetch_bytes(inbox.outbound, ref, inbox.max_bytes)
        if data is None:
            return None, PHOTO_FAILED
        return await inbox.store(item.sender, data)

    def platform_blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
                           ) -> Blueprint:
        name = self.config.name
        title = self.config.spec.title
        handler = _guarded(on_new_message)
        limit = limits()
        dedup = Deduplicator()
        running: set[asyncio.Task[None]] = set()
        last: dict[str, asyncio.Task[None]] = {}  # per customer: keep their messages in order
        blueprint = Blueprint(f"shopdesk_{name}_webhook", __name__)

        async def handle(item: Inbound, previous: asyncio.Task[None] | None) -> None:
            if previous is not None:
                await asyncio.wait([previous])
            output = self.output_for(item)
            try:
                if not limit.sender_allowed(f"{name}:{item.sender}"):
                    await output.send_text_message(item.sender, RATE_LIMITED_REPLY)
                elif item.unsupported:
                    await output.send_text_message(
                        item.sender, UNSUPPORTED_REPLY.format(kind=item.unsupported))
                elif item.photo is not None:
                    photo, problem = await self.receive_photo(item)
                    if photo is None:
                        await output.send_text_message(item.sender, problem)
                    else:  # the channel's guard turns it into the share_photo intent
                        await handler(UserMessage(item.text, output, item.sender,
                                                  input_channel=name,
                                                  metadata={**item.metadata, "photo": photo}))
                else:
                    await handler(UserMessage(item.text, output, item.sender,
                                              input_channel=name, metadata=item.metadata))
            except Exception as e:  # the guard already answers; this is the last net
                logger.error("%s: handling a message failed: %s", title, type(e).__name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if len(request.body or b"") > limit.max_body_bytes:
                return response.json({"error": "The body is too large."}, status=413)
            problem = self.signature_problem(request)
            if problem:
                logger.warning("%s: refused a webhook request: %s", title, problem)
                return response.json({"error": SIGNATURE_REFUSED}, status=401)
            try:
                items = self.messages_in(request)
            except Exception as e:
                logger.warning("%s: refused a malformed webhook body (%s)", title,
                               type(e).__name__)
                return response.json({"error": "The body could not be read."}, status=400)
            if isinstance(items, HTTPResponse):
                return items
            for item in items:
                if not dedup.first_time(item.delivery_id):
                    logger.info("%s: a delivery the platform retried was processed once "
                                "already; ignored", title)
                    continue
                task = asyncio.create_task(handle(item, last.get(item.sender)))
                last[item.sender] = task
                running.add(task)
                task.add_done_callback(running.discard)
                task.add_done_callback(
                    lambda t, s=item.sender: last.pop(s) if last.get(s) is t else None)
            return self.ack()

        self.extra_routes(blueprint)
        return blueprint


def platform_config(name: str) -> PlatformConfig:
    """This platform's configuration; the channel is only listed when it is switched on."""
    for config in settings().platforms:
        if config.name == name:
            return config
    raise RuntimeError(f"the {name} channel is listed in the credentials but not switched on "
                       "(see the README, Messaging platforms)")
