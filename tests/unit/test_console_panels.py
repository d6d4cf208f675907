"""What an agent sees beside a conversation: a three-sentence summary taken from it, and the
customer's profile — consented data only."""

from __future__ import annotations

from datetime import UTC, datetime

from commerce.memory_repository import InMemoryStoreRepository
from commerce.seed import DEMO_EMAIL, demo_orders
from commerce.service import StoreService
from console.conversation import summarise
from console.profile_panel import profile_panel
from profiles.memory_store import InMemoryProfileStore
from profiles.records import Interaction
from shopdesk.clock import FixedClock

NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)


def test_the_summary_says_what_they_want_what_was_done_and_how_they_feel() -> None:
    view = {"lines": [
        {"from": "customer", "text": "hi", "mood": 0.0},
        {"from": "customer", "text": "can I talk to a real person please", "mood": 0.0,
         "intent": "human_handoff"},
        {"from": "bot", "text": "Hello! How can I help?", "mood": None},
        {"from": "customer", "text": "My tent arrived with a broken pole. I need it by Friday!",
         "mood": -0.3},
        {"from": "bot", "text": "I've opened claim R1234567 for the tent. A label is on its way.",
         "mood": None},
        {"from": "customer", "text": "this is taking forever", "mood": -0.7},
    ]}
    summary = summarise(view)
    assert summary == ["Wants: “My tent arrived with a broken pole.”",
                       "Done: I've opened claim R1234567 for the tent.",
                       "Feels: very upset (mood -0.70, getting worse)."]
    assert summarise({"lines": []}) == []


def test_the_profile_panel_shows_only_what_a_customer_agreed_to() -> None:
    store = StoreService(InMemoryStoreRepository(orders=demo_orders(NOW)), FixedClock(NOW))
    profiles = InMemoryProfileStore(FixedClock(NOW))
    declined = profiles.resolve("web", "session-no")
    profiles.set_consent(declined, "personalisation", False, "…", "v1", "web")
    assert not profile_panel(profiles, store, "session-no", "socketio")["consented"]
    assert "not agreed" in profile_panel(profiles, store, "session-new", "socketio")["note"]

    ann = profiles.resolve("web", "session-yes")
    profiles.set_consent(ann, "personalisation", True, "…", "v1", "web")
    profiles.link(ann, "email", DEMO_EMAIL, verified=True)
    profiles.log_interaction(ann, Interaction("session-yes", "web", NOW, "order_status"))
    profiles.record_mood(ann, "session-yes", -0.4, -0.5)
    panel = profile_panel(profiles, store, "session-yes", "socketio")
    assert panel["consented"] and panel["verified_email"]
    assert panel["channels"] == ["email", "web"] and panel["past_conversations"] == 1
    assert panel["orders"] and panel["orders"][0]["number"].startswith("1002")
    assert panel["mood_history"][-1]["mood"] == -0.4
    assert DEMO_EMAIL not in str(panel)  # the address itself is not shown
    assert not profile_panel(None, store, "session-yes", "socketio")["consented"]
