"""Consent, and what the profile store learns from a conversation (only with consent)."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ServiceAction, mood_of, visitor
from profiles.service import CONSENT_TEXT, ProfileService
from shopdesk.identity import verified_from

CONSENT_BUTTONS = [{"title": "Yes, remember me", "payload": "/consent_grant"},
                   {"title": "No, thanks", "payload": "/consent_deny"}]


def link_signed_identity(profiles: ProfileService, tracker: Tracker) -> None:
    """A customer the company's website vouches for (its signature was checked by the Rasa
    channel, ``shopdesk.identity``) is linked to their account id and e-mail — with consent
    only, as any other link; no e-mail proof is needed."""
    identity = verified_from((tracker.latest_message or {}).get("metadata"))
    if identity is None:
        return
    profiles.link_signed(visitor(tracker), identity.user_id, identity.email)


class ActionPersonalGreeting(ServiceAction):
    """Asks once, in plain words, whether the assistant may remember the customer."""

    def name(self) -> str:
        return "action_personal_greeting"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        profiles = self.services.profiles
        if profiles.store is None:
            return []
        who = visitor(tracker)
        decided = profiles.consent(who)
        if decided is None and not tracker.get_slot("consent_asked"):
            dispatcher.utter_message(text=CONSENT_TEXT, buttons=CONSENT_BUTTONS)
            return [SlotSet("consent_asked", True)]
        if decided:
            offer = suggestion_buttons(profiles.suggestions(who, mood_of(tracker),
                                                            returning_only=True))
            if offer:
                dispatcher.utter_message(text="Welcome back! These might be useful:",
                                         buttons=offer)
        return [SlotSet("consent_asked", True)]


class ActionRecordConsent(ServiceAction):
    logs_itself = True  # the consent history is the record

    def name(self) -> str:
        return "action_record_consent"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        intent = (tracker.latest_message or {}).get("intent", {}).get("name")
        granted = intent == "consent_grant"
        stored = self.services.profiles.record_consent(visitor(tracker), granted)
        if not stored:
            dispatcher.utter_message(
                text="Sorry — I can't save that choice right now, so I won't remember anything "
                "from this chat. You can tell me again later.")
        elif granted:
            link_signed_identity(self.services.profiles, tracker)
            dispatcher.utter_message(
                text="Thank you — I'll remember what helps you, across our channels. You can "
                "change your mind at any time.")
        else:
            dispatcher.utter_message(
                text="No problem — I'll only use this conversation and won't keep a profile.")
        return [SlotSet("consent_asked", True)]


def suggestion_buttons(suggestions: list[Any]) -> list[dict[str, str]]:
    """At most three buttons; a click asks for that article (and is recorded as a click)."""
    return [{"title": s.item.title[:80],
             "payload": "/ask_question" + json.dumps({"suggested_item": s.item.id})}
            for s in suggestions[:3]]
