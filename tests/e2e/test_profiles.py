"""Profiles end to end: consent, one customer across two conversations once they prove who
they are, personalised suggestions, export and erasure through the authenticated API."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from shopdesk.stack import Stack
from tests.e2e.conftest import Chat

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def api(stack: Stack, method: str, path: str, **kwargs: Any) -> httpx.Response:
    url = f"http://127.0.0.1:{stack.settings.web_port}{path}"
    headers = {"Authorization": f"Bearer {stack.admin_token}"}
    return httpx.request(method, url, headers=headers, timeout=30, **kwargs)


def customer_of(stack: Stack, sender: str) -> str | None:
    r = api(stack, "POST", "/api/customers/lookup", json={"channel": "rest", "value": sender})
    return r.json()["customer_id"] if r.status_code == 200 else None


def payloads(messages: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def test_consent_is_asked_once_and_nothing_is_kept_without_it(stack: Stack) -> None:
    chat = Chat(stack, "e2e-profile-no")
    first = chat.say("hello")
    assert "/consent_grant" in payloads(first)
    assert "only use this conversation" in Chat.text(chat, "/consent_deny")
    chat.say("how long do refunds take?")
    assert "/consent_grant" not in payloads(chat.say("hi again"))  # asked once
    customer = customer_of(stack, chat.sender)
    assert customer is not None
    data = api(stack, "GET", f"/api/customers/{customer}/export").json()
    assert data["consents"][-1]["granted"] is False
    assert data["interactions"] == [] and data["interests"] == {} and data["mood_history"] == []


def test_one_customer_across_two_conversations_then_export_and_erasure(stack: Stack) -> None:
    laptop, phone = Chat(stack, "e2e-profile-laptop"), Chat(stack, "e2e-profile-phone")
    for chat in (laptop, phone):
        chat.say("hi")
        chat.say("/consent_grant")
    laptop.say("how long do refunds take? my kayak paddle trip is next week")
    laptop.say("I want to make a complaint: the kayak paddle bag arrived torn")
    assert customer_of(stack, laptop.sender) != customer_of(stack, phone.sender)
    # both prove the same e-mail address by checking an order: the profiles become one
    for chat in (laptop, phone):
        chat.say("where is my order?")
        chat.say("100234")
        assert "Order 100234" in chat.text("jane.doe@example.com")
    customer = customer_of(stack, laptop.sender)
    assert customer is not None and customer == customer_of(stack, phone.sender)

    exported = api(stack, "GET", f"/api/customers/{customer}/export").json()
    identities = {(i["channel"], i["value"]) for i in exported["identities"]}
    assert {("rest", laptop.sender), ("rest", phone.sender),
            ("email", "jane.doe@example.com")} <= identities
    assert exported["interests"].get("returns", 0) >= 1
    conversations = {i["conversation"] for i in exported["interactions"]}
    assert {laptop.sender, phone.sender} <= conversations
    assert any("kayak paddle" in (i["text"] or "") for i in exported["interactions"])
    assert all("jane.doe@example.com" not in (i["text"] or "") for i in exported["interactions"])
    assert exported["mood_history"]

    # a returning customer is greeted with suggestions
    again = Chat(stack, laptop.sender).say("hello")
    assert any(p.startswith("/ask_question") for p in payloads(again)), again

    erased = api(stack, "DELETE", f"/api/customers/{customer}").json()
    assert erased["conversations_erased"] >= 2 and erased["rasa_events_deleted"] > 0
    assert api(stack, "GET", f"/api/customers/{customer}/export").status_code == 404
    assert customer_of(stack, laptop.sender) is None
    # nothing of theirs is left: no table row, no Rasa event, no log line
    for db in (stack.settings.data_dir / "shopdesk.db", stack.settings.rasa_tracker_db):
        with sqlite3.connect(db) as conn:
            tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
            for table in tables:
                dump = " ".join(map(str, conn.execute(f'select * from "{table}"').fetchall()))
                for needle in (customer, laptop.sender, phone.sender, "kayak paddle"):
                    assert needle not in dump, (db.name, table, needle)
    for log in Path(stack.settings.data_dir / "logs").glob("*.log"):
        text = log.read_text(errors="replace")
        assert "kayak paddle" not in text and customer not in text, log.name


def test_the_privacy_api_needs_the_admin_token_and_rejects_bad_ids(stack: Stack) -> None:
    base = f"http://127.0.0.1:{stack.settings.web_port}"
    assert httpx.get(f"{base}/api/customers/x/export", timeout=10).status_code == 401
    assert httpx.delete(f"{base}/api/customers/x", headers={"Authorization": "Bearer nope"},
                        timeout=10).status_code == 401
    assert api(stack, "GET", "/api/customers/not a uuid!/export").status_code == 400
    assert api(stack, "DELETE", "/api/customers/00000000-0000-0000-0000-000000000000"
               ).status_code == 404
    assert api(stack, "POST", "/api/customers/lookup", content=b"\xff\xfe").status_code == 400
    assert api(stack, "POST", "/api/customers/lookup",
               json={"channel": "fax", "value": "1"}).status_code == 400
