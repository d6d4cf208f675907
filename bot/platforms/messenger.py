"""Facebook Messenger: Rasa's ``FacebookInput`` with signatures enforced, once-only delivery and
retried replies.

Meta checks the webhook with a GET ``/webhooks/facebook/webhook?hub.mode=subscribe&
hub.verify_token=…&hub.challenge=…``: the challenge is answered only when the verify token is
SHOPDESK_MESSENGER_VERIFY_TOKEN (else 403). Each POST is signed with the app secret
(SHOPDESK_MESSENGER_APP_SECRET) in ``X-Hub-Signature-256``; an unsigned or wrongly signed one is
refused with 401. Rasa's own channel answers 200 to a wrong signature, checks only the SHA-1
header, handles only the first event of a batch, answers a wrong verify token with 200 and
sends a photo's URL to the dialogue engine as if the customer had typed it.

Replies go to ``{SHOPDESK_MESSENGER_API_URL}/me/messages`` with the page token in the
``Authorization`` header (never in the URL). Buttons become quick replies (at most 13, titles
cut to 20 characters); more buttons than that become a numbered list, and a typed number or
title picks the button either way. A payload over Messenger's 1000 characters travels as a
short token.

A photo arrives as an ``image`` attachment whose ``payload.url`` is a signed URL on Meta's CDN
(no token needed, and none is sent to it); the channel downloads it (bounded, images only) and
hands it to the web app, and the customer gets the ``share_photo`` answer. When one message
carries several images only the first is kept (Messenger sends no caption, so the customer is
asked about the item once, not once per image). A sticker (an image attachment with a
``sticker_id``, the thumbs-up included) and every other attachment (video, audio, file…) still
get the "describe it in words" answer.

Graph API errors come as ``{"error": {"code", …}}``; its rate limits (codes 4, 32, 613) are
retried when they come inside a 2xx answer. ``Outbound`` does not read the body of a 4xx
answer, so a rate limit sent with HTTP 400/403 is logged as a refusal and not retried.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.facebook import FacebookInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.platforms.common import (
    Inbound,
    MediaRef,
    Outbound,
    PlatformInput,
    PlatformOutput,
    platform_config,
)
from bot.platforms.delivery import ButtonMemory, numbered, split_text
from bot.platforms.signatures import meta_signature, same
from shopdesk.platform_settings import PlatformConfig

logger = logging.getLogger(__name__)
MAX_TEXT = 2000
MAX_QUICK_REPLIES = 13
MAX_TITLE = 20
MAX_PAYLOAD = 1000
RATE_LIMIT_CODES = {4, 17, 32, 613}  # app, user, page and call-type request limits
SIGNATURE_HEADER = "X-Hub-Signature-256"


def graph_refusal(body: Any) -> str | None:
    """What a 2xx Graph API answer refused, if anything ("ratelimited" is retried)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not error:
        return None
    if not isinstance(error, dict):
        return "error"
    if error.get("code") in RATE_LIMIT_CODES:
        return "ratelimited"
    return f"{error.get('type') or 'error'} {error.get('code') or ''}".strip()


def short_title(title: str) -> str:
    return title if len(title) <= MAX_TITLE else title[:MAX_TITLE - 1].rstrip() + "…"


class MessengerOutput(PlatformOutput):
    platform = "facebook"

    def __init__(self, config: PlatformConfig, outbound: Outbound, buttons: ButtonMemory
                 ) -> None:
        self.url = f"{config.api_url}/me/messages"
        self.headers = {"Authorization": f"Bearer {config.secret('MESSENGER_PAGE_TOKEN')}"}
        self.outbound = outbound
        self.buttons = buttons

    async def _post(self, recipient_id: str, message: dict[str, Any]) -> None:
        await self.outbound.post(self.url, json_body={"recipient": {"id": recipient_id},
                                                      "messaging_type": "RESPONSE",
                                                      "message": message},
                                 headers=self.headers, refusal=graph_refusal)

    async def _send(self, recipient_id: str, text: str,
                    quick_replies: list[dict[str, str]] | None = None) -> None:
        pieces = split_text(text, MAX_TEXT) or ["…"]
        for i, piece in enumerate(pieces):
            message: dict[str, Any] = {"text": piece}
            if quick_replies and i == len(pieces) - 1:
                message["quick_replies"] = quick_replies
            await self._post(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text)

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        offer = self.buttons.remember(recipient_id, buttons)
        if len(offer) > MAX_QUICK_REPLIES:  # more than Messenger shows: a list to answer
            await self._send(recipient_id, numbered(text, offer))
            return
        quick = [{"content_type": "text", "title": short_title(title),
                  "payload": payload if len(payload) <= MAX_PAYLOAD else f"btn:{i}"}
                 for i, (title, payload) in enumerate(offer)]
        await self._send(recipient_id, text, quick or None)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._post(recipient_id, {"attachment": {
            "type": "image", "payload": {"url": image, "is_reusable": False}}})


class MessengerChannel(PlatformInput, FacebookInput):
    """Facebook Messenger channel (``/webhooks/facebook/webhook``)."""

    @classmethod
    def name(cls) -> str:
        return "facebook"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> MessengerChannel:
        return cls(platform_config("facebook"))

    def __init__(self, config: PlatformConfig, outbound: Outbound | None = None) -> None:
        super().__init__(config.secret("MESSENGER_VERIFY_TOKEN"),
                         config.secret("MESSENGER_APP_SECRET"),
                         config.secret("MESSENGER_PAGE_TOKEN"))
        self.config = config
        self.outbound = outbound or Outbound(config.spec.title)
        self.buttons = ButtonMemory()

    def signature_problem(self, request: Request) -> str | None:
        given = request.headers.get(SIGNATURE_HEADER) or ""
        if not given:
            return "no signature"
        expected = meta_signature(self.config.secret("MESSENGER_APP_SECRET"), request.body or b"")
        if not same(given, expected):
            return "wrong signature"
        return None

    def messages_in(self, request: Request) -> list[Inbound] | HTTPResponse:
        body = request.json
        if not isinstance(body, dict) or not isinstance(body.get("entry"), list):
            raise ValueError("not a Messenger webhook event")
        if body.get("object") != "page":
            return response.json({"error": "Only Messenger page events are accepted here."},
                                 status=400)
        items: list[Inbound] = []
        for entry in body["entry"]:
            if not isinstance(entry, dict):
                raise ValueError("malformed entry")
            events = entry.get("messaging") or []
            if not isinstance(events, list):
                raise ValueError("malformed messaging list")
            for event in events:
                item = self._inbound(event)
                if item is not None:
                    items.append(item)
        return items

    def _inbound(self, event: Any) -> Inbound | None:
        if not isinstance(event, dict):
            raise ValueError("malformed event")
        sender = event.get("sender")
        sender = sender.get("id") if isinstance(sender, dict) else None
        if not isinstance(sender, (str, int)) or isinstance(sender, bool) or not str(sender):
            raise ValueError("event without a sender")
        sender = str(sender)
        message, postback = event.get("message"), event.get("postback")
        if isinstance(postback, dict):  # a persistent-menu or template button was pressed
            payload = str(postback.get("payload") or postback.get("title") or "")
            mid = postback.get("mid") or f"{sender}:{event.get('timestamp')}:postback"
            if not payload:
                return None
            return Inbound(f"facebook:{mid}", sender,
                           self.buttons.token_payload(sender, payload) or payload,
                           metadata={"button": True})
        if not isinstance(message, dict) or message.get("is_echo"):
            return None  # delivery and read receipts, reactions, our own echoes…
        mid = message.get("mid")
        if not isinstance(mid, str) or not mid:
            raise ValueError("message without an id")
        delivery = f"facebook:{mid}"
        quick = message.get("quick_reply")
        if isinstance(quick, dict) and isinstance(quick.get("payload"), str):
            payload = quick["payload"]
            return Inbound(delivery, sender, self.buttons.token_payload(sender, payload)
                           or payload, metadata={"button": True})
        text = message.get("text")
        text = text if isinstance(text, str) else ""
        attachments = message.get("attachments")
        attachments = attachments if isinstance(attachments, list) else []
        sticker = bool(message.get("sticker_id")) or any(
            isinstance(a, dict) and isinstance(a.get("payload"), dict)
            and a["payload"].get("sticker_id") for a in attachments)
        photo = None if sticker else self._photo(attachments)
        if photo is not None:  # Messenger sends no caption; a text that came along is one
            return Inbound(delivery, sender, text.strip(), photo=photo)
        if text.strip():  # a shared link also brings a "fallback" attachment: the text wins
            return Inbound(delivery, sender, self.buttons.reply_payload(sender, text) or text)
        if attachments:
            first = attachments[0] if isinstance(attachments[0], dict) else {}
            kind = str(first.get("type") or "attachment")
            if sticker:
                kind = "sticker"
            elif kind == "image":
                kind = "photo"  # an image without a URL we could fetch
            return Inbound(delivery, sender, "", unsupported=kind[:40])
        return None

    @staticmethod
    def _photo(attachments: list[Any]) -> MediaRef | None:
        """The first image attachment's CDN URL (several images in one message: only the
        first is kept). The URL is signed by Meta's CDN and needs no token, so none is sent;
        the CDN does not say the type until the download, which must be an image."""
        for attachment in attachments:
            if not isinstance(attachment, dict) or attachment.get("type") != "image":
                continue
            payload = attachment.get("payload")
            url = payload.get("url") if isinstance(payload, dict) else None
            if isinstance(url, str) and url.startswith(("https://", "http://")):
                return MediaRef(url=url, content_type="")
        return None

    def output_for(self, item: Inbound) -> MessengerOutput:
        return self.get_output_channel()

    def get_output_channel(self) -> MessengerOutput:  # type: ignore[override]
        # also what Rasa's API uses to send into a conversation: the PSID is the sender id
        return MessengerOutput(self.config, self.outbound, self.buttons)

    def extra_routes(self, blueprint: Blueprint) -> None:
        verify_token = self.config.secret("MESSENGER_VERIFY_TOKEN")

        @blueprint.route("/webhook", methods=["GET"])
        async def verification(request: Request) -> HTTPResponse:
            mode = request.args.get("hub.mode") or ""
            given = request.args.get("hub.verify_token") or ""
            challenge = request.args.get("hub.challenge") or ""
            if mode == "subscribe" and same(given, verify_token) and challenge:
                logger.info("Facebook Messenger: webhook verified")
                return response.text(challenge)
            logger.warning("Facebook Messenger: refused a webhook verification "
                           "(wrong mode or verify token)")
            return response.text("The verify token does not match.", status=403)

    def blueprint(self, on_new_message: Any) -> Blueprint:
        return self.platform_blueprint(on_new_message)
