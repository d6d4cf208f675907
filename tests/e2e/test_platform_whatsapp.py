"""WhatsApp (Twilio) end to end, against a local fake of Twilio's REST API
(tests/fakes/whatsapp.py): a conversation, the signature enforced, a retried delivery
processed once, replies that survive a slow platform, buttons as a numbered list answered by
number, photos received (Twilio's authenticated media URL and its redirect to storage) and
kept with the conversation, and other attachments answered instead of ignored."""

from __future__ import annotations

import time

import httpx
import pytest

from shopdesk.clock import system_clock
from shopdesk.stack import Stack, rasa_admin_token
from tests.e2e.conftest import Platforms, jpeg_with_metadata, photos_of, platform_webhook, user_texts
from tests.fakes.whatsapp import FakeTwilio

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def webhook(stack: Stack) -> str:
    return platform_webhook(stack, "twilio")


@pytest.fixture
def twilio(platforms: Platforms, stack: Stack) -> FakeTwilio:
    return platforms.get_or_skip("twilio")


def replies(twilio: FakeTwilio, to: str, after: int = 0, wanted: str = "",
            timeout: float = 60) -> list[dict]:
    """The bot's messages to ``to`` after the first ``after``, once one contains ``wanted``."""
    def ready(_: object) -> list[dict] | None:
        got = twilio.messages_to(to)[after:]
        return got if any(wanted in (m.get("body") or "") for m in got) else None
    return twilio.wait_for(ready, timeout)


def text_of(messages: list[dict]) -> str:
    return "\n".join(m.get("body") or "" for m in messages)


def test_a_conversation_answers_in_one_turn(twilio: FakeTwilio, stack: Stack) -> None:
    customer = "whatsapp:+447700900101"
    r = twilio.deliver(webhook(stack), twilio.inbound(
        customer, "could you check on order #100236 for me? I used jane.doe@example.com"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/xml")
    assert r.text == EMPTY_TWIML  # Twilio sends nothing itself; replies go through the API
    got = replies(twilio, customer, wanted="Order 100236")
    assert "hasn't shipped yet" in text_of(got)
    assert all(m["from"] == twilio.number and len(m["body"]) <= 1600 for m in got)
    assert user_texts(stack, customer)[-1].startswith("could you check on order #100236")


def test_the_signature_is_enforced(twilio: FakeTwilio, stack: Stack) -> None:
    customer = "whatsapp:+447700900102"
    fields = twilio.inbound(customer, "where is my order 100236")
    tampered = {**fields, "Body": "cancel my order 100236"}
    other_account = {**fields, "AccountSid": "AC" + "0" * 32}
    attempts = [
        (fields, ""),                                           # no signature
        (fields, twilio.sign(fields, token="not-the-auth-token")),  # wrong token
        (fields, twilio.sign(fields, url=webhook(stack))),      # not the public URL Twilio signs
        (tampered, twilio.sign(fields)),                        # a body changed on the way
        (other_account, twilio.sign(other_account)),            # not our Twilio account
    ]
    for body, signature in attempts:
        r = twilio.deliver(webhook(stack), body, signature=signature)
        assert r.status_code == 401, r.text
        assert "100236" not in r.text
    # signed, but not a message: a clear 400, never a 500
    no_sender = {k: v for k, v in fields.items() if k != "From"}
    assert twilio.deliver(webhook(stack), no_sender).status_code == 400
    r = httpx.post(webhook(stack), content=b'{"Body": "hi"}',
                   headers={"Content-Type": "application/json",
                            "X-Twilio-Signature": twilio.sign({})}, timeout=10)
    assert r.status_code == 400
    time.sleep(2)
    assert twilio.messages_to(customer) == []
    assert user_texts(stack, customer) == []


def test_a_retried_delivery_is_processed_once(twilio: FakeTwilio, stack: Stack) -> None:
    customer = "whatsapp:+447700900103"
    fields = twilio.inbound(customer, "how long do refunds take?")
    for _ in range(3):  # Twilio posts again when our answer is late or lost
        assert twilio.deliver(webhook(stack), fields).status_code == 200
    first = replies(twilio, customer)
    time.sleep(3)
    assert len(twilio.messages_to(customer)) == len(first)
    assert user_texts(stack, customer) == ["how long do refunds take?"]


def test_a_status_callback_is_not_a_message(twilio: FakeTwilio, stack: Stack) -> None:
    customer = "whatsapp:+447700900104"
    status = {"MessageSid": twilio.sid("SM"), "SmsSid": "x", "AccountSid": twilio.account_sid,
              "From": twilio.number, "To": customer, "MessageStatus": "delivered",
              "SmsStatus": "delivered", "ChannelPrefix": "whatsapp", "ApiVersion": "2010-04-01"}
    r = twilio.deliver(webhook(stack), status)
    assert r.status_code == 200
    time.sleep(2)
    assert twilio.messages_to(customer) == []
    assert user_texts(stack, customer) == []


def test_replies_survive_a_slow_platform(twilio: FakeTwilio, stack: Stack) -> None:
    customer = "whatsapp:+447700900105"
    twilio.fail_next(1, 429)  # Too Many Requests with Retry-After: 1
    twilio.fail_next(1, 503)
    twilio.throttle_next(1)   # Twilio's own 429 (code 20429) without Retry-After
    twilio.deliver(webhook(stack), twilio.inbound(customer, "hello"))
    got = replies(twilio, customer, wanted="Yes, remember me", timeout=90)
    assert got and not twilio.failures and not twilio.throttled
    assert len(twilio.refused) >= 2


def test_buttons_become_a_numbered_list_and_a_number_answers(
        twilio: FakeTwilio, stack: Stack) -> None:
    customer = "whatsapp:+447700900106"
    twilio.deliver(webhook(stack), twilio.inbound(customer, "hello"))
    offered = text_of(replies(twilio, customer, wanted="remember"))
    assert "1. Yes, remember me" in offered and "2. No, thanks" in offered
    seen = len(twilio.messages_to(customer))
    twilio.deliver(webhook(stack), twilio.inbound(customer, "1"))
    assert replies(twilio, customer, after=seen, wanted="Thank you")
    assert user_texts(stack, customer)[-1] == "/consent_grant"


def last_user_event(stack: Stack, sender: str) -> dict:
    url = f"http://127.0.0.1:{stack.settings.rasa_port}/conversations/{sender}/tracker"
    token = rasa_admin_token(stack.rasa_secret, system_clock)
    tracker = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
    return [e for e in tracker.get("events") or [] if e.get("event") == "user"][-1]


def test_a_photo_is_received_and_kept_with_the_conversation(
        twilio: FakeTwilio, stack: Stack) -> None:
    customer = "whatsapp:+447700900107"
    fields = twilio.inbound(customer, "the handle came off", media_type="image/jpeg",
                            data=jpeg_with_metadata())
    assert httpx.get(fields["MediaUrl0"], timeout=10).json()["code"] == 20003  # auth enforced
    twilio.deliver(webhook(stack), fields)
    assert replies(twilio, customer, wanted="got your photo")
    (photo,) = photos_of(stack, customer)
    assert (photo["width"], photo["height"]) == (320, 240) and photo["case"] is None
    said = last_user_event(stack, customer)  # the caption stays with the photo
    assert said["text"] == "/share_photo"
    assert said["metadata"]["original_text"] == "the handle came off"
    assert twilio.media_fetched(twilio.media[fields["MediaUrl0"].removeprefix(twilio.url)])
    assert twilio.storage_auth == []  # the credentials went to Twilio only, not to storage
    seen = len(twilio.messages_to(customer))
    twilio.deliver(webhook(stack), twilio.inbound(customer, media_type="image/png",
                                                  data=b"GIF89a but not really"))
    assert replies(twilio, customer, after=seen, wanted="could not be read")
    seen = len(twilio.messages_to(customer))
    twilio.deliver(webhook(stack), twilio.inbound(customer, media_type="audio/ogg",
                                                  data=b"OggS voice note"))
    got = replies(twilio, customer, after=seen, wanted="describe it in words")
    assert "couldn't open that file" in text_of(got)
    assert len(photos_of(stack, customer)) == 1


def test_a_media_url_outside_twilio_is_never_fetched(twilio: FakeTwilio, stack: Stack) -> None:
    customer = "whatsapp:+447700900109"
    fields = twilio.inbound(customer, media_type="image/jpeg", data=jpeg_with_metadata())
    elsewhere = twilio.media[fields["MediaUrl0"].removeprefix(twilio.url)]  # not the API
    forged = {**fields, "MediaUrl0": elsewhere}
    twilio.deliver(webhook(stack), forged)  # signed: only our own URL check stands in the way
    assert replies(twilio, customer, wanted="couldn't receive that photo")
    assert not twilio.media_fetched(elsewhere) and not twilio.media_fetched(fields["MediaUrl0"])
    assert photos_of(stack, customer) == []


def test_a_file_with_a_caption_gets_the_caption_answered(
        twilio: FakeTwilio, stack: Stack) -> None:
    customer = "whatsapp:+447700900108"
    twilio.deliver(webhook(stack), twilio.inbound(customer, "how long do refunds take?",
                                                  media_type="application/pdf"))
    replies(twilio, customer, wanted="couldn't open that file")
    twilio.wait_for(lambda _: len(twilio.messages_to(customer)) >= 2)  # and the answer
    assert user_texts(stack, customer) == ["how long do refunds take?"]
