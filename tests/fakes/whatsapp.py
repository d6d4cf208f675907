"""A fake Twilio (WhatsApp): serves ``POST /2010-04-01/Accounts/<sid>/Messages.json`` as
Twilio's REST API documents it (Basic auth, form fields, 201 with a message resource, JSON
errors with Twilio's codes) and delivers signed webhook posts to our channel.

The channel is configured with a public webhook URL (as behind a proxy): the fake signs that
URL while it posts to the local address, as Twilio does for a URL set in its console.

Media a customer sends are hosted as Twilio hosts them: ``GET /2010-04-01/Accounts/<sid>/
Messages/<MM…>/Media/<ME…>`` needs the account's Basic auth (401 with code 20003 otherwise)
and answers 307 with a ``Location`` on the storage host (here ``localhost`` instead of
``127.0.0.1``: another host, so the client drops the credentials), a pre-signed URL that
serves the bytes without auth."""

from __future__ import annotations

import base64
import itertools
import secrets
import threading
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.platforms.signatures import twilio_signature
from shopdesk.clock import system_clock
from tests.fakes.base import ApiCall, FakePlatform

PUBLIC_WEBHOOK = "https://shop.example.test/webhooks/twilio/webhook"
MAX_BODY = 1600


def _error(status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"code": code, "message": message,
                    "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}


class FakeTwilio(FakePlatform):
    title = "Twilio"

    def __init__(self, account_sid: str, auth_token: str, number: str,
                 clock: Callable[[], datetime] = system_clock) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.number = number
        self.public_url = PUBLIC_WEBHOOK
        self.accepted: list[dict[str, Any]] = []  # the message resources created
        self.throttled = 0
        self._clock = clock
        self._accept_lock = threading.Lock()
        self._ids = itertools.count(1)
        self.media: dict[str, str] = {}   # Twilio media path -> its pre-signed storage URL
        self.storage_auth: list[str] = []  # Authorization headers the storage host was sent
        self._redirect = threading.local()  # the Location of the answer being written
        self._redirect.location = ""
        fake, handler = self, self.server.RequestHandlerClass

        class Redirecting(handler):  # type: ignore[misc, valid-type]
            def end_headers(self) -> None:
                location = getattr(fake._redirect, "location", "")
                if location:
                    fake._redirect.location = ""
                    self.send_header("Location", location)
                super().end_headers()

        self.server.RequestHandlerClass = Redirecting

    def env(self) -> dict[str, str]:
        return {"SHOPDESK_TWILIO_ACCOUNT_SID": self.account_sid,
                "SHOPDESK_TWILIO_AUTH_TOKEN": self.auth_token,
                "SHOPDESK_TWILIO_WHATSAPP_NUMBER": self.number,
                "SHOPDESK_TWILIO_WEBHOOK_URL": self.public_url,
                "SHOPDESK_TWILIO_API_URL": self.url}

    def sid(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):032x}"

    def throttle_next(self, count: int) -> None:
        """The next ``count`` message requests get Twilio's own 429 (code 20429), which
        carries no Retry-After header (``fail_next(n, 429)`` sends one)."""
        with self._accept_lock:
            self.throttled += count

    # ---- the REST API
    def answer(self, call: ApiCall) -> tuple[Any, ...]:
        if call.method == "GET" and call.path.startswith("/media.twiliocdn.com/"):
            return self._storage(call)
        expected = "Basic " + base64.b64encode(
            f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if call.headers.get("authorization") != expected:
            return _error(401, 20003, "Authenticate")
        if call.method == "GET" and "/Media/" in call.path:
            location = self.media.get(call.path)
            if location is None:
                return _error(404, 20404, f"The requested resource {call.path} was not found")
            self._redirect.location = location
            return 307, b"", "text/html; charset=utf-8"
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        if call.method != "POST" or call.path != path:
            return _error(404, 20404, f"The requested resource {call.path} was not found")
        with self._accept_lock:
            if self.throttled:
                self.throttled -= 1
                return _error(429, 20429, "Too Many Requests")
        form = call.form
        to, sender, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not sender:
            return _error(400, 21603, "A 'From' phone number is required.")
        if sender != self.number:
            return _error(400, 63007, "Twilio could not find a Channel with the specified "
                                      "From address")
        if not to.startswith("whatsapp:+") or not to[10:].isdigit():
            return _error(400, 21910, "Invalid From and To pair. From and To should be of the "
                                      "same channel")
        if not body.strip() and not form.get("MediaUrl"):
            return _error(400, 21602, "Message body is required.")
        if len(body) > MAX_BODY:
            return _error(400, 21617, "The concatenated message body exceeds the 1600 "
                                      "character limit.")
        sid = self.sid("SM")
        created = format_datetime(self._clock())
        resource = {"sid": sid, "account_sid": self.account_sid, "to": to, "from": sender,
                    "body": body, "status": "queued", "direction": "outbound-api",
                    "num_segments": "1", "num_media": "1" if form.get("MediaUrl") else "0",
                    "api_version": "2010-04-01", "date_created": created,
                    "date_updated": created, "date_sent": None, "price": None,
                    "price_unit": "USD", "error_code": None, "error_message": None,
                    "messaging_service_sid": None,
                    "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
                    "subresource_uris": {"media": f"/2010-04-01/Accounts/{self.account_sid}"
                                                  f"/Messages/{sid}/Media.json"}}
        with self._accept_lock:
            self.accepted.append(resource)
        return 201, resource

    def _storage(self, call: ApiCall) -> tuple[Any, ...]:
        """The storage host (S3): a pre-signed URL, which refuses a second authentication
        (the account's credentials sent along) as S3 does."""
        if "authorization" in call.headers:
            with self._accept_lock:
                self.storage_auth.append(call.headers["authorization"])
            return 400, (b"<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism "
                         b"allowed</Message></Error>"), "application/xml"
        hosted = self.files.get(call.path)
        if hosted is None:
            return 403, b"<Error><Code>AccessDenied</Code></Error>", "application/xml"
        return 200, *hosted

    def host_media(self, message_sid: str, data: bytes, content_type: str) -> str:
        """Keep a media file of a customer's message; its Twilio URL (``MediaUrlN``)."""
        path = (f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message_sid}"
                f"/Media/{self.sid('ME')}")
        stored = (f"/media.twiliocdn.com/{self.account_sid}/{secrets.token_hex(16)}"
                  f"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=14400"
                  f"&X-Amz-Signature={secrets.token_hex(32)}")
        self.files[stored] = (data, content_type)
        self.media[path] = f"http://localhost:{self.port}{stored}"
        return f"{self.url}{path}"

    def media_fetched(self, url: str) -> bool:
        """Whether ``url`` (a ``MediaUrlN`` or a storage URL) was asked for, with or without
        auth."""
        path = urlsplit(url).path
        return any(c.path.split("?")[0] == path for c in self.sent())

    def messages_to(self, to: str) -> list[dict[str, Any]]:
        with self._accept_lock:
            return [m for m in self.accepted if m["to"] == to]

    # ---- the platform's side: delivering customers' messages to our webhook
    def inbound(self, sender: str, body: str = "", media_type: str = "",
                data: bytes = b"", **extra: str) -> dict[str, str]:
        """The form Twilio posts for a WhatsApp message from ``sender`` (whatsapp:+…), with
        one attachment of ``media_type`` (hosting ``data``) when one is given."""
        sid = self.sid("MM" if media_type else "SM")
        fields = {"SmsMessageSid": sid, "NumMedia": "1" if media_type else "0",
                  "ProfileName": "Ann", "MessageType": "image" if media_type.startswith(
                      "image/") else "document" if media_type else "text",
                  "SmsSid": sid, "WaId": sender.removeprefix("whatsapp:+"),
                  "SmsStatus": "received", "Body": body, "To": self.number,
                  "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": sid,
                  "AccountSid": self.account_sid, "From": sender, "ApiVersion": "2010-04-01"}
        if media_type:
            fields["MediaContentType0"] = media_type
            fields["MediaUrl0"] = self.host_media(sid, data, media_type)
        fields.update(extra)
        return fields

    def sign(self, fields: dict[str, str], url: str | None = None, token: str | None = None
             ) -> str:
        return twilio_signature(self.auth_token if token is None else token,
                                self.public_url if url is None else url, fields)

    def deliver(self, webhook: str, fields: dict[str, str], signature: str | None = None
                ) -> httpx.Response:
        """Post ``fields`` to ``webhook`` (our local address), signed for the public URL
        unless ``signature`` is given ("" sends none)."""
        signature = self.sign(fields) if signature is None else signature
        headers = {"User-Agent": "TwilioProxy/1.1",
                   "I-Twilio-Idempotency-Token": secrets.token_hex(16)}
        if signature:
            headers["X-Twilio-Signature"] = signature
        return httpx.post(webhook, data=fields, headers=headers, timeout=30)


def make_fake() -> FakeTwilio:
    return FakeTwilio("AC" + secrets.token_hex(16), secrets.token_hex(16), "whatsapp:+14155238886")
