"""Both BM25 legs keep one contract, and bm25s ranks like rank-bm25."""

import numpy as np
import pytest

from retrieval.bm25 import RankBm25Leg, SparseBm25Leg, top_k
from retrieval.corpus import load_corpus
from retrieval.preprocess import SimplePreprocessor
from tests.conftest import FAQ

DOCS = [["refund", "take", "long"], ["deliver", "cost"], ["return", "window", "day"],
        ["refund", "card"], ["pay", "klarna"], ["deliver", "saturday"], []]


class Bm25Contract:
    def test_scores_every_document(self, leg) -> None:  # type: ignore[no-untyped-def]
        scores = leg.scores(["refund"])
        assert scores.shape == (len(DOCS),)
        assert scores[0] > 0 and scores[3] > 0 and scores[1] == 0

    def test_unknown_or_empty_query_scores_zero(self, leg) -> None:  # type: ignore[no-untyped-def]
        assert not leg.scores([]).any()
        assert not leg.scores(["zzz-unknown"]).any()

    def test_shorter_document_wins_on_equal_matches(self, leg) -> None:  # type: ignore[no-untyped-def]
        idx, _ = top_k(leg.scores(["refund"]), 2)
        assert idx.tolist() == [3, 0]


class TestRankBm25(Bm25Contract):
    @pytest.fixture
    def leg(self):  # type: ignore[no-untyped-def]
        leg = RankBm25Leg()
        leg.index(DOCS)
        return leg


class TestSparseBm25(Bm25Contract):
    @pytest.fixture
    def leg(self):  # type: ignore[no-untyped-def]
        leg = SparseBm25Leg()
        leg.index(DOCS)
        return leg


def test_bm25s_ranks_like_rank_bm25_on_the_demo_corpus() -> None:
    pre = SimplePreprocessor()
    pairs = load_corpus(FAQ)
    docs = [pre.terms(f"{p.question} {p.answer}") for p in pairs]
    reference, fast = RankBm25Leg(), SparseBm25Leg()
    reference.index(docs)
    fast.index(docs)
    for query in ("how long do refunds take", "klarna", "deliver saturday", "wash down jacket"):
        terms = pre.terms(query)
        a, _ = top_k(reference.scores(terms), 10)
        b, _ = top_k(fast.scores(terms), 10)
        assert a[:3].tolist() == b[:3].tolist(), query


def test_top_k_edge_cases() -> None:
    assert top_k(np.array([]), 3)[0].size == 0
    assert top_k(np.array([0.0, 0.0]), 3)[0].size == 0
    assert top_k(np.array([1.0, 2.0]), 0)[0].size == 0
