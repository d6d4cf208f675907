"""What the simulated customers say: short multi-turn conversations from the demo store's
everyday traffic (an open question, an order status with slot filling, small talk), and the
long conversation used to measure how a turn's cost grows with the conversation's length."""

from __future__ import annotations

import itertools
import random

CONVERSATIONS: dict[str, list[str]] = {
    "open question": ["how much does delivery cost?", "do you ship to Ireland?",
                      "how long do refunds take?", "thanks, that's all"],
    "order status": ["where is my order?", "100236", "jane.doe@example.com",
                     "great, thank you"],
    "small talk": ["hi there", "are you a bot?", "what can you help me with?", "bye"],
}


def pick(rng: random.Random) -> tuple[str, list[str]]:
    name = rng.choice(sorted(CONVERSATIONS))
    return name, CONVERSATIONS[name]


def long_conversation(turns: int) -> list[str]:
    """``turns`` messages of one conversation: open questions and small talk, repeated."""
    cycle = itertools.cycle(["how much does delivery cost?", "thanks", "do you ship to Ireland?",
                             "ok", "how long do refunds take?", "great"])
    return [next(cycle) for _ in range(turns)]
