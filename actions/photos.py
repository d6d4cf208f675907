"""A photo the customer attached (the widget uploads it; the channel turns the message into
the ``share_photo`` intent with the photo's id in the metadata, ``bot/channels.py``)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ServiceAction
from commerce.service import StoreService

PHOTO_KEY = "photo"


def open_case_ref(tracker: Tracker) -> str | None:
    """The return or claim opened in this conversation, if any (slot ``open_case``; a
    cancellation is no case photos belong to)."""
    case = tracker.get_slot("open_case")
    ref = case.get("ref") if isinstance(case, dict) and case.get("kind") != "cancellation" else None
    return str(ref) if ref else None


def link_photos(store: StoreService, tracker: Tracker, case_ref: str) -> str:
    """Photos already attached in this conversation now belong to ``case_ref``; a sentence for
    the customer when there were any ("" when there were none)."""
    linked = store.link_photos(tracker.sender_id, case_ref)
    if not linked:
        return ""
    return (f"I've added your photo{'s' if linked > 1 else ''} to {case_ref}, so the team "
            "handling it can see "
            f"{'them' if linked > 1 else 'it'}.")


def photo_invitation(tracker: Tracker) -> str:
    """How this customer can send us a photo: in the chat on the website (the widget's photo
    button), by e-mail elsewhere (the platforms' photos are not read yet)."""
    if tracker.get_latest_input_channel() == "socketio":
        return ("If you can, attach a photo of the fault here (the photo button next to the "
                "message box) — it speeds things up.")
    return "If you can, reply to that e-mail with a photo of the fault — it speeds things up."


class ActionReceivePhoto(ServiceAction):
    logs_itself = True  # nothing to learn about interests from a photo

    def name(self) -> str:
        return "action_receive_photo"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        store = self.services.store
        metadata = (tracker.latest_message or {}).get("metadata") or {}
        photo = store.photo_of(tracker.sender_id, str(metadata.get(PHOTO_KEY) or ""))
        if photo is None:
            dispatcher.utter_message(text="Sorry — I couldn't find that photo. Could you attach "
                                          "it again?")
            return []
        case = open_case_ref(tracker)
        if case:
            dispatcher.utter_message(text="Thank you for the photo. " + link_photos(store, tracker,
                                                                                  case))
        elif not tracker.active_loop_name:
            dispatcher.utter_message(
                text="Thank you, I've got your photo. What's wrong with the item? Tell me in a "
                     "few words (for example \"the zip broke\" or \"the wrong size came\") and "
                     "I'll add the photo to your return or complaint.")
        else:  # inside a form: the form asks its next question right after this
            dispatcher.utter_message(text="Thank you, I've got your photo — I'll add it to "
                                          "this request.")
        return []
