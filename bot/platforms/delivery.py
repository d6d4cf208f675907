"""Delivery rules every platform shares: once-only processing, buttons a customer can answer
in words, and texts cut to the platform's length.

Standard library only (the unit tests import it without Rasa).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any


class Deduplicator:
    """Remembers delivery ids for ``ttl_s`` seconds (at most ``max_keys``, oldest dropped)."""

    def __init__(self, ttl_s: float = 24 * 3600, max_keys: int = 200_000,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.max_keys = max_keys
        self._monotonic = monotonic
        self._seen: OrderedDict[Hashable, float] = OrderedDict()

    def first_time(self, key: Hashable) -> bool:
        """True the first time ``key`` is seen (within the time to live), False after."""
        now = self._monotonic()
        while self._seen:
            oldest, when = next(iter(self._seen.items()))
            if now - when <= self.ttl_s and len(self._seen) < self.max_keys:
                break
            self._seen.pop(oldest)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


class ButtonMemory:
    """The buttons last offered to each customer, so that a short reply ("2", or the button's
    title typed out) or a short token (for platforms with a small payload limit) stands for the
    button's payload. Bounded: the customers least recently offered buttons are forgotten."""

    def __init__(self, max_senders: int = 100_000) -> None:
        self.max_senders = max_senders
        self._offers: OrderedDict[str, list[tuple[str, str]]] = OrderedDict()

    def remember(self, sender: str, buttons: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
        """(title, payload) of each usable button, remembered for ``sender``."""
        offer = [(str(b.get("title") or b.get("payload") or "").strip(),
                  str(b.get("payload") or b.get("title") or "").strip())
                 for b in buttons if isinstance(b, dict)]
        offer = [(t, p) for t, p in offer if t and p]
        self._offers.pop(sender, None)
        self._offers[sender] = offer
        while len(self._offers) > self.max_senders:
            self._offers.popitem(last=False)
        return offer

    def token_payload(self, sender: str, token: str) -> str | None:
        """The payload behind a ``btn:<n>`` token this memory handed out."""
        match = re.fullmatch(r"btn:(\d{1,3})", token or "")
        offer = self._offers.get(sender) or []
        if match and int(match.group(1)) < len(offer):
            return offer[int(match.group(1))][1]
        return None

    def reply_payload(self, sender: str, text: str) -> str | None:
        """The payload a typed reply picks: the button's number or its exact title."""
        offer = self._offers.get(sender) or []
        typed = (text or "").strip().rstrip(".").strip()
        if typed.isdigit() and 1 <= int(typed) <= len(offer):
            return offer[int(typed) - 1][1]
        for title, payload in offer:
            if typed.casefold() == title.casefold():
                return payload
        return None


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at paragraph, line or word
    boundaries where possible."""
    text = (text or "").strip()
    pieces: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit),
                  text.rfind(" ", 0, limit))
        if cut < limit // 2:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def numbered(text: str, offer: list[tuple[str, str]]) -> str:
    """Buttons as a numbered list under the text, for platforms that cannot show buttons."""
    if not offer:
        return text
    lines = [f"{i}. {title}" for i, (title, _) in enumerate(offer, 1)]
    return f"{text}\n\n" + "\n".join(lines) + "\n\nReply with a number, or just type."
