"""Slack end to end, against a local fake of Slack (tests/fakes/slack.py): a conversation in
direct messages and by a mention, the signing secret enforced (missing, wrong, stale), the URL
check answered, a re-sent event processed once, replies that survive a slow or rate-limiting
Web API, Block Kit buttons pressed or answered in words, a shared photo downloaded with the
bot token and kept with the conversation (a broken one, one off Slack's file host and a PDF
answered in words), and the bot's own messages and edits ignored."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from shopdesk.clock import system_clock
from shopdesk.stack import Stack
from tests.e2e.conftest import (
    Platforms,
    jpeg_with_metadata,
    photos_of,
    platform_webhook,
    user_texts,
)
from tests.fakes.slack import BOT_ID, BOT_USER, FakeSlack

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def webhook(stack: Stack) -> str:
    return platform_webhook(stack, "slack")


@pytest.fixture
def slack(platforms: Platforms, stack: Stack) -> FakeSlack:
    fake: FakeSlack = platforms.get_or_skip("slack")
    fake.clock = system_clock  # the fake stamps its signed requests with the real time
    return fake


def replies(slack: FakeSlack, channel: str, after: int = 0, wanted: str = "",
            timeout: float = 60) -> list[dict[str, Any]]:
    """The bot's messages in ``channel`` after the first ``after``, once one contains
    ``wanted``."""
    def ready(_: object) -> list[dict[str, Any]] | None:
        got = slack.messages_to(channel)[after:]
        return got if any(wanted in (m.get("text") or "") for m in got) else None
    return slack.wait_for(ready, timeout)


def buttons(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for m in messages for b in m.get("blocks") or [] if b.get("type") == "actions"
            for e in b["elements"]]


def test_a_direct_message_conversation(slack: FakeSlack, stack: Stack) -> None:
    user = "U0E2E0001"
    envelope = slack.event(user, "could you check on order #100236 for me? I used "
                                 "jane.doe@example.com")
    assert "<mailto:jane.doe@example.com|jane.doe@example.com>" in envelope["event"]["text"]
    r = slack.deliver(webhook(stack), envelope)
    assert r.status_code == 200
    got = replies(slack, slack.dm(user), wanted="Order 100236")
    assert "hasn't shipped yet" in " ".join(m["text"] for m in got)
    call = slack.sent(lambda c: (c.json or {}).get("channel") == slack.dm(user))[0]
    assert call.headers["authorization"] == f"Bearer {slack.token}"
    assert slack.token not in call.path
    # the customer's words reach the conversation as typed, Slack's link markup undone
    assert user_texts(stack, user)[0].endswith("I used jane.doe@example.com")


def test_a_mention_in_a_channel_is_answered_there(slack: FakeSlack, stack: Stack) -> None:
    user, channel = "U0E2E0002", "C0E2EGENERAL"
    slack.deliver(webhook(stack), slack.event(
        user, f"<@{BOT_USER}> how long do refunds take?", channel=channel, kind="app_mention"))
    assert replies(slack, channel)
    assert user_texts(stack, user) == ["how long do refunds take?"]
    # messages in the channel that do not mention the app are not the bot's business
    slack.deliver(webhook(stack), slack.event(user, "lunch anyone?", channel=channel))
    time.sleep(2)
    assert user_texts(stack, user) == ["how long do refunds take?"]


def test_the_signature_is_enforced(slack: FakeSlack, stack: Stack) -> None:
    user = "U0E2E0003"
    stale = int(system_clock().timestamp()) - 600
    for kwargs in ({"signed": False}, {"secret": "not-the-signing-secret"},
                   {"timestamp": stale}):
        r = slack.deliver(webhook(stack), slack.event(user, "where is my order 100236"),
                          **kwargs)
        assert r.status_code == 401, kwargs
        assert "100236" not in r.text
    check = {"token": "x", "challenge": "forged-challenge", "type": "url_verification"}
    r = slack.deliver(webhook(stack), check, signed=False)
    assert r.status_code == 401 and "forged-challenge" not in r.text
    # signed but unreadable: a clear 400, never a 500
    for body, kind in ((b"\xff\x00not json", "application/json"),
                       (b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
                       (b"[1, 2]", "application/json"), (b"hello", "text/plain")):
        r = httpx.post(webhook(stack), content=body, timeout=10,
                       headers={"Content-Type": kind, **slack.signed_headers(body)})
        assert r.status_code == 400, body
    time.sleep(2)
    assert slack.messages_to(slack.dm(user)) == []
    assert user_texts(stack, user) == []


def test_the_url_check_is_answered(slack: FakeSlack, stack: Stack) -> None:
    r = slack.deliver(webhook(stack), {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9",
                                       "type": "url_verification"})
    assert r.status_code == 200
    assert r.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9"}


def test_a_resent_event_is_processed_once(slack: FakeSlack, stack: Stack) -> None:
    user = "U0E2E0004"
    envelope = slack.event(user, "how long do refunds take?")
    for retry in range(3):  # Slack re-sends when it thinks we did not get it
        assert slack.deliver(webhook(stack), envelope, retry=retry).status_code == 200
    first = replies(slack, slack.dm(user))
    time.sleep(3)
    assert len(slack.messages_to(slack.dm(user))) == len(first)
    assert user_texts(stack, user) == ["how long do refunds take?"]


def test_replies_survive_a_slow_platform(slack: FakeSlack, stack: Stack) -> None:
    user = "U0E2E0005"
    slack.fail_next(1, 429)  # rate limited, Retry-After: 1
    slack.fail_next(2, 503)
    slack.refuse_next(1, "ratelimited")  # Slack's own way: HTTP 200, {"ok": false}
    slack.deliver(webhook(stack), slack.event(user, "hello"))
    got = replies(slack, slack.dm(user), timeout=90)
    assert got and not slack.failures and not slack.refusals


def test_buttons_become_block_kit_and_a_press_answers(slack: FakeSlack, stack: Stack) -> None:
    user = "U0E2E0006"
    slack.deliver(webhook(stack), slack.event(user, "hello"))
    offered = replies(slack, slack.dm(user), wanted="remember")
    message = next(m for m in offered  # "hello" also offers a menu: the consent question
                   if any(b["value"] == "/consent_grant" for b in buttons([m])))
    assert "remember" in message["text"]  # the notification's text, besides the blocks
    shown = {b["text"]["text"]: b["value"] for b in buttons([message])}
    assert shown == {"Yes, remember me": "/consent_grant", "No, thanks": "/consent_deny"}
    grant = next(b for b in buttons([message]) if b["value"] == "/consent_grant")
    press = slack.button_press(user, message, grant)
    seen = len(slack.messages_to(slack.dm(user)))
    for _ in range(2):  # a press Slack delivers twice counts once
        assert slack.deliver_interaction(webhook(stack), press).status_code == 200
    assert replies(slack, slack.dm(user), after=seen, wanted="Thank you")
    time.sleep(2)
    assert user_texts(stack, user).count("/consent_grant") == 1


def test_a_typed_answer_picks_a_button(slack: FakeSlack, stack: Stack) -> None:
    user = "U0E2E0007"
    slack.deliver(webhook(stack), slack.event(user, "hello"))
    replies(slack, slack.dm(user), wanted="remember")
    seen = len(slack.messages_to(slack.dm(user)))
    slack.deliver(webhook(stack), slack.event(user, "No, thanks"))
    assert replies(slack, slack.dm(user), after=seen, wanted="No problem")


def test_a_photo_is_received_and_kept_with_the_conversation(
        slack: FakeSlack, stack: Stack) -> None:
    user = "U0E2E0008"
    slack.deliver(webhook(stack), slack.share_file(user, jpeg_with_metadata(), "parcel.jpg",
                                                   text="the box came crushed"))
    assert replies(slack, slack.dm(user), wanted="got your photo")
    (photo,) = photos_of(stack, user)
    assert (photo["width"], photo["height"]) == (320, 240) and photo["case"] is None
    (download,) = slack.file_downloads()  # the private URL, with the bot token in a header
    assert download.path.endswith("/download/parcel.jpg")
    assert download.headers["authorization"] == f"Bearer {slack.token}"
    assert slack.token not in download.path
    # the file host refuses a download without the token: Slack's sign-in page, no image
    page = httpx.get(slack.url + download.path, timeout=10)
    assert page.headers["content-type"].startswith("text/html")
    seen = len(slack.messages_to(slack.dm(user)))
    slack.deliver(webhook(stack), slack.share_file(user, b"GIF89a but not really", "x.gif",
                                                   "image/gif"))
    assert replies(slack, slack.dm(user), after=seen, wanted="could not be read")
    # a file an event places off Slack's file host never gets the token
    seen = len(slack.messages_to(slack.dm(user)))
    elsewhere = "http://127.0.0.2:9/files-pri/T1-F1/photo.jpg"
    slack.deliver(webhook(stack), slack.share_file(
        user, jpeg_with_metadata(), url_private=elsewhere, url_private_download=elsewhere))
    assert replies(slack, slack.dm(user), after=seen, wanted="couldn't receive that photo")
    seen = len(slack.messages_to(slack.dm(user)))
    slack.deliver(webhook(stack), slack.share_file(user, b"%PDF-1.7", "receipt.pdf",
                                                   "application/pdf"))
    assert replies(slack, slack.dm(user), after=seen, wanted="describe it in words")
    # the bot fetched the photo and the broken image only (and the test its sign-in page)
    assert len([c for c in slack.file_downloads() if c.headers.get("authorization")]) == 2
    assert len(photos_of(stack, user)) == 1


def test_the_bots_own_messages_and_edits_are_ignored(slack: FakeSlack, stack: Stack) -> None:
    user = "U0E2E0009"
    slack.deliver(webhook(stack), slack.event(user, "hello", bot_id=BOT_ID))
    slack.deliver(webhook(stack), slack.event(user, "hello", subtype="message_changed"))
    slack.deliver(webhook(stack), slack.event(user, "hello", subtype="channel_join"))
    time.sleep(3)
    assert slack.messages_to(slack.dm(user)) == []
    assert user_texts(stack, user) == []
