"""CSAT: the customer rates the conversation 1-5 when it ends (they say goodbye, a person
hands it back to the bot, or it goes quiet: the web app's idle sweep triggers ``IDLE_INTENT``,
``console.idle_csat``), and may add a comment in their own words (the mood action, which
sees every message, keeps the next thing they type after a rating as its comment)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ServiceAction
from profiles.service import latest_topic
from shopdesk.csat import ASK_TEXT, IDLE_INTENT, IDLE_MARK, RATING_BUTTONS, was_asked


def served_by(tracker: Tracker) -> str:
    """The person who last took over this conversation (the console marks their messages)."""
    for event in reversed(tracker.events):
        metadata = event.get("metadata") if event.get("event") == "bot" else None
        if isinstance(metadata, dict) and metadata.get("agent"):
            return str(metadata["agent"])
    return ""


class ActionAskRating(ServiceAction):
    """Asks once per conversation (not again after a rating). Asked because the conversation
    went quiet, it checks again what the web app's sweep checked (the sweep may race a takeover,
    a new message or a second sweeper): never twice, never while a person has it, never in a
    form; the question is marked (``IDLE_MARK``) so a REST client gets it with its next request."""

    logs_itself = True

    def name(self) -> str:
        return "action_ask_rating"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        if self.services.store.rated(tracker.sender_id):
            return []
        if ((tracker.latest_message or {}).get("intent") or {}).get("name") == IDLE_INTENT:
            if was_asked(tracker.events) or tracker.is_paused() or tracker.active_loop_name:
                return []
            dispatcher.utter_message(text=ASK_TEXT, buttons=RATING_BUTTONS, **IDLE_MARK)
            return []
        dispatcher.utter_message(text=ASK_TEXT, buttons=RATING_BUTTONS)
        return []


class ActionRecordRating(ServiceAction):
    logs_itself = True

    def name(self) -> str:
        return "action_record_rating"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        raw = next((str(e.get("value")) for e in (tracker.latest_message or {}).get("entities")
                    or [] if e.get("entity") == "csat_score"), "")
        if raw not in {"1", "2", "3", "4", "5"}:
            dispatcher.utter_message(text="Please tap one of the ratings from 5 to 1.",
                                     buttons=RATING_BUTTONS)
            return []
        topic = latest_topic(tracker.events) or "general"
        rating = self.services.store.record_rating(tracker.sender_id, int(raw),
                                                   served_by(tracker), topic)
        thanks = ("Thank you — that's great to hear!" if rating.score >= 4 else
                  "Thank you for telling us — we'll use it to do better.")
        dispatcher.utter_message(text=f"{thanks} If you'd like to add a comment, just type it.")
        return [SlotSet("csat_comment_for", str(rating.id))]
