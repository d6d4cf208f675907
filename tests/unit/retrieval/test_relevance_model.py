"""Candidate signals, the relevance model, reply decisions, and the frozen evaluation queries."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retrieval import index_store
from retrieval.bm25 import SparseBm25Leg
from retrieval.evaluate import Bands, LabelledQuery, Outcome, QueryLegs, choose_bands, decisions
from retrieval.features import FEATURES, Candidates, IndexStats, matrix
from retrieval.index_store import build_index, load_retriever
from retrieval.preprocess import SimplePreprocessor
from retrieval.run_eval import check_frozen, corpora
from retrieval.scoring import RelevanceModel, fit
from shopdesk.clock import FixedClock
from tests.conftest import NOW


def candidates(cos_q: list[float], cos_p: list[float], bm25: list[float]) -> Candidates:
    n = len(cos_q)
    return Candidates(np.arange(n), np.array(cos_q), np.array(cos_p), np.array(bm25),
                      np.linspace(1, 0, n), np.linspace(0.5, 0, n))


def test_signals_are_relative_where_raw_scores_depend_on_the_corpus() -> None:
    x = matrix(candidates([0.9, 0.5, 0.4], [0.8, 0.7, 0.2], [12.0, 6.0, 0.0]), IndexStats())
    assert x.shape == (3, len(FEATURES))
    row = dict(zip(FEATURES, x[0], strict=True))
    assert row["gap_question"] == 0 and row["bm25_share"] == 1.0
    assert row["lead_pair"] == pytest.approx(0.1) and x[1, FEATURES.index("lead_pair")] < 0
    # the same query on a corpus with ten times the BM25 scale gives the same signals
    scaled = matrix(candidates([0.9, 0.5, 0.4], [0.8, 0.7, 0.2], [120.0, 60.0, 0.0]), IndexStats())
    assert np.allclose(x, scaled)
    assert matrix(candidates([], [], []), IndexStats()).shape == (0, len(FEATURES))


def test_index_stats_measure_the_corpus_without_labels() -> None:
    rng = np.random.default_rng(1)
    questions = rng.normal(size=(40, 16))
    questions /= np.linalg.norm(questions, axis=1, keepdims=True)
    stats = IndexStats.measure(questions, questions)
    assert stats.self_match == pytest.approx(1.0)
    assert 0 < stats.question_nn < 1 and stats.pair_nn == pytest.approx(stats.question_nn)
    assert IndexStats.measure(questions[:1], questions[:1]) == IndexStats()


def test_term_coverage_is_idf_weighted_and_bounded() -> None:
    leg = SparseBm25Leg()
    leg.index([["refund", "card"], ["refund", "delivery"], ["gift", "card"], ["wash"]])
    share = leg.coverage(["refund", "card", "unknownword"], np.array([0, 1, 3]))
    assert 0 < share[1] < share[0] < 1 and share[2] == 0
    assert leg.coverage([], np.array([0])).tolist() == [0.0]


def test_the_model_learns_which_signals_mean_relevant_and_round_trips() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, len(FEATURES)))
    y = (x[:, 1] - x[:, 3] + 0.2 * rng.normal(size=400) > 0).astype(int)
    model = fit(x, y)
    p = model.probabilities(x)
    assert ((p > 0.5) == y).mean() > 0.9
    again = RelevanceModel.from_json(json.loads(json.dumps(model.to_json())))
    assert np.allclose(again.probabilities(x), p)
    with pytest.raises(ValueError, match="re-run `make eval`"):
        RelevanceModel(weights=(1.0,), mean=(0.0,), scale=(1.0,), features=("old",))


def test_a_broken_tuning_file_falls_back_to_the_built_in_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    broken = tmp_path / "tuning.json"
    broken.write_text('{"model": {"features": ["old"], "weights": [1]}}')
    monkeypatch.setattr(index_store, "TUNING_FILE", broken)
    _, model, thresholds = index_store.load_tuning()
    assert model == RelevanceModel() and thresholds == {}
    assert "unusable" in caplog.text


def _legs(relevant: set[str], top: str) -> QueryLegs:
    query = LabelledQuery("q", "x", frozenset(relevant), "paraphrase")
    return QueryLegs(query, candidates([0.5], [0.5], [1.0]), [top], IndexStats())


def test_reply_decisions_count_right_wrong_and_honest_replies() -> None:
    data = [_legs({"a"}, "a"), _legs({"a"}, "b"), _legs(set(), "c"), _legs(set(), "d"),
            _legs({"e"}, "e")]
    results = [Outcome(["a"], 0.9), Outcome(["b", "a"], 0.9), Outcome(["c"], 0.9),
               Outcome(["d"], 0.1), Outcome(["x", "y", "e"], 0.5)]
    d = decisions(data, results, Bands(0.8, 0.3))
    assert d["wrong direct"] == pytest.approx(2 / 5)   # a wrong pair, and an unanswerable one
    assert d["no-answer acc."] == pytest.approx(0.5)
    assert d["right direct"] == pytest.approx(1 / 3)
    assert d["right reply"] == pytest.approx(3 / 5)    # right answer, honest no, right among 3
    bands = choose_bands(data, results, max_wrong=0.0)
    assert decisions(data, results, bands)["wrong direct"] == 0.0


def test_answer_text_is_indexed_so_customers_words_from_the_answers_find_the_pair(
        tmp_path: Path) -> None:
    from retrieval.embedders import HashEmbedder

    corpus = tmp_path / "faq.csv"
    corpus.write_text("id,question,answer\n"
                      "w1,How do I look after my jacket?,Machine wash at 30 degrees with down "
                      "wash and tumble dry with tennis balls.\n"
                      "w2,Where are you based?,Our warehouse is in Leeds.\n")
    build_index([corpus], tmp_path / "index", SimplePreprocessor(), HashEmbedder(),
                FixedClock(NOW), progress=False)
    retriever = load_retriever(tmp_path / "index", SimplePreprocessor(), HashEmbedder(), [corpus])
    assert retriever.search("tumble dry tennis balls?", k=1)[0].pair.id == "w1"


def test_the_evaluation_queries_are_frozen_and_a_hold_out_is_named() -> None:
    check_frozen()  # raises if any labelled query file changed since it was frozen
    roles = {c.name: c.role for c in corpora()}
    assert "holdout" in roles.values() and sum(r == "tune" for r in roles.values()) >= 3
    for corpus in corpora():
        ids = {line.split(",", 1)[0] for line in corpus.faq.read_text().splitlines()[1:]}
        for q in corpus.dev + corpus.test:
            assert q.relevant <= ids or not q.relevant
        share = sum(not q.relevant for q in corpus.dev + corpus.test) / len(corpus.dev + corpus.test)
        assert corpus.role == "tune" and corpus.name.startswith("pinecrest") or share >= 0.2
