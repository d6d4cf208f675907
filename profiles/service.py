"""What the actions and the web app ask of the profile store, with privacy rules built in.

* Nothing is profiled without consent: until a customer says yes, only the conversation's
  own state is used; no interaction, mood point or interest is written. A "no" is recorded
  (with the text shown) so they are not asked again.
* Interaction texts are redacted before they are stored (and stored encrypted).
* If the database is down, every method degrades to "no personalisation" and logs the failure;
  the conversation goes on and the bot claims nothing it cannot know.

Interest weights feed the answer ranking (``sentiment.ranking``'s ``w``):

    w(topic) = 1 + 0.5 · max(0, x_topic) / max_t max(0, x_t)      (1.0 … 1.5; 1.0 = neutral)

where ``x`` are the customer's accumulated interest weights (+1 per answered question on the
topic, +1 per clicked suggestion, +2 per thumbs-up, −1 per thumbs-down).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from profiles.records import Interaction
from profiles.store import ProfileStore
from shopdesk.clock import Clock
from shopdesk.errors import InvalidRequestError, NotFoundError, StoreUnavailableError

logger = logging.getLogger(__name__)
T = TypeVar("T")

CONSENT_VERSION = "v1"
CONSENT_TEXT = (
    "One quick question: may I remember what you ask about and how our chats go, so I can "
    "suggest help and products that suit you next time — on this website and on our other "
    "channels? Without it I only use this conversation. You can change your mind at any time, "
    "and ask us for a copy of your data or to delete it.")
# Rasa's input channel names → our identity channels
RASA_CHANNELS = {"socketio": "web", "rest": "rest", "slack": "slack", "telegram": "telegram",
                 "facebook": "messenger", "twilio": "whatsapp", "console": "console"}
INTEREST_STEPS = {"answered": 1.0, "clicked": 1.0, "up": 2.0, "down": -1.0}
# the Q&A topic each transactional flow is about (for "help after a bad experience")
INTENT_TOPICS = {"order_status": "orders", "track_shipment": "shipping", "cancel_order": "orders",
                 "return_request": "returns", "change_address": "shipping",
                 "payment_problem": "payments"}


# topics of the intents that are not a flow (for the agents' queue, the dashboard and CSAT)
OTHER_TOPICS = {"complaint": "complaints", "report_defect": "faulty items",
                "ask_question": "questions", "product_question": "products"}


def topic_of_intent(intent: str | None) -> str | None:
    """The topic a customer's message is about, by its intent; None for small talk, buttons…"""
    return INTENT_TOPICS.get(intent or "") or OTHER_TOPICS.get(intent or "")


def latest_topic(events: Any) -> str | None:
    """The topic of the customer's latest message that has one (Rasa tracker events)."""
    for event in reversed(list(events or [])):
        if isinstance(event, dict) and event.get("event") == "user":
            topic = topic_of_intent(((event.get("parse_data") or {}).get("intent") or {})
                                    .get("name"))
            if topic:
                return topic
    return None


def identity_channel(rasa_channel: str | None) -> str:
    return RASA_CHANNELS.get(rasa_channel or "", "rest")


@dataclass(frozen=True)
class Visitor:
    """Who is talking: the conversation id and the channel it came through."""
    sender: str
    channel: str

    @property
    def key(self) -> tuple[str, str]:
        return self.channel, self.sender[:256]


class ProfileService:
    def __init__(self, store: ProfileStore | None, clock: Clock | None = None,
                 personaliser: Any = None) -> None:
        """``clock`` (the product's one clock) is required whenever there is a store."""
        if store is not None and clock is None:
            raise ValueError("ProfileService needs the clock when it has a store")
        self.store = store
        self._clock = clock
        self.personaliser = personaliser
        self._signed_links: dict[tuple[Any, ...], None] = {}  # linked already (bounded)

    def _safe(self, what: str, call: Callable[[], T], default: T) -> T:
        if self.store is None:
            return default
        try:
            return call()
        except StoreUnavailableError as e:
            logger.error("profile store unavailable (%s): %s; going on without personalisation",
                         what, e)
        except (NotFoundError, InvalidRequestError) as e:
            logger.info("profile %s skipped: %s", what, e)
        except Exception:
            logger.exception("profile %s failed; going on without personalisation", what)
        return default

    def customer(self, who: Visitor) -> str | None:
        return self._safe("lookup", lambda: self.store.find(*who.key), None)  # type: ignore[union-attr]

    def consent(self, who: Visitor) -> bool | None:
        def read() -> bool | None:
            customer = self.store.find(*who.key)  # type: ignore[union-attr]
            return None if customer is None else self.store.consent(customer)  # type: ignore[union-attr]
        return self._safe("consent lookup", read, None)

    def record_consent(self, who: Visitor, granted: bool) -> bool:
        # a new choice (after an erasure, say) means the signed identity links afresh
        self._signed_links = {k: None for k in self._signed_links if k[0] != who.key}

        def write() -> bool:
            customer = self.store.resolve(*who.key)  # type: ignore[union-attr]
            self.store.set_consent(customer, "personalisation", granted, CONSENT_TEXT,  # type: ignore[union-attr]
                                   CONSENT_VERSION, who.channel)
            return True
        return self._safe("consent", write, False)

    def _consenting(self, who: Visitor) -> str | None:
        customer = self.store.find(*who.key)  # type: ignore[union-attr]
        if customer is None or not self.store.consent(customer):  # type: ignore[union-attr]
            return None
        return customer

    def observe(self, who: Visitor, text: str, intent: str | None, sentiment: float | None,
                mood: float | None, action: str | None = None, item: str | None = None,
                feedback: str | None = None, resolved: bool | None = None) -> None:
        """Log one turn (and the mood) for a consenting customer; nothing otherwise."""
        def write() -> None:
            customer = self._consenting(who)
            if customer is None:
                return
            self.store.log_interaction(customer, Interaction(  # type: ignore[union-attr]
                who.sender, who.channel, self._clock(), intent, sentiment, action, item, feedback,
                resolved, text))
            if mood is not None and sentiment is not None:
                self.store.record_mood(customer, who.sender, mood, sentiment)  # type: ignore[union-attr]
        self._safe("turn log", write, None)

    def note_interest(self, who: Visitor, topic: str, event: str) -> None:
        def write() -> None:
            customer = self._consenting(who)
            if customer is not None:
                self.store.add_interest(customer, topic, INTEREST_STEPS[event])  # type: ignore[union-attr]
        self._safe("interest", write, None)

    def interest_weights(self, who: Visitor) -> dict[str, float]:
        """``w`` per topic for the answer ranking; empty (all neutral) without consent."""
        def read() -> dict[str, float]:
            customer = self._consenting(who)
            if customer is None:
                return {}
            raw = {t: max(0.0, x) for t, x in self.store.interests(customer).items()}  # type: ignore[union-attr]
            top = max(raw.values(), default=0.0)
            return {t: 1.0 + 0.5 * x / top for t, x in raw.items()} if top > 0 else {}
        return self._safe("interests", read, {})

    def history(self, who: Visitor) -> tuple[str | None, dict[str, float], list[Any]]:
        """(customer, item → summed feedback, interactions) of a consenting customer."""
        def read() -> tuple[str | None, dict[str, float], list[Any]]:
            customer = self._consenting(who)
            if customer is None:
                return None, {}, []
            items: dict[str, float] = {}
            turns = self.store.interactions(customer)  # type: ignore[union-attr]
            for turn in turns:
                if turn.item:
                    items[turn.item] = items.get(turn.item, 0.0) + {
                        "up": 2.0, "clicked": 1.0, "down": -1.0}.get(turn.feedback or "", 0.5)
            return customer, items, turns
        return self._safe("history", read, (None, {}, []))

    def link_verified(self, who: Visitor, channel: str, value: str) -> str | None:
        """The customer proved ``value`` (e.g. e-mail + order number): link, merging profiles."""
        def write() -> str | None:
            customer = self._consenting(who)
            if customer is None:
                return None
            return self.store.link(customer, channel, value, verified=True)  # type: ignore[union-attr]
        return self._safe("identity link", write, None)

    def link_signed(self, who: Visitor, user_id: str, email: str = "") -> None:
        """Link the account id (and e-mail) the company's website signed for; once per
        conversation and identity, not on every message (with consent only, as any link)."""
        key = (who.key, user_id, email)
        if key in self._signed_links:
            return
        if self.link_verified(who, "site", user_id) and (
                not email or self.link_verified(who, "email", email)):
            self._signed_links[key] = None
            while len(self._signed_links) > 10_000:
                self._signed_links.pop(next(iter(self._signed_links)))

    def purge(self, days: int) -> int:
        return self._safe("retention purge", lambda: self.store.purge_before(  # type: ignore[union-attr]
            self._clock() - timedelta(days=days)), 0)  # type: ignore[misc]

    def suggestions(self, who: Visitor, mood: float, k: int = 3, exclude: tuple[str, ...] = (),
                    bad_topics: tuple[str, ...] = (), returning_only: bool = False) -> list[Any]:
        """At most ``k`` suggestions for a consenting customer (none otherwise); with
        ``returning_only``, only if they talked to us before in another conversation."""
        if self.personaliser is None:
            return []

        def read() -> list[Any]:
            customer, items, turns = self.history(who)
            if customer is None:
                return []
            if returning_only and not any(t.conversation != who.sender for t in turns):
                return []
            interests = self.store.interests(customer)  # type: ignore[union-attr]
            return self.personaliser.suggest(items, interests, mood, k, exclude,
                                             bad_topics + self.unhappy_topics(turns))
        return self._safe("suggestions", read, [])

    def unhappy_topics(self, turns: list[Any], recent: int = 10) -> tuple[str, ...]:
        """Topics of the customer's recent bad experiences: the flow a strongly negative turn
        was about, or the article answered right after it in the same conversation."""
        by_id = getattr(self.personaliser, "by_id", {})
        window = turns[-recent:]
        topics: set[str] = set()
        for i, turn in enumerate(window):
            if (turn.sentiment or 0.0) >= -0.5:
                continue
            if turn.intent in INTENT_TOPICS:
                topics.add(INTENT_TOPICS[turn.intent])
            for later in window[i:i + 3]:
                if later.conversation == turn.conversation and later.item in by_id:
                    topics.add(by_id[later.item].topic)
                    break
        return tuple(sorted(topics))

