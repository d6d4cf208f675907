"""Helpers for action tests: the real domain, and running actions like the SDK does."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from shopdesk.settings import PROJECT_ROOT


@functools.lru_cache(maxsize=1)
def domain() -> dict[str, Any]:
    """The bot's domain, merged from bot/domain/*.yml the way Rasa merges it."""
    merged: dict[str, Any] = {}
    for path in sorted((PROJECT_ROOT / "bot/domain").glob("*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in part.items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            else:
                merged[key] = value
    return merged


def run_action(action: Action, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run ``action`` on ``tracker``; return (messages, events)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain()))
    return dispatcher.messages, list(events or [])


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
