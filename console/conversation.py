"""One conversation as an agent reads it: the transcript from Rasa's tracker (customer, bot and
agent lines with their time and the customer's mood), and whether a person has taken it over."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from console.queue import CHANNELS
from shopdesk.csat import customer_wrote


def transcript(tracker: dict[str, Any], limit: int = 200) -> dict[str, Any]:
    lines: list[dict[str, Any]] = []
    paused = False
    mood: float | None = None
    for event in tracker.get("events") or []:
        if not isinstance(event, dict):
            continue
        kind = event.get("event")
        if kind == "pause":
            paused = True
        elif kind == "resume":
            paused = False
        elif kind == "slot" and event.get("name") == "mood" and \
                isinstance(event.get("value"), int | float):
            mood = float(event["value"])
            if lines and lines[-1]["from"] == "customer":
                lines[-1]["mood"] = round(mood, 3)
        elif kind in {"user", "bot"}:
            text = event.get("text")
            metadata = event.get("metadata") or {}
            if kind == "user" and isinstance(metadata, dict) and metadata.get("photo"):
                text = f"[photo {metadata['photo']}]"
            if not isinstance(text, str) or not text or (kind == "user" and not customer_wrote(text)):
                continue
            agent = metadata.get("agent") if isinstance(metadata, dict) else None
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") \
                if kind == "user" else None
            lines.append({"from": "customer" if kind == "user" else ("agent" if agent else "bot"),
                          "agent": agent, "text": text[:4000], "at": _at(event.get("timestamp")),
                          "mood": None, "intent": intent,
                          "via": "email" if isinstance(metadata, dict) and
                          metadata.get("via") == "email" else None})
    channel = str(tracker.get("latest_input_channel") or "")
    slots = tracker.get("slots") if isinstance(tracker.get("slots"), dict) else {}
    return {"paused": paused, "email_known": bool(slots.get("email")), "mood": mood, "lines": lines[-limit:],
            "channel": CHANNELS.get(channel, channel or "unknown")}


def _at(timestamp: Any) -> str | None:
    if not isinstance(timestamp, int | float):
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


_GREETING = {"hi", "hello", "hey", "hiya", "good morning", "good afternoon", "good evening",
             "thanks", "thank you", "ok", "okay", "yes", "no"}
# what a customer says that is not what they want: asking for a person, greetings, yes/no …
_NOT_A_REQUEST = {"human_handoff", "greet", "goodbye", "thank_you", "affirm", "deny",
                  "consent_grant", "consent_deny", "bot_challenge", "stop"}


def _first_sentence(text: str, limit: int = 180) -> str:
    sentence = text.strip().replace("\n", " ")
    for stop in (". ", "! ", "? "):
        if stop in sentence:
            sentence = sentence[:sentence.index(stop) + 1]
    return sentence if len(sentence) <= limit else sentence[:limit].rsplit(" ", 1)[0] + "…"


def summarise(view: dict[str, Any]) -> list[str]:
    """At most three sentences, taken from the conversation: what the customer wants (their
    first real request, in their words), what was done (the last thing the bot or an agent told
    them), and how they feel (the mood now and which way it is going)."""
    lines = view.get("lines") or []
    said = [line["text"] for line in lines if line["from"] == "customer"
            and not line["text"].startswith("[photo")
            and line.get("intent") not in _NOT_A_REQUEST]
    wants = next((t for t in said if t.strip().lower().strip("!.?, ") not in _GREETING
                  and len(t.split()) >= 3), said[0] if said else "")
    done = next((line["text"] for line in reversed(lines) if line["from"] != "customer"), "")
    moods = [line["mood"] for line in lines if line.get("mood") is not None]
    summary = []
    if wants:
        summary.append(f"Wants: “{_first_sentence(wants)}”")
    if done:
        summary.append(f"Done: {_first_sentence(done)}")
    if moods:
        now = moods[-1]
        feeling = ("very upset" if now <= -0.5 else "upset" if now <= -0.2 else
                   "neutral" if now < 0.2 else "positive")
        trend = ("" if len(moods) < 2 else ", getting worse" if now < moods[0] - 0.15 else
                 ", calming down" if now > moods[0] + 0.15 else ", steady")
        summary.append(f"Feels: {feeling} (mood {now:+.2f}{trend}).")
    return summary
