"""A fake Slack: delivers signed Events API callbacks and Interactivity requests to our webhook,
and serves the Web API's ``chat.postMessage`` as Slack documents it.

The Web API lives under ``<fake>/api`` (Slack's ``https://slack.com/api``). It checks the bot
token (``Authorization: Bearer``); Slack answers HTTP 200 with ``{"ok": false, "error": …}`` on
refusals (``not_authed``, ``invalid_auth``, ``channel_not_found``, ``no_text``,
``invalid_blocks``, ``msg_too_long``) and HTTP 429 with ``Retry-After`` when rate limited.

Files a customer shares (:meth:`FakeSlack.share_file`) are hosted as Slack hosts them on
``files.slack.com``: ``<fake>/files-pri/<team>-<file id>/<name>`` (``url_private``) and the same
with ``/download/`` (``url_private_download``), served only with the bot token in
``Authorization: Bearer``. Without it Slack redirects to its sign-in page; this fake answers
with that page (HTML, HTTP 200: where the redirect ends), so the download is no image.
"""

from __future__ import annotations

import itertools
import json
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.platforms.signatures import slack_signature
from tests.fakes.base import ApiCall, FakePlatform

TEAM, APP, BOT_USER, BOT_ID = "T0SHOPDSK", "A0SHOPDSK", "U0SHOPBOT", "B0SHOPBOT"
SIGN_IN_PAGE = b"<!DOCTYPE html><html><head><title>Sign in | Slack</title></head></html>"


def block_problem(blocks: Any) -> str | None:
    """Why Slack would refuse these Block Kit blocks (None when it would take them)."""
    if not isinstance(blocks, list) or not 1 <= len(blocks) <= 50:
        return "no more than 50 items allowed"
    action_ids: set[str] = set()
    for block in blocks:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "section":
            text = block.get("text") or {}
            if text.get("type") not in {"plain_text", "mrkdwn"} or not 1 <= len(
                    str(text.get("text") or "")) <= 3000:
                return "section text must be 1-3000 characters"
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
                return "actions must have 1-25 elements"
            for e in elements:
                label = e.get("text") or {}
                if e.get("type") != "button" or label.get("type") != "plain_text":
                    return "a button's text must be plain_text"
                if not 1 <= len(str(label.get("text") or "")) <= 75:
                    return "a button's text must be 1-75 characters"
                if len(str(e.get("value") or "")) > 2000:
                    return "a button's value must be at most 2000 characters"
                action_id = str(e.get("action_id") or "")
                if not action_id or len(action_id) > 255 or action_id in action_ids:
                    return "action_id must be unique in the message"
                action_ids.add(action_id)
        elif kind not in {"image", "context", "divider", "header"}:
            return f"unknown block type {kind!r}"
    return None


class FakeSlack(FakePlatform):
    title = "Slack"

    def __init__(self, token: str, signing_secret: str,
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.token = token
        self.signing_secret = signing_secret
        self.clock = clock  # stamps the requests it signs; the e2e fixture hands it the clock
        self.refusals: list[str] = []
        self._ids = itertools.count(1)

    def refuse_next(self, count: int, error: str) -> None:
        """The next ``count`` API calls are refused in Slack's way: HTTP 200 with
        ``{"ok": false, "error": error}`` (e.g. "ratelimited", "internal_error")."""
        with self._lock:
            self.refusals.extend([error] * count)

    # ---- the Web API our channel calls, and the files it hosts
    def answer(self, call: ApiCall) -> tuple[Any, ...]:
        auth = call.headers.get("authorization", "")
        if call.path.startswith("/files-pri/"):
            return self._file(call.method, call.path.split("?")[0], auth)
        if not auth:
            return 200, {"ok": False, "error": "not_authed"}
        if auth != f"Bearer {self.token}":
            return 200, {"ok": False, "error": "invalid_auth"}
        if call.method != "POST" or call.path.split("?")[0] != "/api/chat.postMessage":
            return 404, {"ok": False, "error": "unknown_method"}
        with self._lock:
            refused = self.refusals.pop(0) if self.refusals else ""
        if refused:
            return 200, {"ok": False, "error": refused}
        body = call.json if isinstance(call.json, dict) else call.form
        channel = str(body.get("channel") or "")
        if not channel:
            return 200, {"ok": False, "error": "channel_not_found"}
        text, blocks = body.get("text"), body.get("blocks")
        if not str(text or "").strip() and not blocks:
            return 200, {"ok": False, "error": "no_text"}
        if blocks is not None:
            problem = block_problem(blocks)
            if problem:
                return 200, {"ok": False, "error": "invalid_blocks", "errors": [problem]}
        if len(str(text or "")) > 40_000:
            return 200, {"ok": False, "error": "msg_too_long"}
        # a user id as the channel: Slack posts in the app's direct messages with that user
        channel = "D" + channel[1:] if channel[0] in "UW" else channel
        ts = f"{1_700_000_000 + next(self._ids)}.000100"
        message = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "text": text or "",
                   "ts": ts, **({"blocks": blocks} if blocks else {})}
        return 200, {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _file(self, method: str, path: str, auth: str) -> tuple[Any, ...]:
        if auth != f"Bearer {self.token}":
            return 200, SIGN_IN_PAGE, "text/html; charset=utf-8"
        hosted = self.files.get(path.replace("/download/", "/", 1))
        if method != "GET" or hosted is None:
            return 404, b"file_not_found", "text/plain"
        return (200, *hosted)

    def file_downloads(self) -> list[ApiCall]:
        """The requests for files this fake hosts."""
        return self.sent(lambda c: c.path.startswith("/files-pri/"))

    def env(self) -> dict[str, str]:
        return {"SHOPDESK_SLACK_BOT_TOKEN": self.token,
                "SHOPDESK_SLACK_SIGNING_SECRET": self.signing_secret,
                "SHOPDESK_SLACK_API_URL": f"{self.url}/api"}

    def messages_to(self, channel: str) -> list[dict[str, Any]]:
        """What the bot posted in ``channel`` (a conversation id, or a user id for its DM)."""
        return [c.json for c in self.sent(lambda c: c.path.endswith("/chat.postMessage"))
                if isinstance(c.json, dict) and c.json.get("channel") == channel]

    # ---- the platform's side: what Slack sends to our webhook
    @staticmethod
    def dm(user: str) -> str:
        return "D" + user[1:]

    def event(self, user: str, text: str | None = None, *, channel: str | None = None,
              kind: str = "message", **fields: Any) -> dict[str, Any]:
        """An ``event_callback`` envelope: a direct message from ``user`` (or ``kind``
        "app_mention" in ``channel``). Slack writes an e-mail address the customer typed
        as ``<mailto:a@b.c|a@b.c>``, and so does this fake."""
        n = next(self._ids)
        ts = f"{1_700_000_000 + n}.{n:06d}"
        event: dict[str, Any] = {"type": kind, "user": user, "ts": ts, "event_ts": ts,
                                 "team": TEAM, "channel": channel or self.dm(user)}
        if kind == "message":
            event["channel_type"] = "im" if event["channel"].startswith("D") else "channel"
        if text is not None:
            event["text"] = " ".join(
                f"<mailto:{w}|{w}>" if "@" in w and "." in w and not w.startswith("<") else w
                for w in text.split(" "))
        event.update(fields)
        return {"token": "verification-token-unused", "team_id": TEAM, "api_app_id": APP,
                "event": event, "type": "event_callback", "event_id": f"Ev0{n:08d}",
                "event_time": 1_700_000_000 + n, "event_context": f"4-ctx-{n}",
                "authorizations": [{"enterprise_id": None, "team_id": TEAM,
                                    "user_id": BOT_USER, "is_bot": True,
                                    "is_enterprise_install": False}],
                "is_ext_shared_channel": False}

    def share_file(self, user: str, data: bytes, name: str = "photo.jpg",
                   mimetype: str = "image/jpeg", text: str = "", **fields: Any
                   ) -> dict[str, Any]:
        """A direct message in which ``user`` shares a file (``text``: what they wrote with
        it). The fake hosts ``data``; the event's file object is Slack's (``fields`` override
        its keys, e.g. ``url_private``)."""
        file_id = f"F0{next(self._ids):08d}"
        path = f"/files-pri/{TEAM}-{file_id}/{name}"
        self.files[path] = (data, mimetype)
        filetype = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
        file = {"id": file_id, "created": 1_700_000_000, "timestamp": 1_700_000_000,
                "name": name, "title": name, "mimetype": mimetype, "filetype": filetype,
                "pretty_type": filetype.upper(), "user": user, "user_team": TEAM,
                "mode": "hosted", "editable": False, "is_external": False,
                "external_type": "", "is_public": False, "size": len(data),
                "url_private": f"{self.url}{path}",
                "url_private_download": f"{self.url}/files-pri/{TEAM}-{file_id}/download/{name}",
                "permalink": f"https://shop.slack.com/files/{user}/{file_id}/{name}",
                "has_rich_preview": False, "file_access": "visible", **fields}
        return self.event(user, text, subtype="file_share", files=[file], upload=False,
                          display_as_bot=False)

    def button_press(self, user: str, message: dict[str, Any], button: dict[str, Any]
                     ) -> dict[str, Any]:
        """The ``block_actions`` payload of ``user`` pressing ``button`` in ``message`` (a
        chat.postMessage body the bot sent)."""
        n = next(self._ids)
        channel = self.dm(user) if message["channel"][0] in "UW" else message["channel"]
        message_ts = f"{1_700_000_000 + n}.000100"
        return {"type": "block_actions", "team": {"id": TEAM, "domain": "shop"},
                "user": {"id": user, "username": "ann", "team_id": TEAM},
                "api_app_id": APP, "token": "verification-token-unused",
                "trigger_id": f"{n}.trigger",
                "container": {"type": "message", "message_ts": message_ts,
                              "channel_id": channel, "is_ephemeral": False},
                "channel": {"id": channel, "name": "directmessage"},
                "message": {"type": "message", "user": BOT_USER, "bot_id": BOT_ID,
                            "ts": message_ts, "text": message.get("text"),
                            "blocks": message.get("blocks")},
                "response_url": f"{self.url}/actions/{n}",
                "actions": [{"type": "button", "action_id": button["action_id"],
                             "block_id": "buttons:0", "text": button["text"],
                             "value": button["value"], "action_ts": f"{self.now()}.{n:06d}"}]}

    def now(self) -> int:
        assert self.clock is not None, "give the fake a clock (FakeSlack.clock) first"
        return int(self.clock().timestamp())

    def signed_headers(self, body: bytes, secret: str | None = None,
                       timestamp: int | None = None) -> dict[str, str]:
        stamp = str(self.now() if timestamp is None else timestamp)
        return {"X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": slack_signature(
                    self.signing_secret if secret is None else secret, stamp, body)}

    def deliver(self, webhook: str, envelope: dict[str, Any], *, secret: str | None = None,
                timestamp: int | None = None, signed: bool = True, retry: int = 0
                ) -> httpx.Response:
        """POST an Events API body as Slack does (``retry``: Slack's re-send number)."""
        body = json.dumps(envelope).encode()
        headers = {"Content-Type": "application/json"}
        if signed:
            headers.update(self.signed_headers(body, secret, timestamp))
        if retry:
            headers.update({"X-Slack-Retry-Num": str(retry),
                            "X-Slack-Retry-Reason": "http_timeout"})
        return httpx.post(webhook, content=body, headers=headers, timeout=30)

    def deliver_interaction(self, webhook: str, payload: dict[str, Any],
                            secret: str | None = None) -> httpx.Response:
        """POST an Interactivity request as Slack does: a form with ``payload=<json>``."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   **self.signed_headers(body, secret)}
        return httpx.post(webhook, content=body, headers=headers, timeout=30)


def make_fake() -> FakeSlack:
    return FakeSlack(f"xoxb-{secrets.randbelow(10**12)}-{secrets.token_hex(12)}",
                     secrets.token_hex(16))
