"""The rating question (CSAT), shared by the bot (actions.rating), the agent console's handback
and the web app's idle sweep (console.idle_csat), so a customer is asked the same way whoever
served them. Standard library only: the Rasa side (bot/channels.py) reads it too."""

from __future__ import annotations

from typing import Any

RATING_BUTTONS = [{"title": f"{n} {'★' * n}", "payload": f'/rate_service{{"csat_score": "{n}"}}'}
                  for n in (5, 4, 3, 2, 1)]
ASK_TEXT = "Before you go: how did we do? Tap a rating from 5 (great) to 1 (poor)."
# the intent the web app triggers through Rasa's API when a conversation has gone quiet; the
# question it leads to carries this mark in its metadata (a REST client gets it with its next
# request, and the tracker itself records that the conversation was asked)
IDLE_INTENT = "EXTERNAL_csat_idle"
IDLE_MARK = {"csat": "idle"}
# Rasa's text for an intent triggered through its API: nothing the customer wrote
EXTERNAL_PREFIX = "EXTERNAL: "


def customer_wrote(text: Any) -> bool:
    """Whether a user event's text is the customer's own words (not a button payload or an
    intent triggered from outside)."""
    return (isinstance(text, str) and bool(text.strip()) and not text.startswith("/")
            and not text.startswith(EXTERNAL_PREFIX))


def was_asked(events: Any) -> bool:
    """Whether the rating question is in these Rasa tracker events already (any way asked)."""
    for event in events or []:
        if isinstance(event, dict) and event.get("event") == "bot":
            metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
            if event.get("text") == ASK_TEXT or metadata.get("csat"):
                return True
    return False
