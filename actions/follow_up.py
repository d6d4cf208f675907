"""The second request in one message: "cancel 100236 — and how long do refunds take?".

The intent classifier gives a message one intent, so the flow it starts (here, cancelling) is
done first. When that flow completes, the message that started it is read again for a further
open question — a clause that asks something (a question word first), does not carry the
order's number or e-mail, and is not about the order itself — and it is answered from the
historical Q&A when the answer is confident. The customer never has to ask twice.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.wording import cited
from retrieval.answering import Decision, QuestionAnswerer

_QUESTION_START = re.compile(
    r"^(how|what|whats|what's|when|where|why|which|who|do|does|did|can|could|is|are|will|"
    r"would|should|have|has)\b", re.I)
_SEPARATORS = re.compile(r"[?.!;\n]+|\b(?:and|also|plus|btw|oh and)\b|,\s*(?=(?:how|what|when|"
                         r"where|why|do|does|can|could|is|are|will|would)\b)", re.I)
# a clause with one of these is about the order the flow just handled, not a second question
_ABOUT_THE_ORDER = re.compile(r"\b(order|orders|parcel|package|it|it's|its|this|that|them|they|"
                              r"item|items|status|track|tracking|cancel|cancelled|address)\b", re.I)


def starting_message(tracker: Tracker) -> str:
    """The customer's message that started the form that just completed ('' if none)."""
    events = list(tracker.events)
    for at in range(len(events) - 1, -1, -1):
        e = events[at]
        if e.get("event") == "active_loop" and e.get("name"):
            for before in range(at - 1, -1, -1):
                if events[before].get("event") == "user":
                    return str(events[before].get("text") or "")
            return ""
    return ""


def extra_questions(text: str, known: tuple[str, ...] = (), limit: int = 2) -> list[str]:
    """The open questions in ``text`` besides the request the flow handled."""
    found = []
    for clause in _SEPARATORS.split(text[:2000]):
        clause = " ".join((clause or "").split()).strip(" ,-")
        if (len(clause.split()) < 3 or not _QUESTION_START.match(clause)
                or "@" in clause or re.search(r"\d{6}", clause)
                or any(k and k in clause for k in known) or _ABOUT_THE_ORDER.search(clause)):
            continue
        found.append(clause)
    return found[:limit]


def answer_follow_up(dispatcher: CollectingDispatcher, tracker: Tracker,
                     qa: QuestionAnswerer) -> list[dict[str, Any]]:
    """Answer the further questions of the message that started the flow; returns what was
    said (for tests)."""
    said = []
    known = tuple(str(tracker.get_slot(s) or "") for s in ("order_number", "email"))
    for question in extra_questions(starting_message(tracker), known):
        result = qa.answer(question)
        if result.decision is not Decision.ANSWER:
            continue
        hit = result.hits[0]
        message = {"text": f"You also asked “{question}”: "
                           f"{cited(hit.pair.answer, hit.pair.question)}"}
        dispatcher.utter_message(**message)
        said.append(message)
    return said
