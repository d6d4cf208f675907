"""Telegram end to end, against a local fake of the Bot API (tests/fakes/telegram.py): a
conversation, the secret token enforced, a retried delivery processed once, replies that
survive a slow platform, buttons, and a photo answered instead of ignored."""

from __future__ import annotations

import time

import httpx
import pytest

from shopdesk.stack import Stack
from tests.e2e.conftest import Platforms, jpeg_with_metadata, photos_of, platform_webhook, user_texts
from tests.fakes.telegram import FakeTelegram

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def webhook(stack: Stack) -> str:
    return platform_webhook(stack, "telegram")



@pytest.fixture
def telegram(platforms: Platforms, stack: Stack) -> FakeTelegram:
    return platforms.get_or_skip("telegram")


def replies(telegram: FakeTelegram, chat_id: int, after: int = 0, wanted: str = "",
            timeout: float = 60) -> list[dict]:
    """The bot's messages to ``chat_id`` after the first ``after``, once one contains
    ``wanted``."""
    def ready(_: object) -> list[dict] | None:
        got = telegram.messages_to(chat_id)[after:]
        return got if any(wanted in (m.get("text") or "") for m in got) else None
    return telegram.wait_for(ready, timeout)


def test_a_conversation_answers_in_one_turn(telegram: FakeTelegram, stack: Stack) -> None:
    chat = 7001
    r = telegram.deliver(webhook(stack), telegram.update(
        chat, "could you check on order #100236 for me? I used jane.doe@example.com"))
    assert r.status_code == 200
    got = replies(telegram, chat, wanted="Order 100236")
    assert "hasn't shipped yet" in " ".join(m["text"] for m in got)


def test_the_secret_token_is_enforced(telegram: FakeTelegram, stack: Stack) -> None:
    chat = 7002
    for secret in ("", "wrong-secret"):
        r = telegram.deliver(webhook(stack), telegram.update(chat, "where is my order 100236"),
                             secret=secret)
        assert r.status_code == 401
        assert "jane" not in r.text
    r = httpx.post(webhook(stack), content=b"\xff\x00not json",
                   headers={"X-Telegram-Bot-Api-Secret-Token": telegram.secret}, timeout=10)
    assert r.status_code == 400
    time.sleep(2)
    assert telegram.messages_to(chat) == []
    assert user_texts(stack, str(chat)) == []


def test_a_retried_delivery_is_processed_once(telegram: FakeTelegram, stack: Stack) -> None:
    chat = 7003
    update = telegram.update(chat, "how long do refunds take?")
    for _ in range(3):  # Telegram delivers again when it thinks we did not get it
        assert telegram.deliver(webhook(stack), update).status_code == 200
    first = replies(telegram, chat)
    time.sleep(3)
    assert len(telegram.messages_to(chat)) == len(first)
    assert user_texts(stack, str(chat)) == ["how long do refunds take?"]


def test_replies_survive_a_slow_platform(telegram: FakeTelegram, stack: Stack) -> None:
    chat = 7004
    telegram.fail_next(1, 429)  # "Too Many Requests", Retry-After: 1
    telegram.fail_next(2, 502)
    telegram.deliver(webhook(stack), telegram.update(chat, "hello"))
    got = replies(telegram, chat, timeout=90)
    assert got and not telegram.failures


def test_buttons_become_an_inline_keyboard_and_a_press_answers(
        telegram: FakeTelegram, stack: Stack) -> None:
    chat = 7005
    telegram.deliver(webhook(stack), telegram.update(chat, "/start"))
    offered = replies(telegram, chat, wanted="remember")
    keyboard = [b for m in offered for row in (m.get("reply_markup") or {}).get(
        "inline_keyboard", []) for b in row]
    grant = next(b for b in keyboard if b["text"] == "Yes, remember me")
    assert len(grant["callback_data"].encode()) <= 64
    seen = len(telegram.messages_to(chat))
    telegram.deliver(webhook(stack), telegram.button_update(chat, grant["callback_data"]))
    assert replies(telegram, chat, after=seen, wanted="Thank you")


def test_a_photo_is_received_and_kept_with_the_conversation(
        telegram: FakeTelegram, stack: Stack) -> None:
    chat = 7006
    telegram.deliver(webhook(stack), telegram.photo_update(chat, jpeg_with_metadata()))
    assert replies(telegram, chat, wanted="got your photo")
    (photo,) = photos_of(stack, str(chat))
    assert (photo["width"], photo["height"]) == (320, 240) and photo["case"] is None
    telegram.deliver(webhook(stack), telegram.photo_update(chat, b"GIF89a but not really"))
    assert replies(telegram, chat, wanted="could not be read")
    telegram.deliver(webhook(stack), telegram.update(
        chat, None, sticker={"file_id": "CAAC", "file_unique_id": "s", "width": 512,
                             "height": 512, "is_animated": False}))
    assert replies(telegram, chat, wanted="describe it in words")
