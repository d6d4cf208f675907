"""Frustration signals: each rule fires on what it names and not on ordinary messages."""

from __future__ import annotations

import pytest

from sentiment.signals import detect, is_shouting


@pytest.mark.parametrize("text, signal", [
    ("this is the third time I've asked about my refund", "repeated_contact"),
    ("I've told you already, it's order 100234", "repeated_contact"),
    ("still waiting for a reply from anyone", "repeated_contact"),
    ("WHERE IS MY PARCEL, I PAID FOR NEXT DAY", "shouting"),
    ("where is it?!?!", "shouting"),
    ("this is f***ing ridiculous", "profanity"),
    ("wtf is going on with my order", "profanity"),
    ("I'll be shopping elsewhere from now on", "churn_threat"),
    ("cancel my account, I'm done", "churn_threat"),
    ("I'm going to raise a chargeback with my bank", "churn_threat"),
    ("I want to speak to a manager", "escalation_demand"),
    ("I'm making a formal complaint", "escalation_demand"),
])
def test_signal_fires(text: str, signal: str) -> None:
    assert signal in detect(text).names()


@pytest.mark.parametrize("text", [
    "where is my order 100234?", "Can I return the boots? They're the wrong size.",
    "I'd like to cancel order 100236 please", "Do you ship to Ireland?", "thanks!",
    "My DPD tracking says delivered", "What does RMA mean on my UPS label?", "", "   ",
])
def test_ordinary_messages_have_no_signals(text: str) -> None:
    assert detect(text).names() == []


def test_a_repeated_question_is_noticed() -> None:
    earlier = ["where is my order 100234", "ok thanks"]
    assert detect("where is my order 100234??", earlier).repeated_question
    assert not detect("can I change the delivery address", earlier).repeated_question


def test_acronyms_are_not_shouting() -> None:
    assert not is_shouting("Is my DPD parcel with UPS or DHL now?")
    assert is_shouting("I AM SO ANGRY ABOUT THIS")


def test_odd_input_is_safe() -> None:
    for text in ("\x00\x01", "😡" * 1000, "a" * 100_000, "ПОЧЕМУ ТАК ДОЛГО", None, 42):
        detect(text)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [
    "the jacket doesn't fit, I'd like to send it back",
    "where is my refund",
    "checkout keeps rejecting my card",
    "unfortunately the zip broke on the first night",
    "my parcel hasn't arrived, can you check order 100240?",
    "I was charged twice for the same order",
])
def test_calm_problem_reports_carry_no_frustration_signal(text: str) -> None:
    assert detect(text).count == 0


@pytest.mark.parametrize("text", [
    "honestly really disappointed with this",
    "this is ridiculous, where is my refund",
    "not impressed. the app logged me out again",
    "terrible service, I'm fed up",
    "are you kidding me? it broke in a day",
])
def test_saying_you_are_annoyed_is_a_frustration_signal(text: str) -> None:
    assert detect(text).annoyance


@pytest.mark.parametrize("text", [
    "just refund me, I've been waiting for weeks",
    "sort it out asap please",
    "honestly what is the point of your app",
])
def test_impatience_is_a_frustration_signal(text: str) -> None:
    assert detect(text).impatience


@pytest.mark.parametrize("text", ["why was my card declined?", "how do I change my address",
                                  "it was dispatched 9 days ago, could you check?"])
def test_plain_questions_are_not_impatience(text: str) -> None:
    assert not detect(text).impatience
