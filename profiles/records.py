"""Plain records and rules shared by every profile-store implementation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shopdesk.errors import InvalidRequestError

# where a customer talks to us: each identity's value is a conversation id
CONVERSATION_CHANNELS = frozenset({"web", "rest", "slack", "telegram", "messenger", "whatsapp"})
# ... plus what proves who they are: an e-mail, an order, the company's own account id ("site",
# signed by its website), and the agent console
CHANNELS = CONVERSATION_CHANNELS | {"email", "order", "site", "console"}
PURPOSES = frozenset({"personalisation"})
MAX_ID_CHARS = 256
MAX_TOPIC_CHARS = 64
MAX_TEXT_CHARS = 2000
FEEDBACK = frozenset({"up", "down", "clicked", "shown"})


@dataclass(frozen=True)
class Identity:
    channel: str
    value: str
    verified: bool
    created_at: datetime


@dataclass(frozen=True)
class Interaction:
    conversation: str
    channel: str
    at: datetime
    intent: str | None = None
    sentiment: float | None = None
    action: str | None = None
    item: str | None = None
    feedback: str | None = None
    resolved: bool | None = None
    text: str | None = None      # already redacted by the caller's rules (the store redacts again)


@dataclass(frozen=True)
class MoodPoint:
    conversation: str
    at: datetime
    mood: float
    sentiment: float


@dataclass(frozen=True)
class Consent:
    purpose: str
    granted: bool
    text_shown: str
    text_version: str
    channel: str
    at: datetime


@dataclass
class Export:
    customer_id: str
    created_at: datetime
    identities: list[Identity] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)
    interests: dict[str, float] = field(default_factory=dict)
    interactions: list[Interaction] = field(default_factory=list)
    mood_history: list[MoodPoint] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        def clean(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, list):
                return [clean(v) for v in value]
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            if hasattr(value, "__dataclass_fields__"):
                return {k: clean(getattr(value, k)) for k in value.__dataclass_fields__}
            return value
        return clean({"customer_id": self.customer_id, "created_at": self.created_at,
                      "identities": self.identities, "consents": self.consents,
                      "interests": self.interests, "interactions": self.interactions,
                      "mood_history": self.mood_history})


def check_identity(channel: object, value: object) -> tuple[str, str]:
    if channel not in CHANNELS:
        raise InvalidRequestError(f"unknown channel {str(channel)[:40]!r}; one of "
                                  f"{', '.join(sorted(CHANNELS))}")
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError("an identity needs a non-empty value")
    if len(value) > MAX_ID_CHARS or any(ord(c) < 32 for c in value):
        raise InvalidRequestError(f"identity values are at most {MAX_ID_CHARS} printable characters")
    return str(channel), value.strip()


def check_customer_id(customer_id: object) -> str:
    if not isinstance(customer_id, str) or not 1 <= len(customer_id) <= 36 or \
            not all(c.isalnum() or c == "-" for c in customer_id):
        raise InvalidRequestError("a customer id is a UUID like 3f2b…-…")
    return customer_id


def check_topic(topic: object) -> str:
    if not isinstance(topic, str) or not topic.strip() or len(topic) > MAX_TOPIC_CHARS:
        raise InvalidRequestError(f"a topic is 1–{MAX_TOPIC_CHARS} characters")
    return topic.strip().lower()


def clip(text: str | None, limit: int = MAX_TEXT_CHARS) -> str | None:
    return None if text is None else str(text)[:limit]
