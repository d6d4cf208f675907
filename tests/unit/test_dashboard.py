"""The supervisors' dashboard figures, from Rasa's events and the store's records."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from commerce.memory_repository import InMemoryStoreRepository
from commerce.records import HandoffTicket, Rating
from commerce.service import StoreService
from console.dashboard import dashboard, drill, read_turns
from shopdesk.clock import FixedClock

NOW = datetime(2031, 6, 10, 15, 0, tzinfo=UTC)


def tracker_db(path: Path, rows: list[tuple[str, str, datetime, dict]]) -> Path:
    with sqlite3.connect(path) as db:
        db.execute("create table events (id integer primary key, sender_id varchar(255), "
                   "type_name varchar(255), timestamp float, intent_name varchar(255), "
                   "action_name varchar(255), data text)")
        db.executemany("insert into events (sender_id, type_name, timestamp, data) "
                       "values (?, ?, ?, ?)",
                       [(s, k, at.timestamp(), json.dumps(d)) for s, k, at, d in rows])
    return path


def user(text: str, intent: str, channel: str) -> dict:
    return {"event": "user", "text": text, "input_channel": channel,
            "parse_data": {"intent": {"name": intent}}}


def mood(score: float) -> dict:
    return {"event": "slot", "name": "sentiment", "value": {"score": score}}


def test_figures_per_day_and_the_conversations_behind_a_point(tmp_path: Path) -> None:
    today, yesterday = NOW - timedelta(hours=2), NOW - timedelta(days=1)
    rows = [
        ("angry", "user", today, user("my order is late!!", "order_status", "socketio")),
        ("angry", "slot", today, mood(-0.8)),
        ("angry", "slot", today, {"event": "slot", "name": "product", "value": "PC-3001"}),
        ("angry", "user", today, user("/human_handoff", "human_handoff", "socketio")),
        ("angry", "user", today, user("still nothing", "order_status", "socketio")),
        ("angry", "slot", today, mood(-0.6)),
        ("calm", "user", today, user("where is my order", "order_status", "telegram")),
        ("calm", "slot", today, mood(0.2)),
        ("old", "user", yesterday, user("do you ship to Ireland", "ask_question", "rest")),
        ("old", "slot", yesterday, mood(0.1)),
    ]
    turns = read_turns(tracker_db(tmp_path / "t.db", rows), NOW - timedelta(days=13))
    assert len(turns) == 4  # the button payload is not a customer's words
    store = StoreService(InMemoryStoreRepository(), FixedClock(NOW))
    store._repo.add_handoff(HandoffTicket("H000001", "angry", "requested", "", today))  # type: ignore[attr-defined]
    store._repo.add_rating(Rating(0, "calm", 5, today))  # type: ignore[attr-defined]
    store._repo.add_rating(Rating(0, "angry", 2, today))  # type: ignore[attr-defined]
    figures = dashboard(turns, store, NOW.date(), days=3)
    assert figures["days"] == ["2031-06-08", "2031-06-09", "2031-06-10"]
    assert figures["conversations"] == [0, 1, 2] and figures["handoffs"] == [0, 0, 1]
    assert figures["containment"] == [None, 1.0, 0.5]
    assert figures["csat"] == [None, None, 3.5] and figures["ratings"] == [0, 0, 2]
    orders = figures["sentiment"]["topic"]["orders"][-1]
    assert orders == {"day": "2031-06-10", "n": 3, "sentiment": round((-0.8 - 0.6 + 0.2) / 3, 3)}
    assert set(figures["sentiment"]["channel"]) == {"website", "Telegram", "REST"}
    assert list(figures["sentiment"]["product"]) == ["PC-3001"]
    behind = drill(turns, date(2031, 6, 10), "topic", "orders")
    assert [b["conversation"] for b in behind] == ["angry", "calm"]  # most negative first
    assert read_turns(tmp_path / "missing.db", NOW) == []
