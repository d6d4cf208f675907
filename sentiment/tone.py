"""Wording replies for the customer's mood.

* empathetic — acknowledge the feeling (naming what went wrong when we know: asked more than
  once, a threat to leave), apologise, give a short, direct answer (the first sentences of the
  answer, not the whole article) and offer a person;
* escalate — the same, and the offer of a person comes first and is explicit;
* neutral — the answer as it is;
* upbeat — the answer with a friendlier close.

Templated Rasa responses get the same treatment through conditional response variations on the
``tone`` slot (see ``bot/domain/core.yml``); this module is for replies the actions compose.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from sentiment.mood import Tone

HUMAN_BUTTON = {"title": "Talk to a person", "payload": "/human_handoff"}

_ACK_GENERAL = (
    "I'm sorry — I can see this has been frustrating.",
    "I'm sorry about this; it's not the experience we want you to have.",
    "Sorry for the trouble — let's get this sorted.",
)
_ACK_REPEAT = "I'm sorry you've had to ask about this more than once."
_ACK_CHURN = "I'm sorry — I'd really like to put this right for you."
_UPBEAT_CLOSE = (
    "Glad I could help — anything else I can do for you?",
    "Happy to help! Let me know if there's anything else.",
    "Hope that helps — enjoy your kit!",
)
_OFFER = "If you'd rather talk it through, a person on our team can take over."
_ESCALATE_OFFER = ("I don't want you to have to keep going back and forth with me — I can pass "
                   "you to a person on our team right now.")
# what a reply says when it is empathetic, and when it offers a person (read by tone_eval)
EMPATHY_LINES = (*_ACK_GENERAL, _ACK_REPEAT, _ACK_CHURN)
OFFER_LINES = (_OFFER, _ESCALATE_OFFER)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)


def _pick(options: tuple[str, ...], key: str) -> str:
    digest = hashlib.blake2b(key.encode(), digest_size=2).digest()
    return options[int.from_bytes(digest, "big") % len(options)]


def short(answer: str, max_sentences: int = 2, max_chars: int = 320) -> str:
    """The first sentences of ``answer``: a direct answer for someone who is out of patience."""
    sentences = _SENTENCE.split(answer.strip())
    out = ""
    for sentence in sentences[:max_sentences]:
        if out and len(out) + len(sentence) + 1 > max_chars:
            break
        out = f"{out} {sentence}".strip()
    return out or answer[:max_chars]


def acknowledgement(signals: list[str], key: str = "") -> str:
    if "repeated_question" in signals or "repeated_contact" in signals:
        return _ACK_REPEAT
    if "churn_threat" in signals:
        return _ACK_CHURN
    return _pick(_ACK_GENERAL, key)


def shape(text: str, tone: Tone | str, signals: list[str] | None = None, key: str = "",
          buttons: list[dict[str, str]] | None = None, shorten: bool = True) -> Reply:
    """``text`` worded for ``tone``; ``key`` (e.g. sender + turn) varies the phrasing."""
    tone = Tone(tone) if tone in {t.value for t in Tone} else Tone.NEUTRAL
    buttons = list(buttons or [])
    if tone is Tone.NEUTRAL:
        return Reply(text, buttons)
    if tone is Tone.UPBEAT:
        return Reply(f"{text}\n\n{_pick(_UPBEAT_CLOSE, key)}", buttons)
    body = short(text) if shorten else text
    if HUMAN_BUTTON not in buttons:
        buttons.append(HUMAN_BUTTON)
    ack = acknowledgement(signals or [], key)
    if tone is Tone.ESCALATE:
        return Reply(f"{ack} {body}\n\n{_ESCALATE_OFFER}", buttons)
    return Reply(f"{ack} {body}\n\n{_OFFER}", buttons)


def offer_line(tone: Tone | str, signals: list[str] | None = None, key: str = "") -> str:
    """An acknowledgement and the offer of a person, on its own."""
    offer = _ESCALATE_OFFER if tone == Tone.ESCALATE else _OFFER
    return f"{acknowledgement(signals or [], key)} {offer}"
