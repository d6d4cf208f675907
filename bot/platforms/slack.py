"""Slack: Rasa's ``SlackInput`` with the signing-secret check, de-duplication and retries.

Slack posts to ``/webhooks/slack/webhook``: Events API callbacks as JSON (``url_verification``
when the Request URL is set, then ``event_callback`` envelopes) and button presses as
Interactivity requests (form-encoded ``payload=<json>``, type ``block_actions``). Every request
is signed with the app's signing secret (``X-Slack-Signature`` over the timestamp and raw body,
``X-Slack-Request-Timestamp`` at most five minutes off our clock); an unsigned, wrongly signed
or stale request is refused before its body is read, the URL check included.

What Rasa's channel does not do and this one does: the timestamp is read from an injected
clock; Slack's re-sends of an event (``X-Slack-Retry-Num``, same ``event_id``) and of a button
press are processed once; the webhook answers at once and the turn runs in the background;
replies go through one sender with retries (HTTP 429 with ``Retry-After``, 5xx, and Slack's
``{"ok": false, "error": "ratelimited"}``); Slack's link markup (``<mailto:a@b.c|a@b.c>``) is
turned back into what the customer typed; buttons become Block Kit ``actions`` (at most 25 a
block, titles cut to 75 characters), and a typed answer ("2", or a button's title) picks the
button too.

Photos: a message (``file_share``) whose ``files`` hold an image (``mimetype`` ``image/…``)
is received: the first image is downloaded from its ``url_private_download`` (or
``url_private``) and handed to the web app, and the message's text is its caption. Slack
only hands private files to a request with the bot token (``Authorization: Bearer xoxb-…``,
scope ``files:read`` on the app), so the token goes in that header, and only to Slack's file
host (``https://files.slack.com``) or the API's own host (a test double): never to another
address an event names. An image over ``max_photo_bytes`` is fetched as Slack's largest
thumbnail instead (``thumb_1024``…``thumb_360``, JPEG or PNG renderings), when it has one.
Other files (PDFs, videos, voice clips), and files whose event names no URL (Slack Connect's
``file_access: check_file_info``), with no text still get the clear "unsupported" reply.

The conversation id is the Slack user id. Direct messages (``channel_type`` "im") and
mentions of the app in a channel (``app_mention``, the mention stripped) are read; the bot's
own messages and edits, joins and other message subtypes are not. Replies go to the Slack
conversation the customer last wrote in; with none known (e.g. a message pushed through
Rasa's API), to the user id, which Slack delivers in the app's direct-message conversation.
"""

from __future__ import annotations

import json
import logging
import re
from collections import OrderedDict
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rasa.core.channels.slack import SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import settings
from bot.platforms.common import (
    Inbound,
    MediaRef,
    Outbound,
    PlatformInput,
    PlatformOutput,
    platform_config,
)
from bot.platforms.delivery import ButtonMemory, split_text
from bot.platforms.signatures import slack_problem
from shopdesk.clock import Clock, system_clock
from shopdesk.platform_settings import PlatformConfig

logger = logging.getLogger(__name__)

MAX_TEXT = 3000          # a section block's text; also the size of each plain message
MAX_BUTTON_TITLE = 75    # a button's plain_text
MAX_BUTTON_VALUE = 2000  # a button's value
MAX_BUTTONS = 25         # elements in one actions block
MAX_BLOCKS = 50          # blocks in one message
_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
FILE_HOSTS = frozenset({"files.slack.com"})  # where Slack serves url_private(_download)
THUMBS = ("thumb_1024", "thumb_960", "thumb_720", "thumb_480", "thumb_360")


def _escape(text: str) -> str:
    """Text for a Slack ``mrkdwn`` field: the three characters Slack reserves, escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str, strip_users: set[str]) -> str:
    """What the customer typed, from Slack's markup: ``<mailto:a@b.c|a@b.c>`` → ``a@b.c``,
    ``<https://x|x>`` → ``x``, ``<#C1|general>`` → ``#general``, ``<@U1>`` → ``@U1`` (or
    nothing for the mentions in ``strip_users``: the app itself), entities unescaped."""
    def unlink(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return "" if target[1:] in strip_users else f"@{label or target[1:]}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):  # <!here>, <!channel>, <!date…|label>
            return label or f"@{target[1:].split('^')[0]}"
        if label:
            return label
        return target[len("mailto:"):] if target.startswith("mailto:") else target

    text = _LINK.sub(unlink, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _file_kind(files: list[Any]) -> str:
    kinds = [str(f.get("mimetype") or "") for f in files if isinstance(f, dict)]
    for prefix, kind in (("image/", "photo"), ("video/", "video"), ("audio/", "audio")):
        if any(k.startswith(prefix) for k in kinds):
            return kind
    return "file"


def _first_image(files: Any) -> dict[str, Any] | None:
    """The first image among a message's files (Slack lists them in the order shared)."""
    for f in files if isinstance(files, list) else []:
        if isinstance(f, dict) and str(f.get("mimetype") or "").lower().startswith("image/"):
            return f
    return None


def _refusal(body: Any) -> str | None:
    if isinstance(body, dict) and body.get("ok") is True:
        return None
    return str(body.get("error") or "not ok") if isinstance(body, dict) else "not ok"


class Conversations:
    """The Slack conversation each customer last wrote in (bounded: the least recently
    active customers are forgotten, and replies to them go to their direct messages)."""

    def __init__(self, max_senders: int = 100_000) -> None:
        self.max_senders = max_senders
        self._where: OrderedDict[str, dict[str, str]] = OrderedDict()

    def remember(self, sender: str, where: dict[str, str]) -> None:
        self._where.pop(sender, None)
        self._where[sender] = where
        while len(self._where) > self.max_senders:
            self._where.popitem(last=False)

    def get(self, sender: str) -> dict[str, str]:
        return self._where.get(sender) or {}


class SlackOutput(PlatformOutput):
    platform = "slack"

    def __init__(self, config: PlatformConfig, outbound: Outbound, buttons: ButtonMemory,
                 conversations: Conversations, where: dict[str, str] | None = None) -> None:
        self.url = f"{config.api_url}/chat.postMessage"
        self.headers = {"Authorization": f"Bearer {config.secret('SLACK_BOT_TOKEN')}"}
        self.outbound = outbound
        self.buttons = buttons
        self.conversations = conversations
        self.where = where

    def _target(self, recipient_id: str) -> dict[str, str]:
        where = self.where or self.conversations.get(recipient_id)
        target = {"channel": where.get("channel") or recipient_id}
        if where.get("thread_ts"):
            target["thread_ts"] = where["thread_ts"]
        return target

    async def _send(self, recipient_id: str, text: str,
                    offer: list[tuple[str, str]] | None = None) -> None:
        target = self._target(recipient_id)
        pieces = split_text(text, MAX_TEXT) or ["…"]
        for i, piece in enumerate(pieces):
            body: dict[str, Any] = {**target, "text": _escape(piece)}
            if offer and i == len(pieces) - 1:
                body["blocks"] = self._blocks(piece, offer)
            await self.outbound.post(self.url, json_body=body, headers=self.headers,
                                     refusal=_refusal)

    @staticmethod
    def _blocks(text: str, offer: list[tuple[str, str]]) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": _escape(text)}}]
        elements = []
        for i, (title, payload) in enumerate(offer):
            value = payload if len(payload) <= MAX_BUTTON_VALUE else f"btn:{i}"
            short = title if len(title) <= MAX_BUTTON_TITLE else title[:MAX_BUTTON_TITLE - 1] + "…"
            elements.append({"type": "button", "action_id": f"btn:{i}", "value": value,
                             "text": {"type": "plain_text", "text": short, "emoji": True}})
        for start in range(0, len(elements), MAX_BUTTONS):
            if len(blocks) == MAX_BLOCKS:
                break  # over 1,200 buttons: the rest can still be typed
            blocks.append({"type": "actions", "block_id": f"buttons:{start // MAX_BUTTONS}",
                           "elements": elements[start:start + MAX_BUTTONS]})
        return blocks

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text)

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        await self._send(recipient_id, text, self.buttons.remember(recipient_id, buttons))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, image)  # Slack unfurls the link


class SlackChannel(PlatformInput, SlackInput):
    """Slack channel (``/webhooks/slack/webhook``)."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SlackChannel:
        return cls(platform_config("slack"))

    def __init__(self, config: PlatformConfig, outbound: Outbound | None = None,
                 clock: Clock = system_clock) -> None:
        super().__init__(config.secret("SLACK_BOT_TOKEN"), None,
                         slack_signing_secret=config.secret("SLACK_SIGNING_SECRET"))
        self.config = config
        self.outbound = outbound or Outbound("Slack")
        self.clock = clock
        self.buttons = ButtonMemory()
        self.conversations = Conversations()

    def signature_problem(self, request: Request) -> str | None:
        return slack_problem(self.config.secret("SLACK_SIGNING_SECRET"),
                             request.headers.get("X-Slack-Request-Timestamp") or "",
                             request.headers.get("X-Slack-Signature") or "",
                             request.body or b"", self.clock().timestamp())

    def messages_in(self, request: Request) -> list[Inbound] | HTTPResponse:
        kind = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            form = parse_qs((request.body or b"").decode("utf-8"), strict_parsing=True)
            if "payload" not in form:
                if form.get("ssl_check"):  # Slack checking our certificate
                    return self.ack()
                raise ValueError("no payload")
            return self._interaction(json.loads(form["payload"][-1]))
        if kind != "application/json":
            raise ValueError("neither JSON nor a form")
        body = json.loads(request.body or b"")
        if not isinstance(body, dict):
            raise ValueError("not a Slack request")
        if body.get("type") == "url_verification":
            challenge = body.get("challenge")
            if not isinstance(challenge, str):
                raise ValueError("no challenge")
            return response.json({"challenge": challenge})
        if body.get("type") != "event_callback":
            return []  # app_rate_limited and the like: nothing a customer said
        return self._event(body)

    def _event(self, body: dict[str, Any]) -> list[Inbound]:
        event, event_id = body.get("event"), body.get("event_id")
        if not isinstance(event, dict) or not isinstance(event_id, str) or not event_id:
            raise ValueError("not an event callback")
        sender, channel = event.get("user"), event.get("channel")
        if not isinstance(sender, str) or not _USER_ID.fullmatch(sender):
            return []
        if event.get("bot_id") or not isinstance(channel, str) or not channel:
            return []  # our own messages (and other apps')
        if event.get("type") == "message":
            if event.get("channel_type") != "im" or event.get("subtype") not in {None,
                                                                                 "file_share"}:
                return []  # edits, deletions, joins…; other channels only by a mention
        elif event.get("type") != "app_mention":
            return []
        where = {"channel": channel}
        if event.get("type") == "app_mention" and isinstance(event.get("thread_ts"), str):
            where["thread_ts"] = event["thread_ts"]  # a mention in a thread is answered there
        self.conversations.remember(sender, where)
        delivery = f"slack:event:{event_id}"
        app = {a.get("user_id") for a in body.get("authorizations") or []
               if isinstance(a, dict)} | set(body.get("authed_users") or [])
        raw = event.get("text")
        text = _plain(raw, {str(u) for u in app if u}) if isinstance(raw, str) else ""
        if event.get("type") == "app_mention":
            text = re.sub(r"^\s*@[UW][A-Z0-9]{2,}\s*", "", text)  # the app, when not named
        files = event.get("files")
        image = _first_image(files)
        if image is not None:
            photo = self._photo(image)
            if photo is not None:
                return [Inbound(delivery, sender, text, reply_to=where, photo=photo)]
        if not text and isinstance(files, list) and files:
            return [Inbound(delivery, sender, "", reply_to=where,
                            unsupported=_file_kind(files))]
        if not text:
            return []
        return [Inbound(delivery, sender, self.buttons.reply_payload(sender, text) or text,
                        reply_to=where)]

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.config.secret('SLACK_BOT_TOKEN')}"}

    def _trusted(self, url: str) -> bool:
        """Whether the bot token may go to ``url``: Slack's file host over HTTPS, or the
        host the Web API is configured at (``SHOPDESK_SLACK_API_URL``: a test double)."""
        try:
            where, api = urlsplit(url), urlsplit(self.config.api_url)
        except ValueError:
            return False
        if where.username or where.password:
            return False
        if where.scheme == "https" and (where.hostname or "").lower() in FILE_HOSTS:
            return True
        return (where.scheme, where.netloc.lower()) == (api.scheme, api.netloc.lower())

    def _photo(self, image: dict[str, Any]) -> MediaRef | None:
        """How to download a shared image (None: not one we can fetch; the customer then gets
        the "unsupported" reply). The download carries the bot token (scope ``files:read``)."""
        kind = str(image.get("mimetype") or "").lower()
        url = image.get("url_private_download") or image.get("url_private")
        if not isinstance(url, str) or not url:
            return None
        size = image.get("size")
        if isinstance(size, int) and size > settings().max_photo_bytes:
            thumb = next((image[t] for t in THUMBS if isinstance(image.get(t), str)
                          and image[t]), None)
            if thumb is not None:  # Slack's rendering of it, well under the limit
                url, kind = thumb, ""
        if not self._trusted(url):
            logger.warning("Slack: a shared file is not on Slack's file host; not fetched")
            return MediaRef()  # nothing to fetch: the customer is asked to try again
        return MediaRef(url=url, content_type=kind, headers=self._headers())

    def _interaction(self, payload: Any) -> list[Inbound]:
        if not isinstance(payload, dict):
            raise ValueError("not an interaction")
        if payload.get("type") != "block_actions":
            return []  # shortcuts, modals…: nothing this app offers
        user = payload.get("user") or {}
        actions = payload.get("actions")
        sender = user.get("id") if isinstance(user, dict) else None
        if not isinstance(sender, str) or not _USER_ID.fullmatch(sender) or not isinstance(
                actions, list) or not actions or not isinstance(actions[0], dict):
            raise ValueError("not a button press")
        action = actions[0]
        value = action.get("value")
        if action.get("type") != "button" or not isinstance(value, str) or not value:
            return []  # a link button, or a control we never send
        container = payload.get("container") or {}
        if not isinstance(action.get("action_ts"), str) or not isinstance(container, dict):
            raise ValueError("a button press without its time")
        channel = (payload.get("channel") or {}).get("id") or container.get("channel_id")
        where = self.conversations.get(sender)
        if isinstance(channel, str) and channel:
            where = {"channel": channel}
            thread = container.get("thread_ts")
            if isinstance(thread, str) and thread:
                where["thread_ts"] = thread
            self.conversations.remember(sender, where)
        delivery = (f"slack:action:{container.get('message_ts')}:{action.get('action_ts')}:"
                    f"{sender}")
        text = self.buttons.token_payload(sender, value) or value
        return [Inbound(delivery, sender, text, reply_to=where, metadata={"button": True})]

    def ack(self) -> HTTPResponse:
        return response.text("", status=200)  # Slack wants a 200 within three seconds

    def output_for(self, item: Inbound) -> SlackOutput:
        return SlackOutput(self.config, self.outbound, self.buttons, self.conversations,
                           item.reply_to or None)

    def get_output_channel(self, channel: str | None = None,  # type: ignore[override]
                           thread_id: str | None = None) -> SlackOutput:
        # also what Rasa's API uses to send into a conversation (the sender id is the user id)
        where = {"channel": channel, **({"thread_ts": thread_id} if thread_id else {})}
        return SlackOutput(self.config, self.outbound, self.buttons, self.conversations,
                           where if channel else None)

    def blueprint(self, on_new_message: Any) -> Blueprint:
        return self.platform_blueprint(on_new_message)
