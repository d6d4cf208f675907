"""CSAT when a conversation goes quiet: the web app's sweep asks for the rating.

Every few seconds (at most every 30 s) the sweep reads, from Rasa's tracker store, the
conversations whose last event is older than ``SHOPDESK_CSAT_IDLE_MINUTES`` (but not older than
that plus :data:`LATE`: a customer who left hours ago is not asked out of the blue, say after
the web app was down), reads each one's tracker through Rasa's API and asks — by triggering
``IDLE_INTENT`` through Rasa's ``trigger_intent`` (a rule runs ``action_ask_rating``, which
checks again) — only when :func:`why_not` finds no reason against it:

* never twice: the question (any way asked) is in the tracker, the one record — so a restart,
  a second web app or a sweep that races another never asks again;
* never after a rating, never while a person has taken the conversation over (paused), never
  while the customer waits for a person, never in the middle of a form;
* never for a conversation without a real exchange (a customer request the bot answered:
  a greeting or a consent button alone is not one).

The widget and the messaging platforms get the question pushed; a REST client gets it with its
next request (``bot/channels.py``, ``unread_from_people``). Time comes from the injected clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from commerce.service import StoreService
from console.rasa_client import RasaClient
from shopdesk.clock import Clock
from shopdesk.csat import EXTERNAL_PREFIX, IDLE_INTENT, was_asked
from shopdesk.rasa_events import rasa_events
from shopdesk.settings import Settings

logger = logging.getLogger(__name__)

LATE = timedelta(hours=1)  # quiet for longer than the idle time plus this: not asked any more
# what is not yet a real exchange: greetings, consent and yes/no buttons, goodbyes, ratings
SMALL_TALK = {"greet", "goodbye", "thank_you", "affirm", "deny", "stop", "consent_grant",
              "consent_deny", "rate_service", "non_english"}
Quiet = Callable[[datetime, datetime], list[tuple[str, float]]]


def _intent(event: dict[str, Any]) -> str:
    return str(((event.get("parse_data") or {}).get("intent") or {}).get("name") or "")


def _paused(tracker: dict[str, Any], events: list[dict[str, Any]]) -> bool:
    if tracker.get("paused"):
        return True
    last = next((e.get("event") for e in reversed(events) if e.get("event") in {"pause", "resume"}),
                None)
    return last == "pause"


def real_exchange(events: list[dict[str, Any]]) -> bool:
    """A customer request (typed, or a button that asks for something) the bot answered."""
    asked = False
    for event in events:
        kind = event.get("event")
        if kind == "user":
            triggered = str(event.get("text") or "").startswith(EXTERNAL_PREFIX)
            if not triggered and _intent(event) and _intent(event) not in SMALL_TALK:
                asked = True
        elif kind == "bot" and asked:
            return True
    return False


def why_not(tracker: dict[str, Any], now: datetime, idle: timedelta,
            rated: Callable[[], bool] = lambda: False,
            waiting: Callable[[], bool] = lambda: False) -> str | None:
    """Why this conversation is not to be asked for its rating now; None: ask it.

    ``rated`` and ``waiting`` (the store's answers) are only asked when the tracker alone
    finds no reason."""
    events = [e for e in tracker.get("events") or [] if isinstance(e, dict)]
    stamps = [float(e["timestamp"]) for e in events if isinstance(e.get("timestamp"), int | float)]
    if not stamps:
        return "no conversation"
    quiet = now - datetime.fromtimestamp(max(stamps), UTC)
    if quiet < idle:
        return "not quiet long enough"
    if quiet > idle + LATE:
        return "quiet for too long"
    if _paused(tracker, events):
        return "a person has taken it over"
    if ((tracker.get("active_loop") or {}).get("name")):
        return "in the middle of a form"
    if was_asked(events):
        return "asked already"
    if not real_exchange(events):
        return "no real exchange"
    if rated():
        return "rated already"
    if waiting():
        return "waiting for a person"
    return None


def quiet_conversations(tracker_db: Path) -> Quiet:
    """Reads (conversation, last event's timestamp) of those whose last event lies between two
    moments from Rasa's SQL tracker store (the SQLite file the launcher configures)."""

    def read(since: datetime, until: datetime) -> list[tuple[str, float]]:
        with rasa_events(tracker_db) as found:
            if found is None:
                return []
            engine, events = found
            last = func.max(events.c.timestamp)
            query = (select(events.c.sender_id, last)
                     .where(events.c.timestamp >= since.timestamp())
                     .group_by(events.c.sender_id)
                     .having(last <= until.timestamp()))
            with engine.connect() as conn:
                return [(str(sender), float(at)) for sender, at in conn.execute(query)]

    return read


class IdleCsat:
    """The sweep (one per web app process; several processes are safe: see the module)."""

    def __init__(self, settings: Settings, clock: Clock, rasa: RasaClient,
                 store: Callable[[], StoreService], quiet: Quiet | None = None) -> None:
        self.idle = timedelta(minutes=settings.csat_idle_minutes)
        self._clock = clock
        self._rasa = rasa
        self._store = store
        self._quiet = quiet or quiet_conversations(settings.rasa_tracker_db)
        # conversation -> the last event's timestamp it was judged at (not to ask): read again
        # only when something new happened in it
        self._judged: dict[str, float] = {}

    @property
    def every(self) -> float:
        """Seconds between sweeps: a third of the idle time, at least 1 s, at most 30 s."""
        return max(1.0, min(30.0, self.idle.total_seconds() / 3))

    def sweep(self) -> list[str]:
        """Ask every conversation that qualifies now; the conversations asked."""
        now = self._clock()
        asked: list[str] = []
        for sender, last in self._quiet(now - self.idle - LATE, now - self.idle):
            if self._judged.get(sender) == last:
                continue
            tracker = self._rasa.tracker(sender)
            if tracker is None:
                continue  # Rasa is not answering: try again on the next sweep
            store = self._store()
            reason = why_not(tracker, now, self.idle,
                             rated=lambda s=sender, st=store: st.rated(s),
                             waiting=lambda s=sender, st=store: st.open_handoff(s) is not None)
            if reason is not None:
                self._judged[sender] = last
            elif self._rasa.trigger(sender, IDLE_INTENT):
                logger.info("conversation %s went quiet: asked for its rating", sender[:8])
                asked.append(sender)
        oldest = (now - self.idle - LATE).timestamp()
        self._judged = {s: t for s, t in self._judged.items() if t >= oldest}
        return asked

    async def run(self) -> None:
        """Sweep for ever (the web app's background task; cancelled when it stops)."""
        while True:
            try:
                await asyncio.to_thread(self.sweep)
            except Exception:  # the next sweep tries again; the web app goes on
                logger.exception("the idle CSAT sweep failed")
            await asyncio.sleep(self.every)
