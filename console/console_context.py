"""What every agent-console API handler shares: the services (built on first use), the checks
on tickets and claims, and reading and writing conversations through Rasa."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from commerce.service import StoreService
from console.assist import Assistant
from console.auth import json_body
from console.conversation import summarise, transcript
from console.mailer import Mailer
from console.queue import queue_rows
from console.rasa_client import RasaClient
from console.staff_auth import SignedIn, StaffAuth
from console.staff_store import Role
from profiles.store import ProfileStore
from retrieval.knowledge_store import AgentAnswer, KnowledgeStore
from sentiment.alert_store import AlertStore, StoredAlert
from shopdesk.clock import Clock
from shopdesk.errors import ForbiddenError, InvalidRequestError, NotFoundError, StoreUnavailableError
from shopdesk.redact import redact
from shopdesk.settings import Settings

logger = logging.getLogger(__name__)
TICKET = re.compile(r"H\d{6}")


class ConsoleContext:
    def __init__(self, settings: Settings, clock: Clock, auth: Callable[[], StaffAuth],
                 store: Callable[[], StoreService],
                 alerts: Callable[[], AlertStore] | None = None,
                 profiles: Callable[[], ProfileStore] | None = None,
                 knowledge: Callable[[], KnowledgeStore] | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self._factories: dict[str, Callable[[], Any] | None] = {
            "auth": auth, "store": store, "alerts": alerts, "profiles": profiles,
            "knowledge": knowledge,
            "assistant": lambda: Assistant(settings, knowledge=self.knowledge)}
        self._made: dict[str, Any] = {}
        self.rasa = RasaClient(settings, clock)
        self.mailer = Mailer(settings)
        self._read_logged: set[tuple[str, str]] = set()  # (session, ticket) audited already
        self._queue_lock = threading.Lock()
        self._queue_snapshot: tuple[float, dict[str, Any] | None] = (0.0, None)

    def _get(self, name: str) -> Any:
        if name not in self._made:
            factory = self._factories[name]
            self._made[name] = factory() if factory is not None else None
        return self._made[name]

    @property
    def auth(self) -> StaffAuth:
        return self._get("auth")  # type: ignore[no-any-return]

    @property
    def store(self) -> StoreService:
        return self._get("store")  # type: ignore[no-any-return]

    @property
    def assistant(self) -> Assistant:
        return self._get("assistant")  # type: ignore[no-any-return]

    @property
    def knowledge(self) -> KnowledgeStore | None:
        return self._get("knowledge")  # type: ignore[no-any-return]

    def profiles(self) -> ProfileStore | None:
        return self._get("profiles") if self.settings.profiles else None

    def alert_list(self) -> list[StoredAlert]:
        alerts = self._get("alerts")
        return alerts.alerts(limit=20) if alerts is not None else []

    @staticmethod
    async def body_of(request: Request) -> dict[str, Any]:
        body = await json_body(request, empty={})
        if not isinstance(body, dict):
            raise InvalidRequestError("The body must be a JSON object.")
        return body

    # --- tickets and claims --------------------------------------------------------------

    def waiting_ticket(self, ticket: str) -> str:
        return self._waiting(ticket)[0]

    def _waiting(self, ticket: str) -> tuple[str, str]:
        """(ticket, conversation) of a ticket still waiting for a person."""
        if not TICKET.fullmatch(ticket):
            raise InvalidRequestError("not a ticket number")
        found = next((t for t in self.store.waiting_handoffs() if t.ticket == ticket), None)
        if found is None:
            raise NotFoundError(f"ticket {ticket} is not waiting")
        return ticket, found.sender_id

    def ticket_of(self, request: Request) -> str:
        return self.waiting_ticket(request.path_params["ticket"])

    def held(self, ticket: str, signed_in: SignedIn) -> tuple[str, str]:
        """(ticket, conversation) the caller may work on: their own claim, or a supervisor."""
        ticket, sender = self._waiting(ticket)
        claim = self.auth.store.claims().get(ticket)
        if claim is None or (claim.account_id != signed_in.account.id
                             and not signed_in.account.role.at_least(Role.SUPERVISOR)):
            raise ForbiddenError("Claim the conversation first.")
        return ticket, sender

    def held_ticket(self, request: Request, signed_in: SignedIn) -> tuple[str, str]:
        return self.held(request.path_params["ticket"], signed_in)

    # --- reading and writing ------------------------------------------------------------

    def queue_json(self, max_age: float = 0.0) -> dict[str, Any]:
        """The queue; with ``max_age``, a snapshot at most that many seconds old may be shared
        (every open console's live view asks each second: one read of Rasa's trackers serves
        them all)."""
        with self._queue_lock:
            taken, snapshot = self._queue_snapshot
            if max_age and snapshot is not None and time.monotonic() - taken <= max_age:
                return snapshot
            snapshot = self._read_queue()
            self._queue_snapshot = (time.monotonic(), snapshot)
            return snapshot

    def queue_changed(self) -> None:
        """A claim, release or handback: the next look at the queue reads it afresh."""
        with self._queue_lock:
            self._queue_snapshot = (0.0, None)

    def _read_queue(self) -> dict[str, Any]:
        staff = self.auth.store

        def username(account_id: str) -> str:
            account = staff.account(account_id)
            return account.username if account else "?"

        rows = queue_rows(self.store, staff, self.rasa.tracker, self.clock, username)
        return {"queue": [r.to_json() for r in rows]}

    def audit_read_once(self, signed_in: SignedIn, action: str, target: str) -> None:
        """A read goes into the audit log once per session (the live view re-reads often)."""
        key = (signed_in.session.token_hash, f"{action}:{target}")
        if key not in self._read_logged:
            self._read_logged.add(key)
            self.auth.audit(signed_in, action, target)

    def conversation_json(self, ticket: str, signed_in: SignedIn) -> dict[str, Any] | None:
        """The transcript and summary; None when Rasa cannot give the conversation."""
        ticket, sender = self.held(ticket, signed_in)
        tracker = self.rasa.tracker(sender)
        if tracker is None:
            return None
        self.audit_read_once(signed_in, "read_conversation", ticket)
        view = transcript(tracker)
        return {"ticket": ticket, **view, "summary": summarise(view)}

    def remember_answer(self, sender: str, signed_in: SignedIn, text: str) -> None:
        """What the agent replied to what the customer had just said (both redacted), for agent
        assist to suggest next time; a failure here never stops the message."""
        if self.knowledge is None:
            return
        try:
            tracker = self.rasa.tracker(sender) or {}
            said: list[str] = []
            own = True  # the newest agent message is the one just sent
            for event in reversed(tracker.get("events") or []):
                if event.get("event") == "bot" and (event.get("metadata") or {}).get("agent"):
                    if not own:
                        break  # only the customer's words since the agent's previous message
                    own = False
                    continue
                if event.get("event") == "user" and isinstance(event.get("text"), str) \
                        and not event["text"].startswith("/"):
                    said.insert(0, event["text"])
            if said:
                self.knowledge.record_agent_answer(AgentAnswer(
                    0, self.clock(), redact(" ".join(said[-3:]))[:2000], redact(text),
                    signed_in.account.username, sender))
        except StoreUnavailableError as e:
            logger.warning("agent answer not kept for suggestions (%s)", e)

    def say(self, sender: str, signed_in: SignedIn, text: str, *before: dict[str, Any]) -> None:
        """The agent's words to the customer, on the customer's channel (after ``before``)."""
        events = [*before, {"event": "bot", "text": text,
                            "metadata": {"agent": signed_in.account.name}}]
        if not self.rasa.append(sender, events):
            raise StoreUnavailableError("Rasa did not take the message")
