"""Evaluation of the retrieval legs on labelled queries, and tuning on the dev set only.

`python -m retrieval.cli eval` builds (or loads) the demo index, tunes the fusion
weight / RRF k and the calibration on ``queries_dev.jsonl``, then reports every leg
on ``queries_test.jsonl``: nDCG@10, MRR@10, Recall@1/5/20, and the accuracy of the
"no answer" decision. The table is printed and saved with a plot under ``reports/``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.hybrid import (
    Calibration,
    FusionConfig,
    HybridRetriever,
    LegResult,
    fused_order,
    hit_features,
)


@dataclass(frozen=True)
class LabelledQuery:
    id: str
    query: str
    relevant: frozenset[str]
    kind: str


def load_queries(path: Path) -> list[LabelledQuery]:
    out = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        raw = json.loads(line)
        if not isinstance(raw.get("query"), str) or not isinstance(raw.get("relevant"), list):
            raise ValueError(f"{path}:{number}: needs query and relevant")
        out.append(LabelledQuery(str(raw.get("id", number)), raw["query"],
                                 frozenset(raw["relevant"]), str(raw.get("kind", ""))))
    return out


def ndcg_at(ranked: list[str], relevant: frozenset[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, pid in enumerate(ranked[:k]) if pid in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal if ideal else 0.0


def mrr_at(ranked: list[str], relevant: frozenset[str], k: int = 10) -> float:
    for i, pid in enumerate(ranked[:k]):
        if pid in relevant:
            return 1.0 / (i + 1)
    return 0.0


def recall_at(ranked: list[str], relevant: frozenset[str], k: int) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


@dataclass
class QueryLegs:
    query: LabelledQuery
    legs: LegResult


def ranking(retriever: HybridRetriever, q: QueryLegs, leg: str,
            config: FusionConfig | None = None) -> list[str]:
    legs = q.legs
    if leg == "bm25":
        order = legs.bm25_order
        return [retriever.pairs[int(i)].id for i in order]
    if leg == "dense":
        return [retriever.pairs[int(i)].id for i in legs.dense_order]
    fused = retriever.fuse(legs, config)
    order = np.argsort(-fused, kind="stable")
    return [retriever.pairs[int(legs.indices[i])].id for i in order]


def metrics(rankings: list[list[str]], queries: list[LabelledQuery]) -> dict[str, float]:
    answerable = [(r, q) for r, q in zip(rankings, queries, strict=True) if q.relevant]
    n = max(len(answerable), 1)
    return {
        "nDCG@10": sum(ndcg_at(r, q.relevant) for r, q in answerable) / n,
        "MRR@10": sum(mrr_at(r, q.relevant) for r, q in answerable) / n,
        "R@1": sum(recall_at(r, q.relevant, 1) for r, q in answerable) / n,
        "R@5": sum(recall_at(r, q.relevant, 5) for r, q in answerable) / n,
        "R@20": sum(recall_at(r, q.relevant, 20) for r, q in answerable) / n,
    }


def top_features(retriever: HybridRetriever, q: QueryLegs, config: FusionConfig
                 ) -> list[tuple[str, list[float]]]:
    """(pair id, calibration features) of the fused top 5."""
    fused = retriever.fuse(q.legs, config)
    return [(retriever.pairs[int(q.legs.indices[p])].id, hit_features(q.legs, fused, int(p)))
            for p in fused_order(fused, 5)]


def fit_calibration(retriever: HybridRetriever, dev: list[QueryLegs],
                    config: FusionConfig) -> Calibration:
    from sklearn.linear_model import LogisticRegression

    x, y = [], []
    for q in dev:
        for pid, features in top_features(retriever, q, config):
            x.append(features)
            y.append(1 if pid in q.query.relevant else 0)
    model = LogisticRegression(C=10.0, max_iter=1000)
    model.fit(np.array(x), np.array(y))
    return Calibration(tuple(float(c) for c in model.coef_[0]), float(model.intercept_[0]))


# How a reply is valued when the bands are tuned: a right direct answer 1; the right pair
# among three offered 0.5 (the customer has to pick); a wrong direct answer -0.5 (worse than
# an offer of three that misses, which costs a click: 0).
SUGGEST_CREDIT = 0.5
WRONG_ANSWER_COST = 0.5


def decision_accuracy(retriever: HybridRetriever, queries: list[QueryLegs], config: FusionConfig,
                      calibration: Calibration, answer_at: float, suggest_at: float
                      ) -> tuple[float, float, float]:
    """For the answer / offer three / no answer bands:

    (accuracy of the has-answer decision, share of replies that are right — a correct
    direct answer, the right pair among the three offered, or an honest "no answer" —,
    and the utility with the values above).
    """
    binary = right = 0
    utility = 0.0
    for q in queries:
        rows = top_features(retriever, q, config)
        top = calibration.probability(rows[0][1]) if rows else 0.0
        says_answer = top >= suggest_at
        has_answer = bool(q.query.relevant)
        binary += says_answer == has_answer
        if not has_answer:
            right += not says_answer
            utility += 1.0 if not says_answer else (-WRONG_ANSWER_COST if top >= answer_at else 0)
        elif top >= answer_at:
            ok = rows[0][0] in q.query.relevant
            right += ok
            utility += 1.0 if ok else -WRONG_ANSWER_COST
        elif says_answer:
            ok = any(pid in q.query.relevant for pid, _ in rows[:3])
            right += ok
            utility += SUGGEST_CREDIT * ok
    n = max(len(queries), 1)
    return binary / n, right / n, utility / n
