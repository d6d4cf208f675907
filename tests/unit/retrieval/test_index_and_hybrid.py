"""Ingestion, index files and the hybrid retriever, on a fake embedder (no model)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from retrieval.corpus import CorpusError, QAPair
from retrieval.embedders import HashEmbedder
from retrieval.index_store import IndexError_, build_index, check_index, load_retriever
from retrieval.ingest import Dropped, DuplicatePolicy, deduplicate, ingest, load_tickets
from retrieval.preprocess import SimplePreprocessor
from shopdesk.clock import FixedClock
from tests.conftest import NOW

CLOCK = FixedClock(NOW)

CORPUS = """id,question,answer,category,tags,product,source,date
a1,How long do refunds take?,Refunds take up to 10 working days.,returns,,,faq,2024-01-01
a2,Do you ship to Ireland?,Yes we deliver to Ireland in 3-6 days.,shipping,,,faq,2024-01-01
a3,How long do refunds take,Refunds are quick.,returns,,,faq,2023-01-01
a4,Can I pay with Klarna?,Yes Klarna pay in 3 is available. Call 07700 900123.,payments,,,faq,2024-01-01
a5,How do I wash a down jacket?,Gentle cycle at 30 degrees with down wash.,care,,,faq,2024-01-01
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "qa.csv"
    path.write_text(CORPUS)
    return path


def build(corpus: Path, target: Path):  # type: ignore[no-untyped-def]
    return build_index([corpus], target, SimplePreprocessor(), HashEmbedder(), CLOCK, progress=False)


def test_ingest_redacts_and_deduplicates(corpus: Path) -> None:
    report = ingest([corpus])
    ids = {p.id for p in report.pairs}
    assert report.read == 5 and report.dropped == ()
    assert {"a1", "a3"} <= ids  # the same question answered differently: both stay reachable
    klarna = next(p for p in report.pairs if p.id == "a4")
    assert "07700" not in klarna.answer and "[PHONE]" in klarna.answer


def test_near_duplicates_keep_the_first_when_asked() -> None:
    pairs = [QAPair("x", "can I pay with klarna at checkout", "yes", date="2020"),
             QAPair("y", "can I pay with klarna at the checkout", "yes!", date="2024")]
    kept, dropped = deduplicate(pairs, DuplicatePolicy.KEEP_FIRST)
    assert [p.id for p in kept] == ["x"]
    assert dropped == [Dropped("y", "x", "a near-identical question (0.88) with the same answer")]
    kept, dropped = deduplicate(pairs, DuplicatePolicy.KEEP_NEWEST)
    assert [p.id for p in kept] == ["y"] and [d.id for d in dropped] == ["x"]


def test_near_duplicate_questions_with_their_own_answers_are_all_kept() -> None:
    pairs = [QAPair("p1", "How do I change my password?", "Open Settings, then Security."),
             QAPair("p2", "How do I change my password", "Ask your administrator to reset it."),
             QAPair("p3", "How do I change my password?", "Open Settings, then Security.")]
    kept, dropped = deduplicate(pairs, DuplicatePolicy.KEEP_FIRST)
    assert [p.id for p in kept] == ["p1", "p2"]
    assert dropped == [Dropped("p3", "p1", "the same question with the same answer")]


def test_ticket_transcripts_become_pairs(tmp_path: Path) -> None:
    path = tmp_path / "old.tickets.jsonl"
    path.write_text(json.dumps({"ticket_id": 7, "messages": [
        {"from": "customer", "text": "hi"}, {"from": "customer", "text": "where is my refund?"},
        {"from": "agent", "text": "It was sent today."},
        {"from": "customer", "text": "thanks"}]}) + "\nnot json\n")
    with pytest.raises(CorpusError, match=r"old.tickets.jsonl:2: not valid JSON"):
        load_tickets(path)
    path.write_text(path.read_text().splitlines()[0] + "\n")
    [pair] = load_tickets(path)
    assert pair.question == "hi where is my refund?" and pair.answer == "It was sent today."
    assert pair.source == "ticket"


def test_build_then_search(corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "index"
    build(corpus, folder)
    retriever = load_retriever(folder, SimplePreprocessor(), HashEmbedder(), [corpus])
    hits = retriever.search("how long do refunds take", k=3)
    assert {hits[0].pair.id, hits[1].pair.id} == {"a1", "a3"}  # both answers are reachable
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert hits[0].score > hits[-1].score
    for odd in ("", "   ", "the of and", "😀", "x" * 100_000, "<b>'; DROP TABLE x;--"):
        assert isinstance(retriever.search(odd, k=3), list)


def test_stale_corrupt_and_missing_indexes_say_how_to_rebuild(corpus: Path,
                                                              tmp_path: Path) -> None:
    folder = tmp_path / "index"
    with pytest.raises(IndexError_, match="make index"):
        check_index(folder, [corpus])
    build(corpus, folder)
    corpus.write_text(CORPUS + "a6,New?,New answer.,x,,,faq,2024-01-01\n")
    with pytest.raises(IndexError_, match="changed since.*make index"):
        check_index(folder, [corpus])
    build(corpus, folder)
    (folder / "embeddings.npy").write_bytes(b"garbage")
    with pytest.raises(IndexError_, match="corrupt.*make index"):
        load_retriever(folder, SimplePreprocessor(), HashEmbedder(), [corpus])
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["format_version"] = 999
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexError_, match="format 999"):
        check_index(folder)


def test_a_failed_build_leaves_the_old_index_in_place(corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "index"
    build(corpus, folder)
    before = (folder / "manifest.json").read_text()

    class Exploding(HashEmbedder):
        def encode(self, texts, batch_size=64, progress=False):  # type: ignore[no-untyped-def]
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        build_index([corpus], folder, SimplePreprocessor(), Exploding(), CLOCK, progress=False)
    assert (folder / "manifest.json").read_text() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    check_index(folder, [corpus])


def test_hnsw_above_the_threshold_finds_what_exact_search_finds() -> None:
    import numpy as np

    from retrieval.dense import DenseIndex

    vectors = HashEmbedder().encode([f"question number {i} about topic {i % 37}" for i in range(500)])
    exact = DenseIndex(vectors, ann_threshold=10_000)
    approximate = DenseIndex(vectors, ann_threshold=100)
    assert approximate.approximate and not exact.approximate
    agree = 0
    for i in range(0, 500, 25):
        a, _ = exact.search(vectors[i], 5)
        b, _ = approximate.search(vectors[i], 5)
        agree += a[0] == b[0]
    assert agree >= 19
    assert exact.search(np.zeros(384, dtype=np.float32), 0)[0].size == 0


def test_answer_action_on_an_in_memory_hybrid_index(corpus: Path, tmp_path: Path,
                                                     services) -> None:  # type: ignore[no-untyped-def]
    from actions.support import ActionAnswerQuestion
    from retrieval.answering import QuestionAnswerer
    from tests.conftest import make_tracker
    from tests.helpers import run_action, texts

    folder = tmp_path / "index"
    build(corpus, folder)
    retriever = load_retriever(folder, SimplePreprocessor(), HashEmbedder(), [corpus])
    qa = QuestionAnswerer(retriever)
    action = ActionAnswerQuestion(replace(services, qa=qa))
    text = texts(run_action(action, make_tracker("how do I wash a down jacket", "ask_question"))[0])
    assert "Gentle cycle" in text and "How do I wash a down jacket?" in text
    text = texts(run_action(action, make_tracker("zebra quantum xylophone", "ask_question"))[0])
    assert "don't have an answer" in text
