"""An in-memory ProfileStore for unit tests and demos (same rules as the SQL store)."""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from datetime import datetime

from profiles.records import (
    CONVERSATION_CHANNELS,
    PURPOSES,
    Consent,
    Export,
    Identity,
    Interaction,
    MoodPoint,
    check_customer_id,
    check_identity,
    check_topic,
    clip,
)
from profiles.store import FEEDBACK_WEIGHTS
from shopdesk.clock import Clock
from shopdesk.errors import InvalidRequestError, NotFoundError
from shopdesk.redact import redact


class InMemoryProfileStore:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self._customers: dict[str, datetime] = {}
        self._identities: dict[tuple[str, str], tuple[str, Identity]] = {}
        self._consents: dict[str, list[Consent]] = {}
        self._interests: dict[str, dict[str, float]] = {}
        self._interactions: dict[str, list[Interaction]] = {}
        self._moods: dict[str, list[MoodPoint]] = {}

    def _require(self, customer_id: str) -> None:
        if check_customer_id(customer_id) not in self._customers:
            raise NotFoundError(f"no customer {customer_id}")

    @staticmethod
    def _key(channel: str, value: str) -> tuple[str, str]:
        return channel, value.lower() if channel == "email" else value

    def find(self, channel: str, value: str) -> str | None:
        channel, value = check_identity(channel, value)
        with self._lock:
            found = self._identities.get(self._key(channel, value))
            return found[0] if found else None

    def resolve(self, channel: str, value: str, verified: bool = False) -> str:
        channel, value = check_identity(channel, value)
        with self._lock:
            found = self.find(channel, value)
            if found:
                return found
            customer_id = str(uuid.uuid4())
            self._customers[customer_id] = self._clock()
            self._identities[self._key(channel, value)] = (
                customer_id, Identity(channel, value, verified, self._clock()))
            return customer_id

    def link(self, customer_id: str, channel: str, value: str, verified: bool) -> str:
        channel, value = check_identity(channel, value)
        with self._lock:
            self._require(customer_id)
            key = self._key(channel, value)
            found = self._identities.get(key)
            if found is None:
                self._identities[key] = (customer_id,
                                         Identity(channel, value, verified, self._clock()))
                return customer_id
            owner, identity = found
            if owner == customer_id:
                self._identities[key] = (owner, replace(identity,
                                                        verified=identity.verified or verified))
                return customer_id
            if not verified:
                raise InvalidRequestError("that identity belongs to another profile; it can only "
                                          "be linked once the customer has proved it is theirs")
            return self.merge(owner, customer_id)

    def merge(self, source_id: str, target_id: str) -> str:
        check_customer_id(source_id)
        check_customer_id(target_id)
        if source_id == target_id:
            return target_id
        with self._lock:
            self._require(target_id)
            self._require(source_id)
            for key, (owner, identity) in list(self._identities.items()):
                if owner == source_id:
                    self._identities[key] = (target_id, identity)
            for table in (self._consents, self._interactions, self._moods):
                table.setdefault(target_id, []).extend(table.pop(source_id, []))  # type: ignore[attr-defined]
            theirs = self._interests.pop(source_id, {})
            mine = self._interests.setdefault(target_id, {})
            for topic, weight in theirs.items():
                mine[topic] = mine.get(topic, 0.0) + weight
            del self._customers[source_id]
            return target_id

    def identities(self, customer_id: str) -> list[Identity]:
        with self._lock:
            self._require(customer_id)
            return [i for owner, i in self._identities.values() if owner == customer_id]

    def set_consent(self, customer_id: str, purpose: str, granted: bool, text_shown: str,
                    text_version: str, channel: str) -> None:
        if purpose not in PURPOSES:
            raise InvalidRequestError(f"unknown consent purpose {purpose[:40]!r}")
        with self._lock:
            self._require(customer_id)
            self._consents.setdefault(customer_id, []).append(Consent(
                purpose, bool(granted), clip(text_shown) or "", text_version[:16], channel[:32],
                self._clock()))

    def consent(self, customer_id: str, purpose: str = "personalisation") -> bool | None:
        with self._lock:
            self._require(customer_id)
            mine = [c for c in self._consents.get(customer_id, []) if c.purpose == purpose]
            return mine[-1].granted if mine else None

    def add_interest(self, customer_id: str, topic: str, delta: float) -> None:
        topic = check_topic(topic)
        if not isinstance(delta, (int, float)) or delta != delta or abs(delta) > 100:
            raise InvalidRequestError("an interest change is a number between -100 and 100")
        with self._lock:
            self._require(customer_id)
            mine = self._interests.setdefault(customer_id, {})
            mine[topic] = mine.get(topic, 0.0) + float(delta)

    def interests(self, customer_id: str) -> dict[str, float]:
        with self._lock:
            self._require(customer_id)
            return dict(self._interests.get(customer_id, {}))

    def log_interaction(self, customer_id: str, interaction: Interaction) -> None:
        with self._lock:
            self._require(customer_id)
            text = redact(clip(interaction.text) or "") or None
            self._interactions.setdefault(customer_id, []).append(replace(interaction, text=text))

    def interactions(self, customer_id: str) -> list[Interaction]:
        with self._lock:
            self._require(customer_id)
            return sorted(self._interactions.get(customer_id, []), key=lambda i: i.at)

    def record_mood(self, customer_id: str, conversation: str, mood: float,
                    sentiment: float) -> None:
        with self._lock:
            self._require(customer_id)
            self._moods.setdefault(customer_id, []).append(
                MoodPoint(conversation[:128], self._clock(), float(mood), float(sentiment)))

    def mood_history(self, customer_id: str) -> list[MoodPoint]:
        with self._lock:
            self._require(customer_id)
            return list(self._moods.get(customer_id, []))

    def feedback(self) -> list[tuple[str, str, float]]:
        with self._lock:
            out = []
            for customer_id, items in self._interactions.items():
                consents = [c for c in self._consents.get(customer_id, [])
                            if c.purpose == "personalisation"]
                if not consents or not consents[-1].granted:
                    continue
                out += [(customer_id, i.item, FEEDBACK_WEIGHTS.get(i.feedback or "", 0.5))
                        for i in items if i.item]
            return out

    def export(self, customer_id: str) -> Export:
        with self._lock:
            self._require(customer_id)
            return Export(customer_id, self._customers[customer_id], self.identities(customer_id),
                          list(self._consents.get(customer_id, [])), self.interests(customer_id),
                          self.interactions(customer_id), self.mood_history(customer_id))

    def erase(self, customer_id: str) -> list[str]:
        with self._lock:
            self._require(customer_id)
            conversations = {i.conversation for i in self._interactions.pop(customer_id, [])}
            conversations |= {m.conversation for m in self._moods.pop(customer_id, [])}
            for key, (owner, identity) in list(self._identities.items()):
                if owner == customer_id:
                    if identity.channel in CONVERSATION_CHANNELS:
                        conversations.add(identity.value)
                    del self._identities[key]
            self._consents.pop(customer_id, None)
            self._interests.pop(customer_id, None)
            del self._customers[customer_id]
            return sorted(conversations)

    def purge_before(self, cutoff: datetime) -> int:
        with self._lock:
            removed = 0
            for table in (self._interactions, self._moods):
                for customer_id, rows in table.items():
                    keep = [r for r in rows if r.at >= cutoff]  # type: ignore[attr-defined]
                    removed += len(rows) - len(keep)
                    table[customer_id] = keep  # type: ignore[assignment]
            return removed
