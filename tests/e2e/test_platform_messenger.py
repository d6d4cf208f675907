"""Facebook Messenger end to end, against a local fake of the Graph API and Meta's webhooks
(tests/fakes/messenger.py): the webhook verification, a conversation, the app-secret signature
enforced, a retried delivery processed once, replies that survive a slow platform, buttons as
quick replies (pressed, typed, or a postback), a photo fetched from the CDN and kept with the
conversation (a sticker or a video still answered in words), and Meta's own events (echoes,
receipts) left alone."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from bot.platforms.signatures import meta_signature
from shopdesk.stack import Stack
from tests.e2e.conftest import (
    Platforms,
    jpeg_with_metadata,
    photos_of,
    platform_webhook,
    user_texts,
)
from tests.fakes.messenger import FakeMessenger

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def webhook(stack: Stack) -> str:
    return platform_webhook(stack, "facebook")



@pytest.fixture
def messenger(platforms: Platforms, stack: Stack) -> FakeMessenger:
    return platforms.get_or_skip("facebook")


def replies(messenger: FakeMessenger, psid: str, after: int = 0, wanted: str = "",
            timeout: float = 60) -> list[dict]:
    """The bot's messages to ``psid`` after the first ``after``, once one contains
    ``wanted``."""
    def ready(_: object) -> list[dict] | None:
        got = messenger.messages_to(psid)[after:]
        return got if any(wanted in (m.get("text") or "") for m in got) else None
    return messenger.wait_for(ready, timeout)


def say(messenger: FakeMessenger, stack: Stack, psid: str, text: str) -> None:
    r = messenger.deliver(webhook(stack), messenger.body(messenger.message(psid, text)))
    assert r.status_code == 200, r.text


def test_the_webhook_verification_is_answered(messenger: FakeMessenger, stack: Stack) -> None:
    r = messenger.verify(webhook(stack), challenge="1158201444")
    assert r.status_code == 200
    assert r.text == "1158201444"
    assert r.headers["content-type"].startswith("text/plain")
    for token, mode in (("wrong-token", "subscribe"), ("", "subscribe"),
                        (messenger.verify_token[:-1], "subscribe"),
                        (messenger.verify_token, "unsubscribe")):
        r = messenger.verify(webhook(stack), token=token, challenge="1158201444", mode=mode)
        assert r.status_code == 403
        assert "1158201444" not in r.text


def test_a_conversation_answers_in_one_turn(messenger: FakeMessenger, stack: Stack) -> None:
    psid = "24000000000000001"
    say(messenger, stack, psid,
        "could you check on order #100236 for me? I used jane.doe@example.com")
    got = replies(messenger, psid, wanted="Order 100236")
    assert "hasn't shipped yet" in " ".join(m.get("text") or "" for m in got)
    calls = messenger.sent(lambda c: c.path.endswith("/me/messages"))
    assert calls and all(c.headers["authorization"] == f"Bearer {messenger.page_token}"
                         and messenger.page_token not in c.path
                         and c.json["messaging_type"] == "RESPONSE" for c in calls)


def test_the_signature_is_enforced(messenger: FakeMessenger, stack: Stack) -> None:
    psid = "24000000000000002"
    body = messenger.body(messenger.message(psid, "where is my order 100236"))
    other = messenger.body(messenger.message(psid, "hello"))
    raw = json.dumps(other).encode()
    for signature in ("",                                          # none
                      meta_signature("not-the-app-secret", raw),   # another app's secret
                      meta_signature(messenger.app_secret, raw),   # replayed with another body
                      "sha256=" + "0" * 64, "sha256=", "garbage"):
        r = messenger.deliver(webhook(stack), body, signature=signature)
        assert r.status_code == 401, signature
        assert "jane" not in r.text and "order" not in r.text
    # Rasa's own channel read the old SHA-1 header; a request carrying only that is refused
    r = httpx.post(webhook(stack), json=body, timeout=10,
                   headers={"X-Hub-Signature": "sha1=" + "0" * 40})
    assert r.status_code == 401
    # signed, but not something we can read: a clear 400
    for bad in (b"\xff\x00not json", b"[]", b'{"object": "page", "entry": "x"}',
                b'{"object": "page", "entry": [{"messaging": [{"sender": "x"}]}]}'):
        r = messenger.deliver(webhook(stack), bad)
        assert r.status_code == 400, bad
        assert "Traceback" not in r.text
    r = messenger.deliver(webhook(stack), messenger.body(
        messenger.message(psid, "where is my order 100236"), obj="instagram"))
    assert r.status_code == 400
    time.sleep(2)
    assert messenger.messages_to(psid) == []
    assert user_texts(stack, psid) == []


def test_a_retried_delivery_is_processed_once(messenger: FakeMessenger, stack: Stack) -> None:
    psid = "24000000000000003"
    event = messenger.message(psid, "how long do refunds take?")
    body = messenger.body(event)
    for _ in range(3):  # Meta delivers again when it thinks we did not get it
        assert messenger.deliver(webhook(stack), body).status_code == 200
    # …and may batch the same event into another entry
    assert messenger.deliver(webhook(stack), messenger.body(event)).status_code == 200
    first = replies(messenger, psid)
    time.sleep(3)
    assert len(messenger.messages_to(psid)) == len(first)
    assert user_texts(stack, psid) == ["how long do refunds take?"]


def test_replies_survive_a_slow_platform(messenger: FakeMessenger, stack: Stack) -> None:
    psid = "24000000000000004"
    messenger.fail_next(1, 429)  # Retry-After: 1
    messenger.fail_next(2, 502)
    say(messenger, stack, psid, "hello")
    got = replies(messenger, psid, timeout=90)
    assert got and not messenger.failures


def consent_offer(messenger: FakeMessenger, stack: Stack, psid: str) -> dict[str, str]:
    """Says hello; the consent question's quick replies, title → payload."""
    say(messenger, stack, psid, "hello")
    offered = replies(messenger, psid, wanted="remember")
    quick = {q["title"]: q["payload"] for m in offered for q in m.get("quick_replies") or []}
    assert quick.get("Yes, remember me") == "/consent_grant"
    assert quick.get("No, thanks") == "/consent_deny"
    return quick


def test_buttons_become_quick_replies_and_a_press_answers(
        messenger: FakeMessenger, stack: Stack) -> None:
    psid = "24000000000000005"
    quick = consent_offer(messenger, stack, psid)
    seen = len(messenger.messages_to(psid))
    messenger.deliver(webhook(stack), messenger.body(
        messenger.quick_reply(psid, "Yes, remember me", quick["Yes, remember me"])))
    assert replies(messenger, psid, after=seen, wanted="Thank you")
    assert user_texts(stack, psid)[-1] == "/consent_grant"


def test_a_typed_answer_to_buttons_works(messenger: FakeMessenger, stack: Stack) -> None:
    psid = "24000000000000006"
    consent_offer(messenger, stack, psid)
    seen = len(messenger.messages_to(psid))
    say(messenger, stack, psid, "yes, remember me")  # typed instead of pressed
    assert replies(messenger, psid, after=seen, wanted="Thank you")


def test_a_postback_is_answered(messenger: FakeMessenger, stack: Stack) -> None:
    psid = "24000000000000007"
    consent_offer(messenger, stack, psid)
    seen = len(messenger.messages_to(psid))
    messenger.deliver(webhook(stack), messenger.body(
        messenger.postback(psid, "No, thanks", "/consent_deny")))
    assert replies(messenger, psid, after=seen, wanted="No problem")


def test_a_photo_is_received_and_kept_with_the_conversation(
        messenger: FakeMessenger, stack: Stack) -> None:
    psid = "24000000000000008"
    messenger.deliver(webhook(stack), messenger.body(messenger.photo(psid, jpeg_with_metadata())))
    assert replies(messenger, psid, wanted="got your photo")
    (photo,) = photos_of(stack, psid)
    assert (photo["width"], photo["height"]) == (320, 240) and photo["case"] is None
    # the CDN's signed URL is the only credential: the page token is never sent there
    fetched = messenger.cdn_calls()
    assert fetched and all("authorization" not in c.headers for c in fetched)
    # several images in one message: the first is kept, and answered once
    seen = len(messenger.messages_to(psid))
    messenger.deliver(webhook(stack), messenger.body(messenger.photo(
        psid, jpeg_with_metadata((200, 100)), jpeg_with_metadata((100, 200)))))
    replies(messenger, psid, after=seen, wanted="got your photo")
    time.sleep(3)
    assert sum("got your photo" in (m.get("text") or "")
               for m in messenger.messages_to(psid)[seen:]) == 1
    assert sorted((p["width"], p["height"]) for p in photos_of(stack, psid)) == [
        (200, 100), (320, 240)]
    messenger.deliver(webhook(stack), messenger.body(
        messenger.photo(psid, b"GIF89a but not really")))
    assert replies(messenger, psid, wanted="could not be read")
    # a tampered (or expired) CDN URL: the photo could not be received
    bad = messenger.host(jpeg_with_metadata()).replace("_nc_sig=", "_nc_sig=0")
    messenger.deliver(webhook(stack), messenger.body(messenger.photo(psid, bad)))
    assert replies(messenger, psid, wanted="couldn't receive that photo")
    assert len(photos_of(stack, psid)) == 2
    # a sticker (the thumbs-up too) or a video is not a photo of the item
    messenger.deliver(webhook(stack), messenger.body(messenger.sticker(psid)))
    assert "sticker" in replies(messenger, psid, wanted="describe it in words")[-1]["text"]
    seen = len(messenger.messages_to(psid))
    messenger.deliver(webhook(stack), messenger.body(messenger.message(psid, attachments=[
        {"type": "video", "payload": {"url": messenger.host(b"\x00\x00\x00\x18ftypmp42",
                                                             "video/mp4")}}])))
    got = replies(messenger, psid, after=seen, wanted="describe it in words")
    assert "video" in got[-1]["text"]
    assert len(photos_of(stack, psid)) == 2


def test_echoes_and_receipts_are_left_alone(messenger: FakeMessenger, stack: Stack) -> None:
    psid = "24000000000000009"
    echo = messenger.event(messenger.page_id, recipient={"id": psid},
                           message={"mid": "m_echo", "text": "hello", "is_echo": True})
    delivered = messenger.event(psid, delivery={"mids": ["m_echo"], "watermark": 1})
    read = messenger.event(psid, read={"watermark": 1})
    r = messenger.deliver(webhook(stack), messenger.body(echo, delivered, read))
    assert r.status_code == 200
    time.sleep(2)
    assert messenger.messages_to(psid) == [] and messenger.messages_to(messenger.page_id) == []
    assert user_texts(stack, psid) == [] and user_texts(stack, messenger.page_id) == []
