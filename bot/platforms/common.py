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


@dataclass
class Inbound:
    """One customer message as the platform delivered it."""

    delivery_id: str                 # the platform's id for this delivery (for de-duplication)
    sender: str                      # the customer's id on the platform: the conversation id
    text: str
    reply_to: dict[str, Any] = field(default_factory=dict)  # where replies go (chat, thread…)
    metadata: dict[str, Any] = field(default_factory=dict)
    unsupported: str = ""            # "photo", "sticker"…: a kind we cannot read (yet)


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

    A platform module supplies ``config`` and implements :meth:`signature_problem`, :meth:`messages_in` and
    :meth:`output_for`; it may add routes in :meth:`extra_routes` and change :meth:`ack`."""

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
