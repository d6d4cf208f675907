"""A fake Telegram Bot API: delivers updates to our webhook with the secret token, and serves
``/bot<token>/sendMessage`` and ``/bot<token>/setWebhook`` as Telegram documents them."""

from __future__ import annotations

import itertools
import secrets
from typing import Any

import httpx

from tests.fakes.base import ApiCall, FakePlatform


class FakeTelegram(FakePlatform):
    title = "Telegram"

    def __init__(self, token: str, secret: str) -> None:
        super().__init__()
        self.token = token
        self.secret = secret
        self.webhook = ""
        self._ids = itertools.count(1000)

    def answer(self, call: ApiCall) -> tuple[Any, ...]:
        if call.method == "GET" and call.path.startswith(f"/file/bot{self.token}/"):
            hosted = self.files.get(call.path.removeprefix(f"/file/bot{self.token}/"))
            return (200, *hosted) if hosted else (404, {"ok": False, "error_code": 404,
                                                        "description": "Not Found"})
        if not call.path.startswith(f"/bot{self.token}/"):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = call.path.rsplit("/", 1)[-1]
        if method == "sendMessage":
            body = call.json or {}
            if not body.get("chat_id") or not str(body.get("text") or "").strip():
                return 400, {"ok": False, "error_code": 400,
                             "description": "Bad Request: message text is empty"}
            return 200, {"ok": True, "result": {"message_id": next(self._ids),
                                                "chat": {"id": body["chat_id"]},
                                                "text": body["text"]}}
        if method == "getFile":
            file_id = str((call.json or {}).get("file_id") or "")
            path = f"photos/{file_id}.jpg"
            if path not in self.files:
                return 400, {"ok": False, "error_code": 400,
                             "description": "Bad Request: invalid file_id"}
            return 200, {"ok": True, "result": {"file_id": file_id, "file_unique_id": file_id,
                                                "file_size": len(self.files[path][0]),
                                                "file_path": path}}
        if method in {"setWebhook", "answerCallbackQuery"}:
            return 200, {"ok": True, "result": True}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def env(self) -> dict[str, str]:
        return {"SHOPDESK_TELEGRAM_TOKEN": self.token,
                "SHOPDESK_TELEGRAM_WEBHOOK_SECRET": self.secret,
                "SHOPDESK_TELEGRAM_API_URL": self.url}

    def messages_to(self, chat_id: int | str) -> list[dict[str, Any]]:
        return [c.json for c in self.sent(lambda c: c.path.endswith("/sendMessage"))
                if str((c.json or {}).get("chat_id")) == str(chat_id)]

    # ---- the platform's side: delivering updates to our webhook
    def update(self, chat_id: int, text: str | None = None, **message: Any) -> dict[str, Any]:
        update_id = next(self._ids)
        body: dict[str, Any] = {"message_id": update_id, "date": 1_700_000_000,
                                "chat": {"id": chat_id, "type": "private"},
                                "from": {"id": chat_id, "is_bot": False, "first_name": "Ann"},
                                **message}
        if text is not None:
            body["text"] = text
        return {"update_id": update_id, "message": body}

    def photo_update(self, chat_id: int, data: bytes, caption: str | None = None
                     ) -> dict[str, Any]:
        """A photo message: Telegram sends the sizes it made, each with a file id to fetch."""
        file_id = f"AgAC{next(self._ids)}"
        self.files[f"photos/{file_id}.jpg"] = (data, "image/jpeg")
        sizes = [{"file_id": f"{file_id}-thumb", "file_unique_id": "t", "width": 90,
                  "height": 67, "file_size": 1200},
                 {"file_id": file_id, "file_unique_id": "u", "width": 320, "height": 240,
                  "file_size": len(data)}]
        extra = {"caption": caption} if caption else {}
        return self.update(chat_id, None, photo=sizes, **extra)

    def button_update(self, chat_id: int, data: str) -> dict[str, Any]:
        update_id = next(self._ids)
        return {"update_id": update_id,
                "callback_query": {"id": str(update_id), "data": data,
                                   "from": {"id": chat_id, "is_bot": False, "first_name": "Ann"},
                                   "message": {"message_id": 1, "date": 1_700_000_000,
                                               "chat": {"id": chat_id, "type": "private"}}}}

    def deliver(self, webhook: str, update: dict[str, Any], secret: str | None = None
                ) -> httpx.Response:
        secret = self.secret if secret is None else secret
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        return httpx.post(webhook, json=update, headers=headers, timeout=30)


def make_fake() -> FakeTelegram:
    return FakeTelegram(f"{secrets.randbelow(10**9)}:{secrets.token_urlsafe(24)}",
                        secrets.token_urlsafe(24))
