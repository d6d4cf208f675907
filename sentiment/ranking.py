"""Ranking candidate answers by relevance, the customer's interest and their mood.

For a candidate answer ``c`` with calibrated relevance ``r`` (0…1, from the retriever), the
customer's interest weight ``w`` for its topic (1.0 = neutral; the profile store supplies it)
and the conversation mood ``m`` (-1…1):

    final(c) = r · w · fit(c, m)
    fit(c, m) = max(min_fit, 1 + a(c) · (λ_neg · max(0, −m) − λ_pos · max(0, m)))

``a(c)`` is the candidate's *mood affinity* in [-1, 1]: +1 for help-and-remedy content (refunds,
compensation, complaints, lost/late/damaged/faulty goods, outages, warranty and repairs, talking
to a person), −1 for promotional content (discounts, sales, loyalty points, gift cards, new
products), 0 otherwise; see :func:`mood_affinity`. It is read from the pair's own words — its
question, answer and category name — with general English word lists, never from one
company's category names, so any company's corpus gets it without configuration. So a
frustrated customer sees remedies first and no promotions,
a happy one sees promotional content slightly earlier, and with a neutral mood (m = 0) and
neutral interests ``fit = w = 1`` and the order is exactly the retriever's.

``r`` is the candidate's relevance comparable across one query's candidates (the fused
BM25 + dense score, 1.0 for the best). Only candidates within ``rerank_window`` (0.08) of the
best are re-ordered ("both relevant"), and the answering bands still apply to the question
as a whole (``retrieval.answering``), so mood never promotes an irrelevant answer.

Defaults: λ_neg = 0.6, λ_pos = 0.2, min_fit = 0.2 (``SHOPDESK_RANK_REMEDY_WEIGHT``,
``SHOPDESK_RANK_PROMO_WEIGHT``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from retrieval.corpus import QAPair
from retrieval.retriever import Hit

CATEGORY_WEIGHT = 2  # a remedy or promotional word in the category name counts twice
_REMEDY = re.compile(
    r"\b(refund\w*|compensat\w*|complain\w*|complaint|late|delayed|lost|missing|never arrived"
    r"|damaged|broken|faulty|defect\w*|wrong item|replacement|replace|money back|talk to|speak to"
    r"|contact(?: us)?|customer care|apolog\w*|escalat\w*|not (?:arrived|received)|chargeback"
    r"|warrant(?:y|ies)|guarantee|repair\w*|outage\w*|power cuts?|fault\w*|dispute\w*"
    r"|ombudsman|claim\w*|priority services?|vulnerable|hardship|struggling to pay)\b")
_PROMO = re.compile(
    r"\b(discount\w*|sale|sales|offer\w*|promo\w*|voucher\w*|coupon\w*|loyalty|points"
    r"|reward\w*|gift[ _]?cards?|newsletter|new arrivals|new range|bundle\w*|student"
    r"|black friday|refer a friend|referral\w*|cashback|deal\w*|upgrade offer\w*)\b")


@dataclass(frozen=True)
class RankingConfig:
    remedy_weight: float = 0.6    # λ_neg
    promo_weight: float = 0.2     # λ_pos
    min_fit: float = 0.2

    def __post_init__(self) -> None:
        if self.remedy_weight < 0 or self.promo_weight < 0 or not 0 < self.min_fit <= 1:
            raise ValueError("ranking weights must be >= 0 and min_fit in (0, 1]")


def mood_affinity(pair: QAPair) -> float:
    """+1 remedy/help content, −1 promotional content, 0 otherwise (values in between when
    a pair's text has both kinds of words)."""
    category = (getattr(pair, "category", "") or "").lower().replace("_", " ")
    text = f"{pair.question} {pair.answer}".lower()
    remedy = len(_REMEDY.findall(text)) + CATEGORY_WEIGHT * len(_REMEDY.findall(category))
    promo = len(_PROMO.findall(text)) + CATEGORY_WEIGHT * len(_PROMO.findall(category))
    if remedy == promo:
        return 0.0
    return (remedy - promo) / max(remedy, promo)


def fit(affinity: float, mood: float, config: RankingConfig | None = None) -> float:
    cfg = config or RankingConfig()
    mood = max(-1.0, min(1.0, mood))
    raw = 1.0 + affinity * (cfg.remedy_weight * max(0.0, -mood) - cfg.promo_weight * max(0.0, mood))
    return max(cfg.min_fit, raw)


@dataclass(frozen=True)
class Scored:
    hit: Hit
    relevance: float
    interest: float
    fit: float

    @property
    def final(self) -> float:
        return self.relevance * self.interest * self.fit


def topic_of(pair: QAPair) -> str:
    return (getattr(pair, "category", "") or "general").lower()


def rank(hits: Sequence[Hit], mood: float = 0.0,
         interests: Mapping[str, float] | None = None,
         config: RankingConfig | None = None) -> list[Scored]:
    """``hits`` ordered by final score (ties keep the retriever's order)."""
    interests = interests or {}
    scored = [Scored(hit=h, relevance=h.closeness,
                     interest=max(0.0, float(interests.get(topic_of(h.pair), 1.0))),
                     fit=fit(mood_affinity(h.pair), mood, config)) for h in hits]
    order = sorted(range(len(scored)), key=lambda i: (-scored[i].final, i))
    return [scored[i] for i in order]


def reranker(mood: float, interests: Mapping[str, float] | None = None,
             config: RankingConfig | None = None) -> Callable[[list[Hit]], list[Hit]]:
    """A function the question answerer applies to its candidates."""
    def apply(hits: list[Hit]) -> list[Hit]:
        return [s.hit for s in rank(hits, mood, interests, config)]
    return apply
