"""The knowledge the team adds between index builds: one contract for every KnowledgeStore
(in memory, SQLite, a real PostgreSQL), grouping unanswered questions, and published articles
laid over the built index without a restart."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from retrieval.embedders import HashEmbedder
from retrieval.gap_groups import group_gaps
from retrieval.index_store import build_index, load_retriever
from retrieval.knowledge_store import (
    AgentAnswer,
    Article,
    InMemoryKnowledgeStore,
    KnowledgeBase,
    KnowledgeGap,
    KnowledgeStore,
    SqlKnowledgeStore,
    check_article,
)
from retrieval.live import LiveRetriever
from retrieval.preprocess import SimplePreprocessor
from shopdesk.clock import FixedClock
from shopdesk.database import make_engine
from shopdesk.errors import InvalidRequestError, StoreUnavailableError
from tests.postgres import postgres_server

NOW = datetime(2031, 6, 1, 9, 0, tzinfo=UTC)
EMBED = HashEmbedder()


def gap(question: str, minutes: int = 0, mood: float = 0.0, sender: str = "s1",
        vector: bool = True) -> KnowledgeGap:
    raw = EMBED.encode_query(question).astype(np.float16).tobytes() if vector else b""
    return KnowledgeGap(0, NOW + timedelta(minutes=minutes), question, "no_answer", 0.1, "",
                        mood, "socketio", sender, raw)


def article(id_: str, question: str = "Do you gift wrap orders?",
            answer: str = "Yes: tick 'gift wrap' at checkout, it costs £3.") -> Article:
    return Article(id_, question, answer, "orders", "sam", NOW)


class KnowledgeStoreContract:
    def test_gaps_round_trip_newest_first_and_resolve(self, store: KnowledgeStore) -> None:
        first = store.record_gap(gap("do you gift wrap", 0, -0.6))
        second = store.record_gap(gap("gift wrapping possible?", 5, sender="s2"))
        assert first.id != second.id
        got = store.gaps()
        assert [g.question for g in got] == ["gift wrapping possible?", "do you gift wrap"]
        assert got[1].mood == pytest.approx(-0.6) and got[1].vector == first.vector
        assert got[1].asked_at == NOW and got[0].channel == "socketio"
        assert store.resolve_gaps([first.id], "kb-1", NOW) == 1
        assert store.resolve_gaps([first.id], "kb-2", NOW) == 0  # already answered
        assert [g.id for g in store.gaps()] == [second.id]
        resolved = [g for g in store.gaps(open_only=False) if g.id == first.id][0]
        assert resolved.resolved_by == "kb-1" and resolved.resolved_at == NOW
        assert store.resolve_gaps([], "", NOW) == 0

    def test_publishing_changes_the_version_and_replaces_by_id(self, store: KnowledgeStore) -> None:
        empty = store.version()
        one = store.publish(article("kb-1"))
        assert one.revision > 0 and store.version() != empty
        before = store.version()
        two = store.publish(replace(article("kb-1"), answer="Yes, for £2 at checkout."))
        assert two.revision > one.revision and store.version() != before
        assert [a.answer for a in store.articles()] == ["Yes, for £2 at checkout."]
        store.publish(article("qa-0007", "How long do refunds take?", "Five working days."))
        assert [a.id for a in store.articles()] == ["kb-1", "qa-0007"]

    def test_retiring_hides_an_article_and_changes_the_version(self, store: KnowledgeStore) -> None:
        store.publish(article("kb-1"))
        before = store.version()
        retired = store.retire("kb-1", NOW + timedelta(hours=1))
        assert retired.retired and store.version() != before
        assert store.articles() == [] and [a.id for a in store.articles(True)] == ["kb-1"]
        with pytest.raises(InvalidRequestError):
            store.retire("nope", NOW)
        assert not store.publish(article("kb-1")).retired  # published again: live again

    def test_agent_answers_newest_first(self, store: KnowledgeStore) -> None:
        store.record_agent_answer(AgentAnswer(0, NOW, "my tent pole snapped", "I'll send a new "
                                              "pole today.", "ann", "s1"))
        store.record_agent_answer(AgentAnswer(0, NOW + timedelta(minutes=1), "gift wrap?",
                                              "Yes, at checkout.", "bob", "s2"))
        assert [a.staff for a in store.agent_answers()] == ["bob", "ann"]
        assert store.agent_answers(limit=1)[0].answer == "Yes, at checkout."


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["memory", "sqlite",
                        pytest.param("postgresql", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KnowledgeStore]:
    if request.param == "memory":
        yield InMemoryKnowledgeStore()
        return
    url = f"sqlite:///{tmp_path / 'knowledge.db'}" if request.param == "sqlite" else \
        request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    KnowledgeBase.metadata.drop_all(engine)
    sql = SqlKnowledgeStore(engine)
    sql.create_schema()
    yield sql
    engine.dispose()


class TestKnowledgeStore(KnowledgeStoreContract):
    pass


def test_an_unreachable_database_is_a_store_error() -> None:
    store = SqlKnowledgeStore(make_engine("sqlite:////nonexistent-dir/x/k.db"))
    with pytest.raises(StoreUnavailableError):
        store.version()


@pytest.mark.parametrize(("question", "answer", "problem"), [
    ("hi", "A long enough answer.", "question"),
    ("Do you gift wrap?", "short", "answer"),
    ("Do you gift wrap?", "x" * 5000, "answer"),
])
def test_articles_are_checked(question: str, answer: str, problem: str) -> None:
    with pytest.raises(InvalidRequestError, match=problem):
        check_article(question, answer, "")
    assert check_article("  Do   you gift wrap? ", " Yes, it costs £3. \x00", " orders ") == (
        "Do you gift wrap?", "Yes, it costs £3.", "orders")


def test_unanswered_questions_group_by_meaning_most_asked_first() -> None:
    gaps = [replace(g, id=i + 1) for i, g in enumerate([
        gap("do you gift wrap orders", 0, -0.5, "a"),
        gap("can you gift wrap my orders", 1, 0.0, "b"),
        gap("gift wrap orders please", 2, -0.7, "c"),
        gap("is the shop open on sunday", 3, 0.2, "d"),
        gap("shop open sunday", 4, 0.0, "d", vector=False),
    ])]
    groups = group_gaps(gaps, threshold=0.5)
    assert [g.customers for g in groups] == [3, 1]
    wrap = groups[0].to_json()
    assert wrap["count"] == 3 and wrap["upset"] == 2 and wrap["mood"] == pytest.approx(-0.4)
    assert wrap["question"] == "gift wrap orders please"  # the latest asked leads
    assert sorted(wrap["gap_ids"]) == [1, 2, 3]
    assert groups[1].to_json()["count"] == 2  # no vector: grouped by shared words


CORPUS = """id,question,answer,category,tags,product,source,date
a1,How long do refunds take?,Refunds take up to 10 working days.,returns,,,faq,2024-01-01
a2,Do you ship to Ireland?,Yes we deliver to Ireland in 3-6 days.,shipping,,,faq,2024-01-01
a5,How do I wash a down jacket?,Gentle cycle at 30 degrees with down wash.,care,,,faq,2024-01-01
"""


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_published_articles_answer_without_a_restart(tmp_path: Path) -> None:
    (tmp_path / "qa.csv").write_text(CORPUS)
    build_index([tmp_path / "qa.csv"], tmp_path / "index", SimplePreprocessor(), EMBED,
                FixedClock(NOW), progress=False)
    base = load_retriever(tmp_path / "index", SimplePreprocessor(), EMBED)
    store, ticks = InMemoryKnowledgeStore(), Ticks()
    live = LiveRetriever(base, store, check_every=2.0, monotonic=ticks)
    assert live.search("do you gift wrap orders")[0].pair.id != "kb-1"
    store.publish(article("kb-1"))
    store.publish(article("a1", "How long do refunds take?", "Refunds now take 5 working days."))
    assert live.search("gift wrap")[0].pair.id != "kb-1"  # checked again only every 2 s
    ticks.now = 2.5
    hits = live.search("do you gift wrap orders")
    assert hits[0].pair.id == "kb-1" and hits[0].pair.source == "console"
    refunds = live.search("how long do refunds take")[0].pair
    assert refunds.id == "a1" and refunds.answer == "Refunds now take 5 working days."
    assert len(live.refresh().pairs) == 4 and len(live.pairs) == 3  # the base stays as built
    assert live.pair("kb-1") is not None and live.pair("a2") is not None
    store.retire("a1", NOW)
    ticks.now = 5.0
    assert live.search("how long do refunds take")[0].pair.answer.startswith("Refunds take up")


def test_the_last_good_merge_answers_while_the_store_is_down(tmp_path: Path) -> None:
    (tmp_path / "qa.csv").write_text(CORPUS)
    build_index([tmp_path / "qa.csv"], tmp_path / "index", SimplePreprocessor(), EMBED,
                FixedClock(NOW), progress=False)
    store = InMemoryKnowledgeStore()
    store.publish(article("kb-1"))
    live = LiveRetriever(load_retriever(tmp_path / "index", SimplePreprocessor(), EMBED), store)
    assert live.search("gift wrap orders")[0].pair.id == "kb-1"

    def down() -> str:
        raise StoreUnavailableError("database down")
    store.version = down  # type: ignore[method-assign]
    assert live.refresh(force=True).search("gift wrap orders")[0].pair.id == "kb-1"
