"""The answer-ranking formula: final = relevance · interest · fit(mood)."""

from __future__ import annotations

import random

import pytest

from retrieval.answering import AnswerPolicy, Decision, QuestionAnswerer
from retrieval.corpus import QAPair
from retrieval.retriever import Hit
from sentiment.ranking import RankingConfig, fit, mood_affinity, rank

TRACK = QAPair("qa-1", "How can I track my parcel?",
               "Use the tracking link in your dispatch e-mail to follow the courier.", "shipping")
LATE = QAPair("qa-2", "My order is late, can I get a refund?",
              "Sorry it's late. If it hasn't arrived 5 days after the estimate, contact us and we "
              "will send a replacement or refund you.", "shipping")
PROMO = QAPair("qa-3", "Do you have a discount code?",
               "Sign up to our newsletter for 10% off your first order and early sale access.",
               "discounts")
SIZES = QAPair("qa-4", "What sizes do the boots come in?", "UK 4 to 12, half sizes too.",
               "footwear")


class FixedRetriever:
    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits

    def search(self, query: str, k: int = 5) -> list[Hit]:
        return self.hits[:k]


def test_affinity_marks_remedies_and_promotions() -> None:
    assert mood_affinity(LATE) > 0.5
    assert mood_affinity(PROMO) < -0.5
    assert mood_affinity(SIZES) == 0.0


def test_fit_is_one_at_neutral_mood_and_follows_the_documented_formula() -> None:
    for a in (-1.0, -0.3, 0.0, 0.5, 1.0):
        assert fit(a, 0.0) == 1.0
    assert fit(1.0, -0.8) == pytest.approx(1 + 0.6 * 0.8)
    assert fit(-1.0, -0.8) == pytest.approx(1 - 0.6 * 0.8)
    assert fit(-1.0, 0.5) == pytest.approx(1 + 0.2 * 0.5)
    assert fit(-1.0, -1.0, RankingConfig(remedy_weight=5)) == 0.2  # floor


def test_a_frustrated_customer_sees_the_remedy_before_tracking() -> None:
    hits = [Hit(TRACK, 0.80), Hit(LATE, 0.62), Hit(PROMO, 0.35)]
    calm = [s.hit.pair.id for s in rank(hits, mood=0.0)]
    angry = [s.hit.pair.id for s in rank(hits, mood=-0.8)]
    assert calm == ["qa-1", "qa-2", "qa-3"]
    assert angry[0] == "qa-2" and angry[-1] == "qa-3"


def test_a_happy_customer_sees_promotions_a_little_earlier() -> None:
    hits = [Hit(SIZES, 0.60), Hit(PROMO, 0.56)]
    assert [s.hit.pair.id for s in rank(hits, mood=0.9)] == ["qa-3", "qa-4"]
    assert [s.hit.pair.id for s in rank(hits, mood=0.0)] == ["qa-4", "qa-3"]


def test_neutral_mood_and_interests_never_change_the_order() -> None:
    pairs = [TRACK, LATE, PROMO, SIZES]
    rng = random.Random(3)
    for _ in range(200):
        hits = sorted((Hit(rng.choice(pairs), rng.random()) for _ in range(6)),
                      key=lambda h: -h.score)
        assert [s.hit for s in rank(hits, 0.0)] == hits
        assert [s.hit for s in rank(hits, 0.0, {"shipping": 1.0})] == hits


def test_interest_weights_move_a_topic_up() -> None:
    hits = [Hit(TRACK, 0.60), Hit(SIZES, 0.55)]
    assert rank(hits, 0.0, {"footwear": 1.3})[0].hit.pair is SIZES


def test_the_answerer_uses_mood_but_never_answers_with_an_irrelevant_pair() -> None:
    from sentiment.ranking import reranker

    policy = AnswerPolicy(answer_at=0.45, suggest_at=0.3, rerank_window=0.08)
    hits = [Hit(TRACK, 0.80, relevance=1.0), Hit(LATE, 0.25, relevance=0.95),
            Hit(PROMO, 0.05, relevance=0.60)]
    qa = QuestionAnswerer(FixedRetriever(hits), policy)
    assert qa.answer("where is my order").hits[0].pair is TRACK
    assert qa.answer("where is my order", reranker(0.0)).hits[0].pair is TRACK
    angry = qa.answer("where is my order!!!", reranker(-0.8))
    assert angry.decision is Decision.ANSWER and angry.hits[0].pair is LATE
    assert [h.pair for h in angry.alternatives] == [TRACK]
    # a remedy outside the window is not promoted, however upset the customer is
    far = [Hit(TRACK, 0.80, relevance=1.0), Hit(LATE, 0.25, relevance=0.85)]
    result = QuestionAnswerer(FixedRetriever(far), policy).answer("where", reranker(-1.0))
    assert result.hits[0].pair is TRACK
    # and a question nobody can answer stays unanswered
    weak = [Hit(LATE, 0.1, relevance=1.0)]
    none = QuestionAnswerer(FixedRetriever(weak), policy).answer("hm", reranker(-1.0))
    assert none.decision is Decision.NO_ANSWER


def test_suggestions_keep_their_set_and_change_order_with_mood() -> None:
    from sentiment.ranking import reranker

    policy = AnswerPolicy(answer_at=0.6, suggest_at=0.2, rerank_window=0.08)
    hits = [Hit(TRACK, 0.40, relevance=1.0), Hit(LATE, 0.30, relevance=0.96),
            Hit(SIZES, 0.10, relevance=0.7)]
    qa = QuestionAnswerer(FixedRetriever(hits), policy)
    calm = qa.answer("parcel?", reranker(0.0))
    angry = qa.answer("parcel?!", reranker(-0.9))
    assert calm.decision is angry.decision is Decision.SUGGEST
    assert [h.pair for h in calm.hits] == [TRACK, LATE]
    assert [h.pair for h in angry.hits] == [LATE, TRACK]


def test_mood_affinity_comes_from_the_words_so_another_companys_corpus_gets_one_too() -> None:
    """A home-energy supplier's FAQ (not written with our store's categories in mind)."""
    import json

    from retrieval.corpus import QAPair
    from shopdesk.settings import PROJECT_ROOT

    rows = [json.loads(line) for line in
            (PROJECT_ROOT / "tests/data/other_company_faq.jsonl").read_text().splitlines() if line]
    pairs = {r["id"]: QAPair(r["id"], r["question"], r["answer"], r.get("category", ""))
             for r in rows}
    affinity = {pid: mood_affinity(p) for pid, p in pairs.items()}
    remedies = [pid for pid, a in affinity.items() if a > 0]
    by_category = {pairs[pid].category for pid in remedies}
    assert {"complaints", "power_cuts"} <= by_category
    assert sum(a == 0 for a in affinity.values()) >= len(affinity) / 2  # most are neutral
    assert mood_affinity(QAPair("x", "Is there a refer a friend offer?", "Yes, £50 credit each.",
                                "promotions")) < 0
    assert mood_affinity(QAPair("y", "My boiler repair is late", "We'll send an engineer.",
                                "Warranty & Repairs")) > 0
