"""Shared fixtures: in-memory services on the demo store's data, with a fixed clock.

Unit tests never read the wall clock: every service gets ``clock`` (a :class:`FixedClock`
at ``NOW``), so they give the same answers on any date. ``--clock-shift-days`` and
``--clock-at`` move the wall clock itself for the whole run (time-machine) to prove it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker

from commerce.catalogue import CATALOGUE
from commerce.memory_repository import InMemoryStoreRepository
from commerce.seed import demo_orders
from commerce.service import StoreService
from retrieval.answering import QuestionAnswerer
from retrieval.corpus import load_corpus
from retrieval.keyword_retriever import KeywordRetriever
from shopdesk.clock import FixedClock, system_clock
from shopdesk.composition import Services
from shopdesk.settings import PROJECT_ROOT, Settings

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
FAQ = PROJECT_ROOT / "training_data/qa/faq.csv"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("clock", "move the wall clock for the whole run (time-machine)")
    group.addoption("--clock-shift-days", type=int, default=None, metavar="N",
                    help="run with the wall clock moved N days (negative: back)")
    group.addoption("--clock-at", default=None, metavar="ISO",
                    help="run with the wall clock set to this date/time, e.g. 2028-02-29T12:00")


def moved_clock_target(shift_days: int | None, at: str | None) -> datetime | None:
    """Where ``--clock-shift-days`` / ``--clock-at`` put the wall clock (None: not moved)."""
    if at:
        try:
            target = datetime.fromisoformat(at)
        except ValueError:
            raise pytest.UsageError(f"--clock-at needs an ISO date/time, got {at!r}") from None
        return target if target.tzinfo else target.replace(tzinfo=UTC)
    if shift_days:
        return system_clock() + timedelta(days=shift_days)
    return None


def pytest_configure(config: pytest.Config) -> None:
    target = moved_clock_target(config.getoption("clock_shift_days", None),
                                config.getoption("clock_at", None))
    if target is None:
        return
    import time_machine

    traveller = time_machine.travel(target, tick=True)
    traveller.start()
    config.stash[_TRAVELLER] = traveller


def pytest_report_header(config: pytest.Config) -> str | None:
    if _TRAVELLER in config.stash:
        return f"wall clock moved to {system_clock():%Y-%m-%d %H:%M} UTC (time-machine)"
    return None


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_TRAVELLER, None)
    if traveller is not None:
        traveller.stop()


_TRAVELLER = pytest.StashKey[object]()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({"SHOPDESK_DATA_DIR": str(tmp_path),
                              "SHOPDESK_ACTION_SECRET": "test-secret-value"})


@pytest.fixture
def repository() -> InMemoryStoreRepository:
    return InMemoryStoreRepository(CATALOGUE, demo_orders(NOW))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def services(settings: Settings, repository: InMemoryStoreRepository, clock: FixedClock) -> Services:
    return Services(
        settings=settings,
        store=StoreService(repository, clock),
        qa=QuestionAnswerer(KeywordRetriever(load_corpus(FAQ))),
        clock=clock,
    )


def make_tracker(
    text: str = "",
    intent: str = "",
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    requested_slot: str | None = None,
    events: list[dict[str, Any]] | None = None,
    sender_id: str = "test-user",
    candidates: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    """A real rasa-sdk Tracker as the action server receives it."""
    all_slots = {"order_number": None, "email": None, "product": None, "failed_attempts": 0.0,
                 "handoff_ticket": None, "return_item": None, "return_reason": None,
                 "new_address": None, "confirm_cancel": None, "requested_slot": requested_slot}
    all_slots.update(slots or {})
    all_slots.update(candidates or {})
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9},
              "entities": entities or [], "metadata": metadata or {}}
    user_event = {"event": "user", "text": text, "parse_data": latest}
    return Tracker(
        sender_id=sender_id,
        slots=all_slots,
        latest_message=latest,
        # slot candidates come last, as Rasa's FormAction sends them for validation
        events=[*(events or []), user_event,
                *({"event": "slot", "name": k, "value": v} for k, v in (candidates or {}).items())],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )
