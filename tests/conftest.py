"""Shared fixtures: in-memory services on the demo store's data, with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
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
from shopdesk.composition import Services
from shopdesk.settings import PROJECT_ROOT, Settings

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
FAQ = PROJECT_ROOT / "training_data/qa/faq.csv"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({"SHOPDESK_DATA_DIR": str(tmp_path),
                              "SHOPDESK_ACTION_SECRET": "test-secret-value"})


@pytest.fixture
def repository() -> InMemoryStoreRepository:
    return InMemoryStoreRepository(CATALOGUE, demo_orders(NOW))


@pytest.fixture
def services(settings: Settings, repository: InMemoryStoreRepository) -> Services:
    return Services(
        settings=settings,
        store=StoreService(repository, clock=lambda: NOW),
        qa=QuestionAnswerer(KeywordRetriever(load_corpus(FAQ))),
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
) -> Tracker:
    """A real rasa-sdk Tracker as the action server receives it."""
    all_slots = {"order_number": None, "email": None, "product": None, "failed_attempts": 0.0,
                 "handoff_ticket": None, "return_item": None, "return_reason": None,
                 "new_address": None, "confirm_cancel": None, "requested_slot": requested_slot}
    all_slots.update(slots or {})
    all_slots.update(candidates or {})
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9},
              "entities": entities or []}
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
