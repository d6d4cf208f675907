"""Sentiment in real conversations: every turn scored and stored, the tone changing as a
customer grows angry, and a person offered before they ask."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shopdesk.clock import system_clock
from shopdesk.stack import Stack, rasa_admin_token
from tests.e2e.conftest import Chat

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def joined(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def payloads(messages: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def sentiment_records(stack: Stack, sender: str) -> list[dict[str, Any]]:
    url = f"http://127.0.0.1:{stack.settings.rasa_port}/conversations/{sender}/tracker"
    token = rasa_admin_token(stack.rasa_secret, system_clock)
    tracker = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
    return [e["value"] for e in tracker["events"]
            if e.get("event") == "slot" and e.get("name") == "sentiment" and e.get("value")]


def test_a_customer_growing_angry_gets_empathy_and_a_person_unprompted(
        chat: Chat, stack: Stack) -> None:
    calm = chat.say("how long does a refund take to reach my card?")
    assert "sorry" not in joined(calm).lower()
    assert "/human_handoff" not in payloads(calm)

    chat.say("it's been two weeks since you got my return and still no refund, this is "
             "really annoying")
    angry = chat.say("this is the THIRD time I've asked!!! how long does a refund take?? "
                     "terrible service, I'm furious")
    text = joined(angry).lower()
    assert "sorry" in text
    assert "person" in text
    assert {"/human_handoff", "/affirm"} & set(payloads(angry)), angry

    records = sentiment_records(stack, chat.sender)
    assert [r["turn"] for r in records] == [1, 2, 3]
    assert records[0]["label"] != "negative"
    assert records[-1]["label"] == "negative" and records[-1]["mood"] < records[0]["mood"]
    # offered at the first frustrated message ("still no refund … really annoying"), then the
    # cool-down keeps the empathy without repeating the offer as an escalation
    escalated = [r for r in records if r["escalate"]]
    assert [r["turn"] for r in escalated] == [2] and escalated[0]["reasons"]


def test_the_same_question_is_answered_differently_to_a_calm_and_an_angry_customer(
        stack: Stack) -> None:
    calm = Chat(stack, "e2e-mood-calm").say("how long do refunds take?")
    angry = Chat(stack, "e2e-mood-angry").say(
        "HOW LONG DO REFUNDS TAKE?? i've been waiting for ages, this is a joke")
    assert "Answered from our help centre" in joined(calm)
    assert "sorry" in joined(angry).lower() and "sorry" not in joined(calm).lower()
    assert "/human_handoff" in payloads(angry)
    assert len(joined(angry)) > 0


def test_templated_replies_change_tone_too(stack: Stack) -> None:
    calm = Chat(stack, "e2e-tone-calm")
    assert "order number" in calm.text("where is my order?")
    angry = Chat(stack, "e2e-tone-angry")
    reply = angry.say("where the hell is my order?! this is ridiculous, it's late AGAIN")
    assert "order number" in joined(reply)
    assert "sorry" in joined(reply).lower()
