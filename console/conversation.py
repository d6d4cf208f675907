"""One conversation as an agent reads it: the transcript from Rasa's tracker (customer, bot and
agent lines with their time and the customer's mood), and whether a person has taken it over."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from console.queue import CHANNELS


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
            if not isinstance(text, str) or not text or (kind == "user" and text.startswith("/")):
                continue
            agent = metadata.get("agent") if isinstance(metadata, dict) else None
            lines.append({"from": "customer" if kind == "user" else ("agent" if agent else "bot"),
                          "agent": agent, "text": text[:4000], "at": _at(event.get("timestamp")),
                          "mood": None})
    channel = str(tracker.get("latest_input_channel") or "")
    return {"paused": paused, "mood": mood, "lines": lines[-limit:],
            "channel": CHANNELS.get(channel, channel or "unknown")}


def _at(timestamp: Any) -> str | None:
    if not isinstance(timestamp, int | float):
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")
