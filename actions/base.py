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

from shopdesk.composition import Services, build_services
from shopdesk.errors import StoreUnavailableError
from shopdesk.settings import Settings

logger = logging.getLogger(__name__)

TROUBLE = (
    "Sorry — I'm having trouble reaching our order system right now, so I can't do that this "
    "minute. Please try again shortly, or ask for a person and our team will help."
)
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
    database calls don't block the action server's event loop).
    """

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
            return await asyncio.to_thread(self.act, dispatcher, tracker, domain)
        except StoreUnavailableError as e:
            logger.error("%s: store unavailable: %s", self.name(), e)
            dispatcher.utter_message(text=TROUBLE)
        except Exception:
            logger.exception("%s failed", self.name())
            dispatcher.utter_message(text=UNEXPECTED)
        return []


def failed_attempts(tracker: Tracker) -> int:
    value = tracker.get_slot("failed_attempts")
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def bump_failures(tracker: Tracker) -> tuple[int, SlotSet]:
    count = failed_attempts(tracker) + 1
    return count, SlotSet("failed_attempts", float(count))


HANDOFF_BUTTON = {"title": "Talk to a person", "payload": "/human_handoff"}
