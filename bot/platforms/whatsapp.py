"""WhatsApp through Twilio: Rasa's ``TwilioInput`` with the signature check, de-duplication
and retries.

Twilio posts each WhatsApp message as a form to ``/webhooks/twilio/webhook`` and signs it in
``X-Twilio-Signature`` with the account's auth token, over the public URL set in Twilio's
console and every posted field (``bot.platforms.signatures.twilio_signature``). Behind a
proxy the URL Rasa sees is not the one Twilio signed: SHOPDESK_TWILIO_WEBHOOK_URL names it
(otherwise the URL of the request as received is used). A request signed otherwise, or for
another account, is refused. Rasa's own channel checks nothing, drops media and blank
fields, answers 204 (Twilio logs an error for that) and sends through Twilio's blocking
client, one request per paragraph, with a retry counter shared by every conversation.

A photo (the first attached media whose type is ``image/*``) is fetched from its Twilio
media URL with the account's Basic auth; Twilio answers with a redirect to the file's
pre-signed storage location, where the credentials are not sent again (aiohttp drops them
for another host). Only URLs under the configured API base, for this account's messages,
are fetched, so a webhook can never make us download from an address of its choosing. The
message's text is the photo's caption. Other media are answered with a notice.

Replies go out through Twilio's REST API (``Messages.json``, Basic auth) in pieces of at most
1600 characters. WhatsApp shows no buttons without approved templates, so they become a
numbered list; the customer answers with the number or the button's title.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import aiohttp
from rasa.core.channels.twilio import TwilioInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.platforms.common import Inbound, MediaRef, Outbound, PlatformInput, PlatformOutput, platform_config
from bot.platforms.delivery import ButtonMemory, numbered, split_text
from bot.platforms.signatures import same, twilio_signature
from shopdesk.platform_settings import PlatformConfig

logger = logging.getLogger(__name__)
MAX_TEXT = 1600
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
_FORM = "application/x-www-form-urlencoded"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def whatsapp_address(number: str) -> str:
    """``whatsapp:+<number>`` for a number given with or without the channel prefix."""
    number = number.strip()
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"


def _url_variants(url: str) -> list[str]:
    """The URL as given, without its default port and with it: Twilio signs the URL as it was
    configured, and a proxy may add or drop ``:443``."""
    parts = urlsplit(url)
    default = _DEFAULT_PORTS.get(parts.scheme)
    try:
        port = parts.port
    except ValueError:
        return [url]
    if default is None or parts.hostname is None or port not in (None, default):
        return [url]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    bare = urlunsplit(parts._replace(netloc=f"{prefix}{host}"))
    ported = urlunsplit(parts._replace(netloc=f"{prefix}{host}:{default}"))
    return [url] + [u for u in (bare, ported) if u != url]


def form_fields(request: Request) -> dict[str, str]:
    """Every posted field, blank ones included (Twilio signs them all; Sanic's ``form``
    drops blank values). Read once per request."""
    cached = getattr(request.ctx, "twilio_form", None)
    if cached is None:
        content_type = (request.headers.get("content-type") or "").split(";")[0].strip()
        cached = {}
        if content_type.lower() == _FORM:
            text = (request.body or b"").decode("utf-8", errors="replace")
            cached = dict(parse_qsl(text, keep_blank_values=True))
        request.ctx.twilio_form = cached
    return cached


class WhatsAppOutput(PlatformOutput):
    platform = "twilio"

    def __init__(self, config: PlatformConfig, outbound: Outbound, buttons: ButtonMemory
                 ) -> None:
        sid = config.value("TWILIO_ACCOUNT_SID")
        self.url = f"{config.api_url}/2010-04-01/Accounts/{sid}/Messages.json"
        self.auth = aiohttp.BasicAuth(sid, config.secret("TWILIO_AUTH_TOKEN"))
        self.number = whatsapp_address(config.value("TWILIO_WHATSAPP_NUMBER"))
        self.outbound = outbound
        self.buttons = buttons

    async def _post(self, recipient_id: str, fields: dict[str, str]) -> None:
        to = recipient_id if not recipient_id.startswith("+") else whatsapp_address(recipient_id)
        await self.outbound.post(self.url, form={"From": self.number, "To": to, **fields},
                                 auth=self.auth)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for piece in split_text(text, MAX_TEXT) or ["…"]:
            await self._post(recipient_id, {"Body": piece})

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        offer = self.buttons.remember(recipient_id, buttons)
        await self.send_text_message(recipient_id, numbered(text, offer))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._post(recipient_id, {"MediaUrl": image})


class WhatsAppChannel(PlatformInput, TwilioInput):
    """WhatsApp through Twilio (``/webhooks/twilio/webhook``)."""

    @classmethod
    def name(cls) -> str:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WhatsAppChannel:
        return cls(platform_config("twilio"))

    def __init__(self, config: PlatformConfig, outbound: Outbound | None = None) -> None:
        super().__init__(config.value("TWILIO_ACCOUNT_SID"), config.secret("TWILIO_AUTH_TOKEN"),
                         whatsapp_address(config.value("TWILIO_WHATSAPP_NUMBER")),
                         debug_mode=False)
        self.config = config
        self.outbound = outbound or Outbound("WhatsApp")
        self.buttons = ButtonMemory()

    def signature_problem(self, request: Request) -> str | None:
        given = request.headers.get("X-Twilio-Signature") or ""
        if not given:
            return "no signature"
        fields = form_fields(request)
        token = self.config.secret("TWILIO_AUTH_TOKEN")
        url = self.config.value("TWILIO_WEBHOOK_URL") or request.url
        if not any(same(given, twilio_signature(token, u, fields)) for u in _url_variants(url)):
            return "wrong signature"
        account = fields.get("AccountSid")
        if account is not None and account != self.config.value("TWILIO_ACCOUNT_SID"):
            return "another Twilio account"
        return None

    def messages_in(self, request: Request) -> list[Inbound]:
        fields = form_fields(request)
        if "MessageStatus" in fields and "Body" not in fields:
            return []  # a delivery-status callback sent here: nothing the customer said
        sid = fields.get("MessageSid") or fields.get("SmsMessageSid") or ""
        sender = fields.get("From") or ""
        if not sid or not sender:
            raise ValueError("not a Twilio message")
        delivery = f"twilio:{sid}"
        body = fields.get("Body") or ""
        try:
            media = int(fields.get("NumMedia") or 0)
        except ValueError:
            raise ValueError("NumMedia is not a number") from None
        photo = self._photo(fields, media)
        if photo is not None:  # the text sent with it is its caption
            return [Inbound(delivery, sender, body, photo=photo)]
        kind = ""
        if media > 0:
            kind = "file"
        elif fields.get("Latitude") and fields.get("Longitude"):
            kind = "location"
        if not body.strip():
            return [Inbound(delivery, sender, "", unsupported=kind or "message")]
        text = Inbound(delivery, sender, self.buttons.reply_payload(sender, body) or body)
        if kind == "location":  # a shared place with a name: the name is what we can read
            return [text]
        # a caption with an attachment: say the attachment could not be opened, then answer
        return [Inbound(f"{delivery}:media", sender, "", unsupported=kind), text] if kind \
            else [text]

    def _photo(self, fields: dict[str, str], count: int) -> MediaRef | None:
        """The first attached image, fetched with the account's credentials."""
        for n in range(min(count, 10)):  # WhatsApp messages carry at most 10 media
            content_type = (fields.get(f"MediaContentType{n}") or "").strip().lower()
            if content_type.startswith("image/"):
                return MediaRef(url=fields.get(f"MediaUrl{n}") or "", content_type=content_type,
                                auth=aiohttp.BasicAuth(self.config.value("TWILIO_ACCOUNT_SID"),
                                                       self.config.secret("TWILIO_AUTH_TOKEN")))
        return None

    def _media_url(self) -> re.Pattern[str]:
        """A media resource of one of this account's messages, on the configured API."""
        sid = re.escape(self.config.value("TWILIO_ACCOUNT_SID"))
        return re.compile(rf"{re.escape(self.config.api_url)}/2010-04-01/Accounts/{sid}"
                          r"/Messages/[A-Z]{2}[0-9a-fA-F]{32}/Media/ME[0-9a-fA-F]{32}")

    async def resolve_photo(self, ref: MediaRef) -> MediaRef:
        """Only Twilio's own media URLs are fetched (the redirect it answers is followed)."""
        if not self._media_url().fullmatch(ref.url):
            logger.warning("WhatsApp: a media URL outside the Twilio API was not fetched")
            return MediaRef()
        return ref

    def output_for(self, item: Inbound) -> WhatsAppOutput:
        return self.get_output_channel()

    def get_output_channel(self) -> WhatsAppOutput:  # type: ignore[override]
        # also what Rasa's API uses to send into a conversation: the sender is the address
        return WhatsAppOutput(self.config, self.outbound, self.buttons)

    def ack(self) -> HTTPResponse:
        # an empty TwiML document: Twilio sends nothing itself, replies go through the API
        return response.text(EMPTY_TWIML, content_type="text/xml")

    def blueprint(self, on_new_message: Any) -> Blueprint:
        return self.platform_blueprint(on_new_message)
