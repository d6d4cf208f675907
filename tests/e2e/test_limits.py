"""Limits on Rasa's public channels, on the real server: floods get a clear 429 (or a polite
message in the chat), oversized bodies a clear 413, and nothing else is disturbed."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from shopdesk.ratelimit import RATE_LIMITED_REPLY
from shopdesk.stack import Stack
from tests.e2e.conftest import RATE_PER_IP, Chat

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def webhook(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.settings.rasa_port}/webhooks/rest/webhook"


def test_one_conversation_flooding_gets_429_and_others_go_on(stack: Stack) -> None:
    with httpx.Client(timeout=30) as client:
        codes = [client.post(webhook(stack), json={"sender": "e2e-flood", "message": ""}
                             ).status_code for _ in range(stack.settings.rate_per_sender + 5)]
        assert codes[:stack.settings.rate_per_sender] == [200] * stack.settings.rate_per_sender
        assert set(codes[stack.settings.rate_per_sender:]) == {429}
        refused = client.post(webhook(stack), json={"sender": "e2e-flood", "message": "hi"})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert "faster than I can read" in refused.json()["error"]
    assert "Pine" in Chat(stack, "e2e-not-flooding").text("hi")  # another conversation: fine


def test_one_address_flooding_gets_429_and_other_addresses_go_on(stack: Stack) -> None:
    # a second loopback address plays a client flooding with a new sender id every time
    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    codes: list[int] = []
    with httpx.Client(transport=transport, timeout=30) as client:
        while 429 not in codes[-5:] and len(codes) < 3 * RATE_PER_IP:
            codes.append(client.post(webhook(stack), json={"sender": f"e2e-ip-{len(codes)}",
                                                           "message": ""}).status_code)
    assert codes[-1] == 429 and RATE_PER_IP <= len(codes) < 3 * RATE_PER_IP
    assert set(codes[:RATE_PER_IP]) == {200}  # a burst of the full minute's allowance first
    assert "Pine" in Chat(stack, "e2e-other-address").text("hi")  # 127.0.0.1 is not limited


def test_oversized_bodies_are_refused_with_a_clear_413(stack: Stack) -> None:
    big = {"sender": "e2e-big", "message": "a" * (stack.settings.max_body_bytes + 10)}
    r = httpx.post(webhook(stack), json=big, timeout=30)
    assert r.status_code == 413 and "SHOPDESK_MAX_BODY_BYTES" in r.json()["error"]
    # every other route of the Rasa server stops at 1 MB (Sanic's own default is 100 MB)
    r = httpx.post(f"http://127.0.0.1:{stack.settings.rasa_port}/model/parse",
                   content=b"x" * (2 << 20), timeout=30)
    assert r.status_code == 413
    assert "Pine" in Chat(stack, "e2e-big").text("hi")  # the conversation itself goes on


def test_a_flooding_socket_gets_a_polite_message_not_a_disconnect(stack: Stack) -> None:
    import socketio

    replies: list[str] = []
    client = socketio.Client(reconnection=False)
    client.on("bot_uttered", lambda m: replies.append(str(m.get("text"))))
    confirmed = threading.Event()
    client.on("session_confirm", lambda _: confirmed.set())
    client.connect(f"http://127.0.0.1:{stack.settings.rasa_port}", transports=["websocket"],
                   wait_timeout=30)
    try:
        client.emit("session_request", {"session_id": "e2esocketflood01"})
        assert confirmed.wait(30)
        for _ in range(stack.settings.rate_per_sender + 5):
            client.emit("user_uttered", {"message": "", "session_id": "e2esocketflood01"})
        deadline = time.monotonic() + 30
        while len(replies) < stack.settings.rate_per_sender + 5 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert replies.count(RATE_LIMITED_REPLY) >= 5
        assert client.connected
    finally:
        client.disconnect()
