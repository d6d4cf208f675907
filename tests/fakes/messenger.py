"""A fake Facebook Messenger (Graph API Send API and webhooks): serves ``POST /v18.0/me/messages``
with the page token in the ``Authorization: Bearer`` header, validates recipient and message as
the Send API documents them and answers ``{"recipient_id", "message_id"}`` or a Graph error
``{"error": {"message", "type", "code", "fbtrace_id"}}``; delivers webhook events (messages,
quick replies, postbacks, attachments, echoes, receipts) signed with the app secret in
``X-Hub-Signature-256``, and makes the webhook's GET verification."""

from __future__ import annotations

import itertools
import json
import secrets
from typing import Any

import httpx

from bot.platforms.signatures import meta_signature
from tests.fakes.base import ApiCall, FakePlatform

VERSION = "v18.0"
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

    # ---- the Send API
    def answer(self, call: ApiCall) -> tuple[int, Any]:
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

    def photo(self, psid: str) -> dict[str, Any]:
        return self.message(psid, attachments=[{"type": "image", "payload": {
            "url": f"https://scontent.example/{secrets.token_hex(8)}.jpg"}}])

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
