"""A fake Facebook Messenger (Graph API Send API and webhooks): serves ``POST /v18.0/me/messages``
with the page token in the ``Authorization: Bearer`` header, validates recipient and message as
the Send API documents them and answers ``{"recipient_id", "message_id"}`` or a Graph error
``{"error": {"message", "type", "code", "fbtrace_id"}}``; delivers webhook events (messages,
quick replies, postbacks, attachments, echoes, receipts) signed with the app secret in
``X-Hub-Signature-256``, and makes the webhook's GET verification.

Photos: Meta's CDN hosts what a customer sends and the webhook names it by a signed URL
(``payload.url`` of an ``image`` attachment, e.g. ``https://scontent.xx.fbcdn.net/v/t1.15752-9/
<n>.jpg?_nc_cat=…&_nc_sig=…&oe=…``) that needs no token. The fake hosts such files under
``/cdn/v/t1.15752-9/`` and serves them only with the right ``_nc_sig`` (else 403 "URL signature
mismatch", as the CDN answers a tampered URL)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from bot.platforms.signatures import meta_signature
from tests.fakes.base import ApiCall, FakePlatform

VERSION = "v18.0"
CDN_PREFIX = "/cdn/v/t1.15752-9/"
MESSAGING_TYPES = {"RESPONSE", "UPDATE", "MESSAGE_TAG"}
_EPOCH_MS = 1_700_000_000_000  # event times: fixed, the fake reads no clock


def graph_error(status: int, message: str, code: int, kind: str = "OAuthException"
                ) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"message": message, "type": kind, "code": code,
                              "fbtrace_id": secrets.token_urlsafe(8)}}


class FakeMessenger(FakePlatform):
    title = "Messenger"

    def __init__(self, page_token: str, app_secret: str, verify_token: str) -> None:
        super().__init__()
        self.page_token = page_token
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.page_id = str(100_000_000_000_000 + secrets.randbelow(10**14))
        self._ids = itertools.count(1)
        self.accepted: list[ApiCall] = []  # Send API calls answered with a message id
        self._cdn_key = secrets.token_bytes(16)  # signs the CDN's URLs

    # ---- the Send API (and the CDN)
    def answer(self, call: ApiCall) -> tuple[Any, ...]:
        if call.method == "GET" and call.path.startswith(CDN_PREFIX):
            return self._cdn(call)
        if call.headers.get("authorization") != f"Bearer {self.page_token}":
            return graph_error(400, "Invalid OAuth access token.", 190)
        if call.method != "POST" or call.path.split("?")[0] != f"/{VERSION}/me/messages":
            return graph_error(400, "Unsupported request - method type or path", 100,
                               "GraphMethodException")
        body = call.json
        problem = self._message_problem(body)
        if problem:
            return graph_error(400, f"(#100) {problem}", 100)
        with self._lock:
            self.accepted.append(call)
        return 200, {"recipient_id": body["recipient"]["id"],
                     "message_id": f"m_{secrets.token_urlsafe(24)}"}

    @staticmethod
    def _message_problem(body: Any) -> str:
        if not isinstance(body, dict):
            return "The parameter message is required"
        recipient = body.get("recipient")
        if not isinstance(recipient, dict) or not str(recipient.get("id") or "").strip():
            return "The parameter recipient is required"
        if body.get("messaging_type") not in MESSAGING_TYPES:
            return "Param messaging_type must be one of RESPONSE, UPDATE or MESSAGE_TAG"
        message = body.get("message")
        if not isinstance(message, dict):
            return "The parameter message is required"
        text, attachment = message.get("text"), message.get("attachment")
        if (text is None) == (attachment is None):
            return "Must send either message text or an attachment"
        if text is not None and (not isinstance(text, str) or not text.strip()):
            return "Param message[text] must be a non-empty UTF-8 encoded string"
        if isinstance(text, str) and len(text) > 2000:
            return "Length of param message[text] must be less than or equal to 2000"
        if attachment is not None and (not isinstance(attachment, dict)
                                       or not isinstance(attachment.get("payload"), dict)):
            return "Param message[attachment] is invalid"
        quick = message.get("quick_replies")
        if quick is not None:
            if not isinstance(quick, list) or not 1 <= len(quick) <= 13:
                return "param message[quick_replies] must have between 1 and 13 elements"
            for q in quick:
                if not isinstance(q, dict) or q.get("content_type") != "text":
                    return "Param message[quick_replies][content_type] is invalid"
                if not str(q.get("title") or "").strip() or len(q["title"]) > 20:
                    return "Param message[quick_replies][title] must be 1 to 20 characters"
                if not str(q.get("payload") or "") or len(str(q["payload"])) > 1000:
                    return "Param message[quick_replies][payload] must be 1 to 1000 characters"
        return ""

    def _cdn_sig(self, path: str, expires: str) -> str:
        return hmac.new(self._cdn_key, f"{path}|{expires}".encode(), hashlib.sha256
                        ).hexdigest()[:32]

    def _cdn(self, call: ApiCall) -> tuple[Any, ...]:
        """A file on the CDN: the signed URL is the only credential it takes."""
        parts = urlsplit(call.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        expected = self._cdn_sig(parts.path, query.get("oe", ""))
        if not hmac.compare_digest(query.get("_nc_sig", ""), expected):
            return 403, b"URL signature mismatch", "text/plain"
        hosted = self.files.get(parts.path)
        return (200, *hosted) if hosted else (404, b"Not Found", "text/plain")

    def host(self, data: bytes, content_type: str = "image/jpeg") -> str:
        """Puts ``data`` on the CDN; its signed URL, as a webhook event names it."""
        path = f"{CDN_PREFIX}{secrets.randbelow(10**9) + 10**9}_{self._next()}_n.jpg"
        with self._lock:
            self.files[path] = (data, content_type)
        expires = f"{(_EPOCH_MS // 1000) + 7 * 86_400:X}"
        return (f"{self.url}{path}?_nc_cat=104&ccb=1-7&_nc_sid=fc17b8"
                f"&_nc_sig={self._cdn_sig(path, expires)}&oe={expires}")

    def cdn_calls(self) -> list[ApiCall]:
        return self.sent(lambda c: c.path.startswith(CDN_PREFIX))

    def env(self) -> dict[str, str]:
        return {"SHOPDESK_MESSENGER_PAGE_TOKEN": self.page_token,
                "SHOPDESK_MESSENGER_APP_SECRET": self.app_secret,
                "SHOPDESK_MESSENGER_VERIFY_TOKEN": self.verify_token,
                "SHOPDESK_MESSENGER_API_URL": f"{self.url}/{VERSION}"}

    def messages_to(self, psid: str) -> list[dict[str, Any]]:
        """The ``message`` objects the Send API accepted for ``psid``."""
        with self._lock:
            accepted = list(self.accepted)
        return [c.json["message"] for c in accepted
                if str(c.json["recipient"]["id"]) == str(psid)]

    # ---- the platform's side: webhook events
    def _next(self) -> int:
        return next(self._ids)

    def event(self, psid: str, **kind: Any) -> dict[str, Any]:
        """One ``messaging`` event from ``psid`` to the page (``message=…``, ``postback=…``,
        ``delivery=…``, ``read=…``)."""
        return {"sender": {"id": psid}, "recipient": {"id": self.page_id},
                "timestamp": _EPOCH_MS + self._next(), **kind}

    def message(self, psid: str, text: str | None = None, **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"mid": f"m_{secrets.token_urlsafe(24)}", **fields}
        if text is not None:
            body["text"] = text
        return self.event(psid, message=body)

    def quick_reply(self, psid: str, title: str, payload: str) -> dict[str, Any]:
        return self.message(psid, title, quick_reply={"payload": payload})

    def postback(self, psid: str, title: str, payload: str) -> dict[str, Any]:
        return self.event(psid, postback={"mid": f"m_{secrets.token_urlsafe(24)}",
                                          "title": title, "payload": payload})

    def photo(self, psid: str, *images: bytes | str) -> dict[str, Any]:
        """A message with one image attachment per item of ``images``: bytes are hosted on
        the CDN, a string is used as the URL as it is."""
        urls = [self.host(i) if isinstance(i, bytes) else i for i in images]
        return self.message(psid, attachments=[{"type": "image", "payload": {"url": url}}
                                               for url in urls])

    def sticker(self, psid: str, sticker_id: int = 369239263222822) -> dict[str, Any]:
        """A sticker (the default is the thumbs-up "like"): an image attachment with an id."""
        return self.message(psid, sticker_id=sticker_id, attachments=[{
            "type": "image", "payload": {"url": self.host(b"\x89PNG sticker", "image/png"),
                                         "sticker_id": sticker_id}}])

    def body(self, *events: dict[str, Any], obj: str = "page") -> dict[str, Any]:
        return {"object": obj, "entry": [{"id": self.page_id, "time": _EPOCH_MS + self._next(),
                                          "messaging": list(events)}]}

    def deliver(self, webhook: str, body: dict[str, Any] | bytes,
                signature: str | None = None) -> httpx.Response:
        """POST ``body`` as Meta does: signed with the app secret unless ``signature`` is given
        ("" sends none)."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        signature = meta_signature(self.app_secret, raw) if signature is None else signature
        headers = {"Content-Type": "application/json"}
        if signature:
            headers["X-Hub-Signature-256"] = signature
        return httpx.post(webhook, content=raw, headers=headers, timeout=30)

    def verify(self, webhook: str, token: str | None = None, challenge: str = "",
               mode: str = "subscribe") -> httpx.Response:
        """The GET Meta makes when the webhook is set up in the app dashboard."""
        params = {"hub.mode": mode,
                  "hub.verify_token": self.verify_token if token is None else token,
                  "hub.challenge": challenge or str(secrets.randbelow(10**9))}
        return httpx.get(webhook, params=params, timeout=30)


def make_fake() -> FakeMessenger:
    return FakeMessenger(f"EAAG{secrets.token_urlsafe(48)}", secrets.token_hex(16),
                         secrets.token_urlsafe(16))
