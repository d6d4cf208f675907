"""Erasure as the agent console sees it: an erased customer's ticket leaves no claim behind (its
measured wait, which holds no customer data, stays), and agent assist stops suggesting what an
agent answered them — also when it was not the newest answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from commerce.service import StoreService
from commerce.sql_repository import SqlStoreRepository
from console.assist import Assistant
from console.staff_sql import SqlStaffStore
from profiles.privacy import delete_support_records
from retrieval.knowledge_store import AgentAnswer, SqlKnowledgeStore
from shopdesk.clock import FixedClock
from shopdesk.database import make_engine
from shopdesk.settings import Settings

NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)


def test_erasure_removes_the_claim_on_their_ticket_and_keeps_its_anonymous_wait(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shopdesk.db'}"
    engine = make_engine(url)
    repo, staff = SqlStoreRepository(engine), SqlStaffStore(engine)
    repo.create_schema()
    staff.create_schema()
    store = StoreService(repo, FixedClock(NOW))
    gone = store.record_handoff("conv-gone", "asked", "wants a person").ticket
    kept = store.record_handoff("conv-kept", "asked", "wants a person").ticket
    for ticket in (gone, kept):
        staff.claim(ticket, "agent-1", NOW)
        store.handoff_claimed(ticket)

    assert delete_support_records(url, ["conv-gone"]) == 2  # the claim and the ticket
    assert set(staff.claims()) == {kept}
    assert [t.ticket for t in store.waiting_handoffs()] == [kept]
    assert len(store.handoff_waits(NOW - timedelta(days=1))) == 2  # times only, no customer
    assert delete_support_records(url, ["nobody"]) == 0
    engine.dispose()


def test_agent_assist_forgets_an_erased_customers_answer_that_was_not_the_newest(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shopdesk.db'}"
    engine = make_engine(url)
    knowledge = SqlKnowledgeStore(engine)
    knowledge.create_schema()
    assistant = Assistant(Settings.from_env(), knowledge=knowledge, check_every=0.0)
    said = ["do your shops have car parking for customers?"]
    knowledge.record_agent_answer(AgentAnswer(
        0, NOW, "do your shops have car parking for customers",
        "Most of our shops share a car park with the retail park next door.", "ann", "conv-gone"))
    knowledge.record_agent_answer(AgentAnswer(  # newer, another customer's
        0, NOW + timedelta(minutes=1), "is there any car parking at your shops",
        "Let me look into parking at your nearest shop for you right away.", "ann", "conv-kept"))
    answers = [s.answer for s in assistant.suggest(said, 0.0, k=5)]
    assert any("retail park" in a for a in answers) and any("right away" in a for a in answers)

    delete_support_records(url, ["conv-gone"])
    answers = [s.answer for s in assistant.suggest(said, 0.0, k=5)]
    assert not any("retail park" in a for a in answers)
    assert any("right away" in a for a in answers)
    engine.dispose()
