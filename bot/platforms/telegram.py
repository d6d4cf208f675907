"""Telegram: Rasa's ``TelegramInput`` with the secret-token check, de-duplication and retries.

Telegram calls ``/webhooks/telegram/webhook`` with each update and the secret token set with
``setWebhook`` in the ``X-Telegram-Bot-Api-Secret-Token`` header (SHOPDESK_TELEGRAM_WEBHOOK_SECRET);
a request without the right token is refused. Rasa's own channel checks nothing (it asks
Telegram's ``getMe`` on every message and compares the bot's name) and registers the webhook
with ``asyncio.run`` while the server starts. Here the webhook is registered, with its secret
token, when SHOPDESK_TELEGRAM_WEBHOOK_URL is set. Buttons become an inline keyboard; a
payload longer than Telegram's 64-byte ``callback_data`` travels as a short token.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.telegram import TelegramInput
from sanic import Blueprint
from sanic.request import Request

from bot.channels import settings
from bot.platforms.common import Inbound, MediaRef, Outbound, PlatformInput, PlatformOutput, platform_config
from bot.platforms.delivery import ButtonMemory, split_text
from bot.platforms.signatures import same
from shopdesk.platform_settings import PlatformConfig

logger = logging.getLogger(__name__)
MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64
_KINDS = ("photo", "document", "sticker", "voice", "video", "audio", "animation", "location",
          "contact", "video_note")


class TelegramOutput(PlatformOutput):
    platform = "telegram"

    def __init__(self, config: PlatformConfig, outbound: Outbound, buttons: ButtonMemory
                 ) -> None:
        self.url = f"{config.api_url}/bot{config.secret('TELEGRAM_TOKEN')}/sendMessage"
        self.outbound = outbound
        self.buttons = buttons

    async def _send(self, chat_id: str, text: str, markup: dict[str, Any] | None = None) -> None:
        pieces = split_text(text, MAX_TEXT) or ["…"]
        for i, piece in enumerate(pieces):
            body: dict[str, Any] = {"chat_id": chat_id, "text": piece}
            if markup and i == len(pieces) - 1:
                body["reply_markup"] = markup
            await self.outbound.post(self.url, json_body=body,
                                     refusal=lambda b: None if b.get("ok", True) else
                                     str(b.get("description") or "not ok"))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text)

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        offer = self.buttons.remember(recipient_id, buttons)
        rows = []
        for i, (title, payload) in enumerate(offer):
            data = payload if len(payload.encode()) <= MAX_CALLBACK_BYTES else f"btn:{i}"
            rows.append([{"text": title[:64], "callback_data": data}])
        await self._send(recipient_id, text, {"inline_keyboard": rows} if rows else None)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, image)


class TelegramChannel(PlatformInput, TelegramInput):
    """Telegram channel (``/webhooks/telegram/webhook``)."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramChannel:
        return cls(platform_config("telegram"))

    def __init__(self, config: PlatformConfig, outbound: Outbound | None = None) -> None:
        super().__init__(config.secret("TELEGRAM_TOKEN"), None,
                         config.value("TELEGRAM_WEBHOOK_URL") or None, debug_mode=False)
        self.config = config
        self.outbound = outbound or Outbound("Telegram")
        self.buttons = ButtonMemory()

    def signature_problem(self, request: Request) -> str | None:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token") or ""
        expected = self.config.secret("TELEGRAM_WEBHOOK_SECRET")
        if not given:
            return "no secret token"
        if not same(given, expected):
            return "wrong secret token"
        return None

    def messages_in(self, request: Request) -> list[Inbound]:
        update = request.json
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            raise ValueError("not a Telegram update")
        delivery = f"telegram:{update['update_id']}"
        query = update.get("callback_query")
        if isinstance(query, dict):  # a button was pressed
            chat = ((query.get("message") or {}).get("chat") or {}).get("id")
            if chat is None:
                return []
            sender = str(chat)
            data = str(query.get("data") or "")
            text = self.buttons.token_payload(sender, data) or data
            return [Inbound(delivery, sender, text, metadata={"button": True})]
        message = update.get("message") or update.get("edited_message")
        if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
            return []  # channel posts, joins, polls…: nothing a customer said to us
        sender = str(message["chat"].get("id"))
        text = message.get("text")
        if isinstance(text, str):
            if text.strip() in {"/start", "/help"}:
                text = "hello"
            return [Inbound(delivery, sender, self.buttons.reply_payload(sender, text) or text)]
        caption = message.get("caption") if isinstance(message.get("caption"), str) else ""
        photo = self._photo(message)
        if photo is not None:
            return [Inbound(delivery, sender, caption, photo=photo)]
        kind = next((k for k in _KINDS if k in message), "message")
        return [Inbound(delivery, sender, caption) if caption else
                Inbound(delivery, sender, "", unsupported=kind)]

    @staticmethod
    def _photo(message: dict[str, Any]) -> MediaRef | None:
        """The largest size of a photo that is within our limit (Telegram sends several), or
        an image sent as a file."""
        sizes = [p for p in message.get("photo") or [] if isinstance(p, dict) and p.get("file_id")]
        limit = settings().max_photo_bytes
        fitting = [p for p in sizes if int(p.get("file_size") or 0) <= limit] or sizes[:1]
        if fitting:
            best = max(fitting, key=lambda p: int(p.get("width") or 0) * int(p.get("height") or 0))
            return MediaRef(file_id=str(best["file_id"]), content_type="image/jpeg")
        document = message.get("document")
        if isinstance(document, dict) and str(document.get("mime_type") or "").startswith(
                "image/") and document.get("file_id"):
            return MediaRef(file_id=str(document["file_id"]),
                            content_type=str(document["mime_type"]))
        return None

    async def resolve_photo(self, ref: MediaRef) -> MediaRef:
        """``getFile`` turns the file id into a path on Telegram's file server."""
        token = self.config.secret("TELEGRAM_TOKEN")
        answer = await self.outbound.post(f"{self.config.api_url}/bot{token}/getFile",
                                          json_body={"file_id": ref.file_id}, what="file lookup")
        path = ((answer or {}).get("result") or {}).get("file_path")
        if not isinstance(path, str) or not path or ".." in path:
            return MediaRef()
        return MediaRef(url=f"{self.config.api_url}/file/bot{token}/{path}",
                        content_type=ref.content_type)

    def output_for(self, item: Inbound) -> TelegramOutput:
        return self.get_output_channel()

    def get_output_channel(self) -> TelegramOutput:  # type: ignore[override]
        # also what Rasa's API uses to send into a conversation: the chat id is the sender id
        return TelegramOutput(self.config, self.outbound, self.buttons)

    def extra_routes(self, blueprint: Blueprint) -> None:
        webhook_url = self.config.value("TELEGRAM_WEBHOOK_URL")

        @blueprint.listener("after_server_start")
        async def register(*_: Any) -> None:
            if not webhook_url:
                return
            answer = await self.outbound.post(
                f"{self.config.api_url}/bot{self.config.secret('TELEGRAM_TOKEN')}/setWebhook",
                json_body={"url": webhook_url,
                           "secret_token": self.config.secret("TELEGRAM_WEBHOOK_SECRET"),
                           "allowed_updates": ["message", "edited_message", "callback_query"]},
                what="webhook registration")
            if answer is not None:
                logger.info("Telegram: webhook registered")

    def blueprint(self, on_new_message: Any) -> Blueprint:
        return self.platform_blueprint(on_new_message)
