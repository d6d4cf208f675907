"""The standard-library parts of the messaging-platform channels: once-only delivery, buttons
answered in words, text cut to a platform's length, request signatures, and the settings that
switch a platform on."""

from __future__ import annotations

import pytest

from bot.platforms.delivery import ButtonMemory, Deduplicator, numbered, split_text
from bot.platforms.signatures import meta_signature, same, slack_problem, slack_signature, twilio_signature
from shopdesk.errors import ConfigError
from shopdesk.platform_settings import read_platforms
from shopdesk.settings import Settings
from shopdesk.stack import write_credentials


class Ticking:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_delivery_is_processed_once_within_its_time_to_live() -> None:
    tick = Ticking()
    dedup = Deduplicator(ttl_s=60, max_keys=3, monotonic=tick)
    assert dedup.first_time("a") and not dedup.first_time("a")
    tick.now = 61
    assert dedup.first_time("a")  # forgotten after the time to live
    for key in "bcde":
        assert dedup.first_time(key)
    assert dedup.first_time("a")  # bounded: the oldest went first


def test_buttons_can_be_answered_by_number_title_or_token() -> None:
    memory = ButtonMemory(max_senders=2)
    offer = memory.remember("ann", [{"title": "Yes, remember me", "payload": "/consent_grant"},
                                    {"title": "No, thanks", "payload": "/consent_deny"},
                                    {"title": "", "payload": ""}, "not a button"])
    assert offer == [("Yes, remember me", "/consent_grant"), ("No, thanks", "/consent_deny")]
    assert memory.reply_payload("ann", " 2. ") == "/consent_deny"
    assert memory.reply_payload("ann", "yes, REMEMBER me") == "/consent_grant"
    assert memory.reply_payload("ann", "3") is None and memory.reply_payload("ann", "0") is None
    assert memory.reply_payload("ann", "where is my order") is None
    assert memory.token_payload("ann", "btn:1") == "/consent_deny"
    assert memory.token_payload("ann", "btn:7") is None and memory.token_payload("bob", "btn:0") is None
    memory.remember("bob", [{"title": "A", "payload": "/a"}])
    memory.remember("cy", [{"title": "B", "payload": "/b"}])
    assert memory.reply_payload("ann", "1") is None  # bounded
    text = numbered("Shall I remember you?", offer)
    assert "1. Yes, remember me" in text and "2. No, thanks" in text and "/consent" not in text


def test_long_texts_are_cut_at_boundaries_and_nothing_is_lost() -> None:
    text = ("word " * 500).strip() + "\n\n" + "x" * 50
    pieces = split_text(text, 300)
    assert all(len(p) <= 300 for p in pieces)
    assert " ".join(pieces).split() == text.split()
    assert split_text("y" * 1000, 300) == ["y" * 300] * 3 + ["y" * 100]
    assert split_text("   ", 10) == []


def test_slack_signatures_and_replays() -> None:
    body = b'{"type":"event_callback"}'
    sig = slack_signature("s3cret", "1700000000", body)
    # the value Slack's own SDK (slack_sdk.signature.SignatureVerifier) computes for this input
    assert sig == "v0=86b7f6b0f9d8eaea346e0d6d46c4afa2c064592b12dece92be4dc33567057a94"
    assert slack_problem("s3cret", "1700000000", sig, body, 1_700_000_100) is None
    assert slack_problem("s3cret", "1700000000", sig, body + b" ", 1_700_000_100) == "wrong signature"
    assert "too old" in slack_problem("s3cret", "1700000000", sig, body, 1_700_000_400)
    assert slack_problem("s3cret", "", sig, body, 1_700_000_000) == "no signature"
    assert slack_problem("s3cret", "soon", sig, body, 1_700_000_000) == "malformed timestamp"


def test_meta_and_twilio_signatures_match_known_values() -> None:
    assert meta_signature("app-secret", b"{}") == (
        "sha256=bd9549eb87a414d3df28b5a60ea86d4a11e2f1c6258edbd18f56d3c23c0f908d")
    params = {"From": "whatsapp:+447700900123", "Body": "hello there", "MessageSid": "SM123",
              "NumMedia": "0"}
    url = "https://example.com/webhooks/twilio/webhook"
    # computed with twilio's RequestValidator.compute_signature for the same input
    assert twilio_signature("tok", url, params) == "MKA/ttEpIzFahdja6VKp3HL/JN8="
    assert same("abc", "abc") and not same("", "") and not same("abc", "abd")



def test_a_platform_is_off_until_its_token_is_set_and_then_needs_its_secret() -> None:
    assert read_platforms({}) == ()
    with pytest.raises(ConfigError, match="SHOPDESK_TELEGRAM_WEBHOOK_SECRET"):
        read_platforms({"SHOPDESK_TELEGRAM_TOKEN": "1:abc"})
    with pytest.raises(ConfigError, match="SHOPDESK_MESSENGER_APP_SECRET, "
                                          "SHOPDESK_MESSENGER_VERIFY_TOKEN are not set"):
        read_platforms({"SHOPDESK_MESSENGER_PAGE_TOKEN": "page"})
    with pytest.raises(ConfigError, match="SHOPDESK_TWILIO_WHATSAPP_NUMBER must be"):
        read_platforms({"SHOPDESK_TWILIO_ACCOUNT_SID": "AC1", "SHOPDESK_TWILIO_AUTH_TOKEN": "t",
                        "SHOPDESK_TWILIO_WHATSAPP_NUMBER": "my phone"})
    with pytest.raises(ConfigError, match="SHOPDESK_SLACK_API_URL must be"):
        read_platforms({"SHOPDESK_SLACK_BOT_TOKEN": "xoxb", "SHOPDESK_SLACK_SIGNING_SECRET": "s",
                        "SHOPDESK_SLACK_API_URL": "ftp://slack"})
    (slack,) = read_platforms({"SHOPDESK_SLACK_BOT_TOKEN": "xoxb-1",
                               "SHOPDESK_SLACK_SIGNING_SECRET": "signing"})
    assert slack.name == "slack" and slack.api_url == "https://slack.com/api"
    assert slack.secret("SLACK_SIGNING_SECRET") == "signing"
    assert "signing" not in repr(slack) and "xoxb-1" not in repr(slack)


def test_the_credentials_list_the_switched_on_platforms_and_no_secret(tmp_path) -> None:  # noqa: ANN001
    env = {"SHOPDESK_DATA_DIR": str(tmp_path), "SHOPDESK_TELEGRAM_TOKEN": "1:tok-value",
           "SHOPDESK_TELEGRAM_WEBHOOK_SECRET": "hook-secret"}
    text = write_credentials(Settings.from_env(env)).read_text()
    assert "bot.platforms.telegram.TelegramChannel: {}" in text
    assert "bot.channels.GuardedRestInput" in text and "slack" not in text.lower()
    assert "tok-value" not in text and "hook-secret" not in text
    off = write_credentials(Settings.from_env({"SHOPDESK_DATA_DIR": str(tmp_path)})).read_text()
    assert "TelegramChannel" not in off
