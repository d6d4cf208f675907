"""Scores every customer message and keeps the conversation's mood.

``action_track_mood`` is the custom slot-mapping action of the ``sentiment``, ``mood``,
``mood_state`` and ``tone`` slots, so Rasa runs it after *every* user message (as part of
``action_extract_slots``), before it picks the next action. (It also links an identity the
company's website signed, for the same reason: it sees every message.) Templated responses then choose
their variant from ``tone``, and the answer actions rank and word their replies from ``mood``.
If this action fails, Rasa keeps the previous slots and the conversation goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import UsesServices, latest_text, visitor
from actions.profile import link_signed_identity
from profiles.service import INTENT_TOPICS
from shopdesk.csat import customer_wrote

logger = logging.getLogger(__name__)


def customer_texts(tracker: Tracker) -> list[str]:
    """Everything the customer typed in this conversation, oldest first (not button payloads)."""
    return [str(e.get("text")) for e in tracker.events
            if e.get("event") == "user" and customer_wrote(e.get("text"))]


class ActionTrackMood(UsesServices, Action):
    def __init__(self, services: Any = None) -> None:
        self._services = services

    def name(self) -> str:
        return "action_track_mood"

    def _observe(self, tracker: Tracker) -> list[EventType]:
        # the one action run on every customer message: a website-signed identity links here
        link_signed_identity(self.services.profiles, tracker)
        text = latest_text(tracker)
        if not customer_wrote(text):
            return []  # a button, an intent payload or a triggered intent says nothing about feelings
        rating = tracker.get_slot("csat_comment_for")
        comment: list[EventType] = []
        if rating:  # the words after a rating are its comment (actions.rating)
            with contextlib.suppress(ValueError, TypeError):
                self.services.store.comment_rating(int(rating), text)
            comment = [SlotSet("csat_comment_for", None)]
        earlier = customer_texts(tracker)[:-1]
        turn = self.services.sentiment.observe(text, earlier, tracker.get_slot("mood_state"))
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        self.services.profiles.observe(visitor(tracker), text, intent, turn.result.score,
                                       turn.state.mood)
        if self.services.alerts is not None:  # the spike alerts watch every scored message
            self.services.alerts.record(turn.result.score, INTENT_TOPICS.get(intent or "",
                                                                             intent or "other"),
                                        str(next(tracker.get_latest_entity_values("product"), None)
                                            or tracker.get_slot("product") or ""))
        if turn.state.escalate:
            logger.info("conversation %s: offering a person unprompted (%s)",
                        tracker.sender_id[:8], "; ".join(turn.state.reasons))
        return [*comment, SlotSet("sentiment", turn.record()),
                SlotSet("mood", round(turn.state.mood, 4)),
                SlotSet("tone", str(turn.state.tone)),
                SlotSet("mood_state", turn.state.to_slot())]

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        try:
            return await asyncio.to_thread(self._observe, tracker)
        except Exception:
            logger.exception("mood tracking failed; the conversation goes on without it")
            return []
