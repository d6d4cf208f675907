"""Does the tone fit the customer? Measured on the words the customer receives.

The labelled set (``training_data/sentiment/tone/``, definitions of *calm* and *frustrated*
in its README) was written by a helper session that never saw the model's outputs. Each
customer message goes through the same path as in the bot — the sentiment service scores it
and moves the mood on (``SentimentService.observe``), then the reply is worded for the tone
(``sentiment.tone.shape``) — and the reply's text and buttons are read:

* **false empathy** — a calm first message whose reply apologises for frustration or offers a
  person (share of calm problem reports; goal ≤ 5 %);
* **unprompted offers on calm conversations** — calm conversations in which any reply offered
  a person the customer had not asked for (goal 0);
* **frustrated customers offered a person within 2 turns** — conversations that are or become
  frustrated, offered a person at the turn frustration starts or the next one (goal ≥ 90 %).

Templated Rasa responses follow the same ``tone`` slot through conditional variations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sentiment.service import SentimentService
from sentiment.tone import EMPATHY_LINES, HUMAN_BUTTON, OFFER_LINES, shape
from shopdesk.settings import PROJECT_ROOT

TONE_DATA = PROJECT_ROOT / "training_data/sentiment/tone"
PLAIN_ANSWER = ("Here's what I can tell you about that: the details are in your account, and "
                "I can take you through the next step now.")


@dataclass(frozen=True)
class Received:
    text: str
    offers_person: bool
    empathetic: bool


def receive(tone: str, signals: list[str], key: str) -> Received:
    """The reply a customer gets for this turn's tone, and what it says."""
    reply = shape(PLAIN_ANSWER, tone, signals, key)
    offers = HUMAN_BUTTON in reply.buttons or any(o in reply.text for o in OFFER_LINES)
    return Received(reply.text, offers, any(a in reply.text for a in EMPATHY_LINES))


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def evaluate_tone(service: SentimentService, folder: Path = TONE_DATA) -> dict[str, float]:
    first = _lines(folder / "first_messages.jsonl")
    conversations = _lines(folder / "conversations.jsonl")
    calm_reports = [m for m in first if m["label"] == "calm" and m.get("kind") == "problem"]
    calm_all = [m for m in first if m["label"] == "calm"]
    frustrated_first = [m for m in first if m["label"] == "frustrated"]

    def first_reply(message: dict) -> Received:
        turn = service.observe(message["text"], [], None)
        return receive(str(turn.state.tone), turn.signals.names(), message["id"])

    false_empathy = sum(r.empathetic or r.offers_person
                        for r in map(first_reply, calm_reports))
    false_empathy_all = sum(r.empathetic or r.offers_person for r in map(first_reply, calm_all))
    met_frustrated = sum(r.empathetic or r.offers_person
                         for r in map(first_reply, frustrated_first))

    calm_offered = 0
    calm_conversations = 0
    frustrated_total = frustrated_in_time = 0
    for conversation in conversations:
        state, earlier, offers = None, [], []
        for i, turn_data in enumerate(conversation["turns"]):
            turn = service.observe(turn_data["text"], earlier, state)
            state = turn.state.to_slot()
            earlier.append(turn_data["text"])
            offers.append(receive(str(turn.state.tone), turn.signals.names(),
                                  f"{conversation['id']}:{i}").offers_person)
        states = [t["state"] for t in conversation["turns"]]
        if conversation["label"] == "calm":
            calm_conversations += 1
            calm_offered += any(offers)
        elif "frustrated" in states:
            onset = states.index("frustrated")
            frustrated_total += 1
            frustrated_in_time += any(offers[onset:onset + 2])
    return {
        "calm problem reports": len(calm_reports),
        "false empathy on calm problem reports": false_empathy / max(len(calm_reports), 1),
        "false empathy on all calm first messages": false_empathy_all / max(len(calm_all), 1),
        "frustrated first messages met with empathy or an offer":
            met_frustrated / max(len(frustrated_first), 1),
        "calm conversations": calm_conversations,
        "calm conversations with an unprompted offer": calm_offered,
        "frustrated conversations": frustrated_total,
        "frustrated offered a person within 2 turns": frustrated_in_time / max(frustrated_total, 1),
    }


GOALS = {"false empathy on calm problem reports": ("≤", 0.05),
         "calm conversations with an unprompted offer": ("≤", 0),
         "frustrated offered a person within 2 turns": ("≥", 0.90)}


def tone_table(figures: dict[str, float]) -> str:
    lines = ["| tone check (on the words the customer receives) | value | goal |",
             "|---|---:|---|"]
    for name, value in figures.items():
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        goal = GOALS.get(name)
        mark = ""
        if goal:
            ok = value <= goal[1] if goal[0] == "≤" else value >= goal[1]
            mark = f"{goal[0]} {goal[1]} {'met' if ok else 'NOT met'}"
        lines.append(f"| {name} | {shown} | {mark} |")
    return "\n".join(lines)
