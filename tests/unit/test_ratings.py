"""CSAT: asked once when a conversation ends, a 1-5 rating stored with the agent who served
and the topic, and the customer's next words kept (redacted) as its comment."""

from __future__ import annotations

from datetime import UTC, datetime

from actions.mood import ActionTrackMood
from actions.rating import ActionAskRating, ActionRecordRating
from commerce.memory_repository import InMemoryStoreRepository
from commerce.service import StoreService
from shopdesk.clock import FixedClock
from shopdesk.composition import Services
from shopdesk.settings import Settings
from tests.conftest import make_tracker
from tests.helpers import run_action, slot_events, texts

NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)


def services() -> Services:
    clock = FixedClock(NOW)
    return Services(settings=Settings.from_env({}), store=StoreService(InMemoryStoreRepository(),
                                                                      clock),
                    qa=None, clock=clock)  # type: ignore[arg-type]


def rate(s: Services, score: str, events: list | None = None) -> tuple[str, dict]:
    messages, events_out = run_action(ActionRecordRating(s), make_tracker(
        f'/rate_service{{"csat_score": "{score}"}}', "rate_service",
        entities=[{"entity": "csat_score", "value": score}], events=events))
    return texts(messages), slot_events(events_out)


def test_a_rating_is_stored_with_the_agent_and_topic_then_asked_no_more() -> None:
    s = services()
    asked, _ = run_action(ActionAskRating(s), make_tracker("bye", "goodbye"))
    assert "how did we do" in texts(asked) and len(asked[0]["buttons"]) == 5
    served = [{"event": "user", "text": "where is my order",
               "parse_data": {"intent": {"name": "order_status"}}},
              {"event": "bot", "text": "Hi, I'm Ann.", "metadata": {"agent": "Ann"}}]
    reply, slots = rate(s, "4", served)
    assert "great to hear" in reply and "add a comment" in reply
    (rating,) = s.store.ratings()
    assert (rating.score, rating.agent, rating.topic) == (4, "Ann", "orders")
    assert slots == {"csat_comment_for": str(rating.id)}
    again, _ = run_action(ActionAskRating(s), make_tracker("bye", "goodbye"))
    assert again == []  # rated already: not asked twice


def test_a_bad_score_asks_again_and_stores_nothing() -> None:
    s = services()
    reply, slots = rate(s, "11")
    assert "tap one of the ratings" in reply and slots == {} and s.store.ratings() == []


def test_the_next_words_are_the_comment_redacted() -> None:
    s = services()
    _, slots = rate(s, "2")
    tracker = make_tracker("the agent was slow, call me on 07700 900123", "feedback",
                           slots={"csat_comment_for": slots["csat_comment_for"]})
    _, events = run_action(ActionTrackMood(s), tracker)
    assert slot_events(events)["csat_comment_for"] is None
    (rating,) = s.store.ratings()
    assert rating.comment.startswith("the agent was slow") and "900123" not in rating.comment
