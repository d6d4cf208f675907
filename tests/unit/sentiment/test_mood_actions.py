"""The mood action after every message, and how the answer actions use the mood."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from actions.mood import ActionTrackMood
from actions.support import ActionAnswerQuestion
from retrieval.answering import AnswerPolicy, QuestionAnswerer
from retrieval.retriever import Hit
from shopdesk.composition import Services
from tests.conftest import make_tracker
from tests.helpers import run_action, texts
from tests.unit.sentiment.test_ranking import LATE, PROMO, TRACK, FixedRetriever


def conversation(services: Services, messages: list[str]) -> list[dict[str, Any]]:
    """Run the mood action over ``messages`` as Rasa would; the slots after each turn."""
    slots: dict[str, Any] = {}
    events: list[dict[str, Any]] = []
    history = []
    for text in messages:
        tracker = make_tracker(text, "order_status", slots=slots, events=events)
        _, new = run_action(ActionTrackMood(services), tracker)
        for e in new:
            slots[e["name"]] = e["value"]
        events.append({"event": "user", "text": text})
        history.append(dict(slots))
    return history


def test_every_message_gets_a_recorded_sentiment(services: Services) -> None:
    history = conversation(services, ["hi, where is my order?", "great, thank you so much!"])
    first, second = (h["sentiment"] for h in history)
    assert first["turn"] == 1 and second["turn"] == 2
    assert second["label"] == "positive" and second["score"] > 0
    assert {"score", "label", "confidence", "mood", "signals", "tone"} <= set(second)
    assert history[-1]["tone"] in {"neutral", "upbeat"}


def test_a_customer_growing_angry_is_offered_a_person_unprompted(services: Services) -> None:
    history = conversation(services, [
        "where is my order 100234?",
        "it was supposed to arrive on monday and it still hasn't come, this is really annoying",
        "this is the third time I've asked. it's a disgrace, terrible service, I'm furious",
    ])
    tones = [h["tone"] for h in history]
    assert tones[0] == "neutral"
    assert tones[1] == "escalate", tones  # "still hasn't come" + "really annoying"
    assert tones[2] == "empathetic", tones  # offered once, then the cool-down
    assert history[1]["sentiment"]["reasons"]
    assert history[-1]["mood"] < history[0]["mood"]


def test_a_calm_problem_report_gets_a_plain_tone_and_no_offer(services: Services) -> None:
    history = conversation(services, [
        "the jacket doesn't fit, I'd like to send it back",
        "my card was declined at checkout",
        "ok, the refund hasn't arrived yet either",
    ])
    assert [h["tone"] for h in history] == ["neutral"] * 3
    assert not any(h["mood_state"]["escalate"] for h in history)


def test_button_payloads_do_not_move_the_mood(services: Services) -> None:
    tracker = make_tracker("/affirm", "affirm", slots={"mood": -0.5})
    _, events = run_action(ActionTrackMood(services), tracker)
    assert events == []


def test_a_broken_model_does_not_break_the_turn(services: Services) -> None:
    class Broken:
        def observe(self, *args: object) -> None:
            raise RuntimeError("model gone")

    broken = replace(services, sentiment=Broken())  # type: ignore[arg-type]
    messages, events = run_action(ActionTrackMood(broken), make_tracker("hello", "greet"))
    assert messages == [] and events == []


def _answer(services: Services, text: str, tone: str, mood: float,
            signals: list[str] | None = None) -> list[dict[str, Any]]:
    qa = QuestionAnswerer(FixedRetriever([Hit(TRACK, 0.8, relevance=1.0),
                                          Hit(LATE, 0.3, relevance=0.95),
                                          Hit(PROMO, 0.1, relevance=0.5)]),
                          AnswerPolicy(answer_at=0.45, suggest_at=0.3))
    action = ActionAnswerQuestion(replace(services, qa=qa))
    tracker = make_tracker(text, "ask_question", slots={
        "tone": tone, "mood": mood,
        "sentiment": {"signals": signals or [], "turn": 3}})
    return run_action(action, tracker)[0]


def test_answers_change_order_and_tone_with_the_mood(services: Services) -> None:
    calm = _answer(services, "where is my order", "neutral", 0.0)
    assert "tracking link" in texts(calm) and "sorry" not in texts(calm).lower()
    angry = _answer(services, "WHERE IS MY ORDER, it's late again", "empathetic", -0.8,
                    ["shouting", "repeated_contact"])
    reply = texts(angry)
    assert "refund" in reply and "tracking link" not in reply
    assert "more than once" in reply
    assert any(b["payload"] == "/human_handoff" for m in angry for b in m.get("buttons") or [])
    escalated = _answer(services, "this is useless", "escalate", -0.9)
    assert "right now" in texts(escalated)
