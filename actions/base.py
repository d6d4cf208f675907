"""The base every action shares: lazy services and the never-crash rule."""

from __future__ import annotations

import abc
import asyncio
import functools
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.follow_up import answer_follow_up
from actions.wording import next_steps, status_text, tracking_text
from commerce.records import OrderStatus
from profiles.service import Visitor, identity_channel
from sentiment.mood import Tone
from sentiment.tone import HUMAN_BUTTON, shape
from shopdesk.composition import Services, build_services
from shopdesk.errors import PlatformLimitError, StoreUnavailableError
from shopdesk.redact import redact
from shopdesk.settings import Settings

logger = logging.getLogger(__name__)

TROUBLE = (
    "Sorry — I'm having trouble reaching our order system right now, so I can't do that this "
    "minute. Please try again shortly, or ask for a person and our team will help."
)
# the slots of the flows that change an order: cleared when the change goes to the team instead
_CHANGE_SLOTS = ("confirm_cancel", "new_address", "confirm_address", "return_item",
                 "return_reason", "fault_description")
UNEXPECTED = (
    "Sorry, something went wrong on my side while handling that. Please try again, or ask for "
    "a person and our support team will take it from here."
)


@functools.lru_cache(maxsize=1)
def get_services() -> Services:
    """The process-wide services, built on first use (never at import time)."""
    return build_services(Settings.from_env())


class UsesServices:
    """Services passed in (tests) or built lazily on first use (the action server).

    The SDK instantiates every action with no arguments, so nothing heavy may happen
    in ``__init__``.
    """

    _services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            self._services = get_services()
        return self._services


class ServiceAction(UsesServices, Action, abc.ABC):
    """An action with injected services whose failures become a polite reply.

    Subclasses implement :meth:`act` (synchronous; it runs in a worker thread so
    database calls don't block the action server's event loop). Actions that give the
    customer a final answer set ``toned = True``: their first message is then worded for the
    conversation's tone (an acknowledgement and an offer of a person when the customer is
    upset, a friendlier close when they are happy).
    """

    toned = False
    # actions that complete a flow: afterwards, a further question in the message that started
    # the flow is answered too (actions.follow_up)
    answers_follow_up = False

    def __init__(self, services: Services | None = None) -> None:
        self._services = services

    @abc.abstractmethod
    def name(self) -> str: ...

    @abc.abstractmethod
    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        try:
            if self.answers_follow_up and tracker.get_slot("flow_refused"):
                return await asyncio.to_thread(self._refused, dispatcher, tracker)
            events = await asyncio.to_thread(self.act, dispatcher, tracker, domain)
            if self.toned:
                apply_tone(dispatcher, tracker)
            if self.answers_follow_up:
                await asyncio.to_thread(self._follow_up, dispatcher, tracker)
            await asyncio.to_thread(self._log_turn, tracker, True)
            return events
        except PlatformLimitError as e:
            try:
                return await asyncio.to_thread(self._refer_to_team, dispatcher, tracker, e)
            except Exception:
                logger.exception("%s: could not open a ticket for the team", self.name())
                dispatcher.utter_message(text=UNEXPECTED)
        except StoreUnavailableError as e:
            logger.error("%s: store unavailable: %s", self.name(), e)
            dispatcher.utter_message(text=TROUBLE)
        except Exception:
            logger.exception("%s failed", self.name())
            dispatcher.utter_message(text=UNEXPECTED)
        await asyncio.to_thread(self._log_turn, tracker, False)
        return []

    logs_itself = False  # actions that write their own, richer interaction rows

    def _refer_to_team(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                       limit: PlatformLimitError) -> list[EventType]:
        """The store's platform can't make this change through its API: a ticket asks our team
        to make it, and the customer hears so plainly (nothing was changed yet)."""
        order = tracker.get_slot("order_number")
        summary = "\n".join(([f"Order: {order}"] if order else [])
                            + [f"Please do this in the store's system: {redact(str(limit))}",
                               "(the customer's own words are in the conversation)"])
        ticket = self.services.store.record_handoff(tracker.sender_id, "platform_limit", summary)
        logger.info("%s: the store's platform can't do this; ticket %s for the team",
                    self.name(), ticket.ticket)
        dispatcher.utter_message(
            text="I can't make that change myself — our store system only lets our team do it. "
            f"I've passed it to them with everything you've told me (ticket {ticket.ticket}); "
            "nothing has been changed yet, and they'll confirm by e-mail once it's done.")
        return [*(SlotSet(s, None) for s in _CHANGE_SLOTS), SlotSet("handoff_ticket",
                                                                     ticket.ticket)]


    def _refused(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """The flow's validation found it can't go ahead for this order (and said why): show
        where the order stands and what can be done with it instead."""
        store = self.services.store
        order = store.find_order(tracker.get_slot("order_number"))
        if order is None:
            dispatcher.utter_message(text="What would you like to do instead?")
        else:
            shipped = order.status is OrderStatus.SHIPPED
            where = (tracking_text(order, store.today()) if shipped
                     else status_text(order, store.today()))
            steps = [s for s in next_steps(order, store)
                     if not (shipped and s["payload"] == "/track_shipment")]  # shown already
            dispatcher.utter_message(
                text=f"Here's where it stands: {where}" + (" What would you like to do?" if steps
                                                           else ""), buttons=steps)
        return [SlotSet("flow_refused", None)]

    def _follow_up(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        try:
            answer_follow_up(dispatcher, tracker, self.services.qa)
        except Exception:  # the flow's own reply stands even if the extra answer fails
            logger.exception("%s: could not answer the follow-up question", self.name())

    def _log_turn(self, tracker: Tracker, resolved: bool) -> None:
        """With consent: which action answered this turn and whether it went through."""
        if self.logs_itself:
            return
        try:
            who = visitor(tracker)
            intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
            self.services.profiles.observe(who, "", intent, None, None, action=self.name(),
                                           resolved=resolved)
        except Exception:  # the log must never cost the customer their reply
            logger.exception("%s: could not log the turn", self.name())


def latest_text(tracker: Tracker) -> str:
    return str((tracker.latest_message or {}).get("text") or "")


def last_bot_text(tracker: Tracker) -> str:
    """What the bot said last in this conversation ("" if nothing yet)."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "bot" and event.get("text"):
            return str(event["text"])
    return ""


def failed_attempts(tracker: Tracker) -> int:
    value = tracker.get_slot("failed_attempts")
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def bump_failures(tracker: Tracker) -> tuple[int, SlotSet]:
    count = failed_attempts(tracker) + 1
    return count, SlotSet("failed_attempts", float(count))


HANDOFF_BUTTON = HUMAN_BUTTON


def tone_of(tracker: Tracker) -> tuple[Tone, list[str], str]:
    """The conversation's tone, this turn's frustration signals and a key to vary wording."""
    raw = tracker.get_slot("tone")
    tone = Tone(raw) if raw in {t.value for t in Tone} else Tone.NEUTRAL
    record = tracker.get_slot("sentiment")
    signals = list(record.get("signals") or []) if isinstance(record, dict) else []
    turn = record.get("turn", 0) if isinstance(record, dict) else 0
    return tone, [str(s) for s in signals], f"{tracker.sender_id}:{turn}"


def apply_tone(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    tone, signals, key = tone_of(tracker)
    if tone is Tone.NEUTRAL or not dispatcher.messages:
        return
    first = dispatcher.messages[0]
    if not first.get("text"):
        return
    reply = shape(first["text"], tone, signals, key, buttons=first.get("buttons") or [],
                  shorten=False)
    first["text"] = reply.text
    first["buttons"] = reply.buttons


def visitor(tracker: Tracker) -> Visitor:
    """Who is talking: the conversation id and the identity channel it came through."""
    return Visitor(tracker.sender_id, identity_channel(tracker.get_latest_input_channel()))


def mood_of(tracker: Tracker) -> float:
    try:
        return max(-1.0, min(1.0, float(tracker.get_slot("mood") or 0.0)))
    except (TypeError, ValueError):
        return 0.0
