"""The supervisors' dashboard: what happened, day by day, from the conversations themselves.

Read from Rasa's tracker store (every conversation, with the sentiment of every customer
message) and the store's support records (handoff tickets, ratings):

* **conversations** per day (those with at least one customer message);
* **handoffs** per day and **containment** — the share of conversations solved without a person;
* **CSAT**: the average 1-5 rating per day (and how many);
* **sentiment over time** per topic, channel and product: the average score of the customers'
  messages, with how many messages each point stands on; any point can be drilled into for
  the conversations behind it.

An erased customer's conversations are gone from the tracker store, and their handoff tickets
and ratings from the store (``profiles.privacy``), so they are gone from the dashboard, its day
totals included: no figure here keeps counting them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from commerce.service import StoreService
from console.queue import CHANNELS
from profiles.service import topic_of_intent
from shopdesk.csat import customer_wrote
from shopdesk.rasa_events import rasa_events

DIMENSIONS = ("topic", "channel", "product")


@dataclass(frozen=True)
class Turn:
    """One customer message with its sentiment."""

    conversation: str
    day: date
    score: float
    topic: str
    channel: str
    product: str


def read_turns(tracker_db: Path, since: datetime) -> list[Turn]:
    """The customers' scored messages since ``since`` (Rasa's SQL tracker store, SQLite)."""
    with rasa_events(tracker_db) as found:
        if found is None:
            return []
        engine, events = found
        query = (select(events.c.sender_id, events.c.type_name, events.c.timestamp,
                        events.c.data)
                 .where(events.c.timestamp >= since.timestamp(),
                        events.c.type_name.in_(("user", "slot")))
                 .order_by(events.c.id))
        with engine.connect() as conn:
            return list(_turns(conn.execute(query)))


def _turns(rows: Any) -> Iterator[Turn]:
    pending: dict[str, dict[str, Any]] = {}   # conversation -> its last customer message
    products: dict[str, str] = {}
    for sender, kind, timestamp, raw in rows:
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            continue
        if kind == "user":
            text = str(data.get("text") or "")
            intent = ((data.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            if not customer_wrote(text):
                continue
            pending[sender] = {"at": timestamp, "intent": intent,
                               "channel": str(data.get("input_channel") or "")}
        elif data.get("name") == "product" and data.get("value"):
            products[sender] = str(data["value"])[:60]
        elif data.get("name") == "sentiment" and isinstance(data.get("value"), dict) \
                and sender in pending:
            turn = pending.pop(sender)
            score = data["value"].get("score")
            if not isinstance(score, int | float):
                continue
            yield Turn(sender, datetime.fromtimestamp(turn["at"], UTC).date(), float(score),
                       topic_of_intent(turn["intent"]) or "other",
                       CHANNELS.get(turn["channel"], turn["channel"] or "unknown"),
                       products.get(sender, ""))


def dashboard(turns: list[Turn], store: StoreService, today: date, days: int = 14
              ) -> dict[str, Any]:
    first = today - timedelta(days=days - 1)
    axis = [first + timedelta(days=i) for i in range(days)]
    conversations: dict[date, set[str]] = defaultdict(set)
    for t in turns:
        conversations[t.day].add(t.conversation)
    handoffs: dict[date, set[str]] = defaultdict(set)
    for ticket in store.handoffs_between(datetime.combine(first, datetime.min.time(), UTC)):
        handoffs[ticket.created_at.date()].add(ticket.sender_id)
    ratings: dict[date, list[int]] = defaultdict(list)
    for rating in store.ratings(since=datetime.combine(first, datetime.min.time(), UTC)):
        ratings[rating.created_at.date()].append(rating.score)

    def series(dimension: str) -> dict[str, list[dict[str, Any]]]:
        groups: dict[str, dict[date, list[float]]] = defaultdict(lambda: defaultdict(list))
        for t in turns:
            key = getattr(t, dimension)
            if key:
                groups[key][t.day].append(t.score)
        return {key: [{"day": d.isoformat(), "n": len(by_day.get(d, [])),
                       "sentiment": round(sum(by_day[d]) / len(by_day[d]), 3)
                       if by_day.get(d) else None} for d in axis]
                for key, by_day in sorted(groups.items())}

    return {
        "days": [d.isoformat() for d in axis],
        "conversations": [len(conversations[d]) for d in axis],
        "handoffs": [len(handoffs[d]) for d in axis],
        "containment": [round(1 - len(handoffs[d] & conversations[d]) / len(conversations[d]), 3)
                        if conversations[d] else None for d in axis],
        "csat": [round(sum(ratings[d]) / len(ratings[d]), 2) if ratings[d] else None
                 for d in axis],
        "ratings": [len(ratings[d]) for d in axis],
        "sentiment": {dimension: series(dimension) for dimension in DIMENSIONS},
    }


def drill(turns: list[Turn], day: date, dimension: str, value: str) -> list[dict[str, Any]]:
    """The conversations behind one point of a sentiment series."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    found: dict[str, list[float]] = defaultdict(list)
    for t in turns:
        if t.day == day and getattr(t, dimension) == value:
            found[t.conversation].append(t.score)
    return sorted(({"conversation": c, "messages": len(s), "sentiment": round(sum(s) / len(s), 3)}
                   for c, s in found.items()), key=lambda r: r["sentiment"])
