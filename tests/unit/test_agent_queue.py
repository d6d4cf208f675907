"""The agents' queue: ordered by the documented priority (mood, frustration, wait, value,
complaint), showing the mood trend, topic, channel and claims; a tracker Rasa cannot give keeps
the row in the queue by its waiting time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from commerce.memory_repository import InMemoryStoreRepository
from commerce.records import HandoffTicket
from commerce.seed import DEMO_EMAIL, demo_orders
from commerce.service import StoreService
from console.queue import priority, queue_rows
from console.staff_store import InMemoryStaffStore
from shopdesk.clock import FixedClock

NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)


def test_the_priority_is_the_documented_sum() -> None:
    angry = priority(-0.6, 2.0, 5, 0, "requested")
    calm_hour = priority(0.2, 0.0, 60, 0, "requested")
    assert angry > calm_hour                                # ≈ 2.8 + 0.17 vs 2.0
    assert priority(0.0, 0.0, 90, 0, "requested") == 3.0    # anyone, after 90 minutes
    assert priority(0.0, 0.0, 600, 0, "requested") == 3.0   # and no more
    assert priority(0.0, 0.0, 0, 25_000, "requested") == 0.5
    assert priority(0.0, 0.0, 0, 150_000, "complaint") == 1.5
    assert priority(None, -3.0, -5, 0, "requested") == 0.0  # unknown mood, odd values


def tracker(mood_values: list[float], frustration: float, intent: str, channel: str,
            email: str | None = None) -> dict[str, Any]:
    events: list[dict[str, Any]] = [
        {"event": "user", "text": "…", "parse_data": {"intent": {"name": intent}}}]
    events += [{"event": "slot", "name": "mood", "value": m} for m in mood_values]
    return {"events": events, "latest_input_channel": channel,
            "slots": {"email": email, "mood_state": {"frustration": frustration}}}


def test_the_queue_puts_the_upset_customer_first_and_shows_why() -> None:
    repo = InMemoryStoreRepository(orders=demo_orders(NOW))
    store = StoreService(repo, FixedClock(NOW))
    staff = InMemoryStaffStore()
    repo.add_handoff(HandoffTicket("H000001", "calm-web", "requested", "Customer: hi",
                                   NOW - timedelta(minutes=40)))
    repo.add_handoff(HandoffTicket("H000002", "angry-tg", "requested", "Customer: where is it",
                                   NOW - timedelta(minutes=5)))
    repo.add_handoff(HandoffTicket("H000003", "lost-rasa", "complaint", "Customer: broken",
                                   NOW - timedelta(minutes=20)))
    staff.claim("H000001", "id-ann", NOW)
    trackers = {"calm-web": tracker([0.3, 0.2], 0.0, "ask_question", "socketio"),
                "angry-tg": tracker([-0.1, -0.4, -0.7], 2.4, "order_status", "telegram",
                                    DEMO_EMAIL)}
    rows = queue_rows(store, staff, trackers.get, FixedClock(NOW), {"id-ann": "ann"}.get)
    # angry: 2.1 + 1.2 + 0.17 + 0.5 (spent) ≈ 4.0; calm, 40 minutes: 1.33; complaint whose
    # tracker is missing, 20 minutes: 0.67 + 0.5
    assert [r.ticket for r in rows] == ["H000002", "H000001", "H000003"]
    angry, calm, lost = rows
    assert angry.mood == -0.7 and angry.mood_trend == [-0.1, -0.4, -0.7]
    assert angry.channel == "Telegram" and angry.topic == "orders"
    assert angry.spent.startswith("£") and angry.spent != "£0.00"  # the demo customer's orders
    assert lost.mood is None and lost.channel == "unknown" and lost.waiting_minutes == 20
    assert calm.claimed_by == "ann" and calm.topic == "questions" and calm.channel == "website"


def test_the_transcript_shows_who_said_what_and_whether_a_person_has_it() -> None:
    from console.conversation import transcript

    events = [
        {"event": "user", "text": "where is my parcel", "timestamp": 1_900_000_000.0},
        {"event": "slot", "name": "mood", "value": -0.4},
        {"event": "bot", "text": "It's on its way.", "timestamp": 1_900_000_001.0},
        {"event": "user", "text": "/consent_grant"},                       # a button: not shown
        {"event": "user", "text": "/share_photo", "metadata": {"photo": "P0123456789ABCDEF"}},
        {"event": "pause"},
        {"event": "bot", "text": "Hi, I'm Ann.", "metadata": {"agent": "Ann"}},
    ]
    got = transcript({"events": events, "latest_input_channel": "twilio"})
    assert got["paused"] and got["channel"] == "WhatsApp" and got["mood"] == -0.4
    assert [(line["from"], line["text"]) for line in got["lines"]] == [
        ("customer", "where is my parcel"), ("bot", "It's on its way."),
        ("customer", "[photo P0123456789ABCDEF]"), ("agent", "Hi, I'm Ann.")]
    assert got["lines"][0]["mood"] == -0.4 and got["lines"][0]["at"].startswith("2030-03-17")
    assert not transcript({"events": [*events, {"event": "resume"}]})["paused"]
