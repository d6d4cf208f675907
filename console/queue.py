"""The agents' queue: conversations waiting for a person, ordered by need.

Each waiting handoff ticket becomes a row with what the conversation's Rasa tracker says (the
customer's mood now and over the last turns, their frustration, the topic, the channel) and
what the store knows (how much the customer has spent, when they proved their e-mail). Its
**priority** is one documented sum, higher first:

    priority = 3.0 × max(0, −mood)                 an upset customer first (mood −1 … +1)
             + 1.5 × min(frustration, 3) / 3        rising frustration (the mood tracker's)
             + 1.0 × min(waiting minutes / 30, 3)   nobody waits for ever
             + 0.5 if the customer spent ≥ £200, 1.0 if ≥ £1,000
             + 0.5 if the reason is a complaint

So a customer at mood −0.6 who is getting more frustrated (≈ 2.8) is served before a calm one who
has waited an hour (2.0), but after an hour and a half of waiting anyone reaches 3.0. Ties go to
the longer wait. A conversation whose tracker cannot be read keeps its place by waiting time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from commerce.records import HandoffTicket, OrderStatus
from commerce.service import StoreService
from console.staff_store import Claim, StaffStore
from profiles.service import latest_topic
from shopdesk.clock import Clock
from shopdesk.errors import StoreUnavailableError

MOOD_WEIGHT, FRUSTRATION_WEIGHT, WAIT_WEIGHT = 3.0, 1.5, 1.0
VALUE_TIERS = ((100_000, 1.0), (20_000, 0.5))          # spent (pence) → bonus
COMPLAINT_BONUS = 0.5
CHANNELS = {"socketio": "website", "rest": "REST", "telegram": "Telegram", "slack": "Slack",
            "facebook": "Messenger", "twilio": "WhatsApp"}


def priority(mood: float | None, frustration: float, waiting_minutes: float,
             spent_cents: int, reason: str) -> float:
    value = next((bonus for floor, bonus in VALUE_TIERS if spent_cents >= floor), 0.0)
    return round(MOOD_WEIGHT * max(0.0, -(mood or 0.0))
                 + FRUSTRATION_WEIGHT * min(max(frustration, 0.0), 3.0) / 3.0
                 + WAIT_WEIGHT * min(max(waiting_minutes, 0.0) / 30.0, 3.0)
                 + value
                 + (COMPLAINT_BONUS if reason == "complaint" else 0.0), 3)


@dataclass(frozen=True)
class QueueRow:
    ticket: str
    conversation: str
    channel: str
    reason: str
    topic: str
    waiting_minutes: int
    mood: float | None
    mood_trend: list[float]
    frustration: float
    spent: str
    priority: float
    claimed_by: str | None
    summary: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _slot_history(events: list[dict[str, Any]], name: str) -> list[Any]:
    return [e.get("value") for e in events if e.get("event") == "slot" and e.get("name") == name]




def queue_rows(store: StoreService, staff: StaffStore,
               tracker_of: Callable[[str], dict[str, Any] | None], clock: Clock,
               usernames: Callable[[str], str]) -> list[QueueRow]:
    """The waiting conversations, highest priority first."""
    now: datetime = clock()
    claims: dict[str, Claim] = staff.claims()
    rows = []
    for ticket in store.waiting_handoffs():
        rows.append(_row(ticket, store, tracker_of(ticket.sender_id) or {}, now,
                         claims.get(ticket.ticket), usernames))
    return sorted(rows, key=lambda r: (-r.priority, -r.waiting_minutes, r.ticket))


def _row(ticket: HandoffTicket, store: StoreService, tracker: dict[str, Any], now: datetime,
         claim: Claim | None, usernames: Callable[[str], str]) -> QueueRow:
    events = [e for e in tracker.get("events") or [] if isinstance(e, dict)]
    slots = tracker.get("slots") if isinstance(tracker.get("slots"), dict) else {}
    moods = [float(v) for v in _slot_history(events, "mood") if isinstance(v, int | float)]
    mood = moods[-1] if moods else None
    state = slots.get("mood_state") if isinstance(slots.get("mood_state"), dict) else {}
    try:
        frustration = float(state.get("frustration") or 0.0)
    except (TypeError, ValueError):
        frustration = 0.0
    try:
        spent = sum(o.total_cents for o in store.recent_orders(slots.get("email"), limit=100)
                    if o.status is not OrderStatus.CANCELLED)
    except StoreUnavailableError:  # the shop's platform is down: the queue still works
        spent = 0
    waiting = max(0, int((now - ticket.created_at).total_seconds() // 60))
    channel = str(tracker.get("latest_input_channel") or "")
    return QueueRow(
        ticket=ticket.ticket, conversation=ticket.sender_id,
        channel=CHANNELS.get(channel, channel or "unknown"), reason=ticket.reason,
        topic=latest_topic(events) or "other", waiting_minutes=waiting,
        mood=round(mood, 3) if mood is not None else None,
        mood_trend=[round(m, 3) for m in moods[-6:]], frustration=round(frustration, 3),
        spent=f"£{spent / 100:,.2f}",
        priority=priority(mood, frustration, waiting, spent, ticket.reason),
        claimed_by=usernames(claim.account_id) if claim else None,
        summary=ticket.summary[:1000])
