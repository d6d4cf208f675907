"""Scoring retrieval systems on labelled queries: rankings, metrics and reply decisions.

Pure functions over precomputed candidates (:class:`~retrieval.features.Candidates`), so one
encoding pass serves every system and every setting tried. ``retrieval.run_eval`` drives them
over several corpora (``make eval``).

Systems compared on the same candidates:

* ``bm25``      BM25 over question (twice) + answer;
* ``dense``     MiniLM cosine to the pair's question;
* ``pair``      MiniLM cosine to the pair's question + answer — the plain baseline to beat;
* ``convex``    min-max convex fusion of ``bm25`` and ``dense`` (the previous default);
* ``ours``      the relevance model over every signal (:mod:`retrieval.scoring`).

A reply decision takes the system's confidence in its top pair: at or above ``answer_at`` it
answers directly, at or above ``suggest_at`` it offers its top three, below it says there is
no answer. The confidence is the model's probability for ``ours``, the top cosine for the
dense systems (for ``convex``, the question cosine of its top pair) and the top BM25 score
for ``bm25``; each system's two thresholds are chosen on the same development queries.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.features import Candidates, IndexStats, matrix
from retrieval.hybrid import FusionConfig, HybridRetriever
from retrieval.scoring import RelevanceModel

SYSTEMS = ("bm25", "dense", "pair", "convex", "ours")
NAMES = {
    "bm25": "BM25 (question + answer)",
    "dense": "MiniLM over the questions",
    "pair": "plain MiniLM over question + answer (baseline)",
    "convex": "convex fusion BM25 + question MiniLM (previous)",
    "ours": "ours: relevance model over all signals",
}
KINDS = ("paraphrase", "typo", "fragment", "long", "frustrated", "multi", "no_answer")


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


@dataclass
class QueryLegs:
    query: LabelledQuery
    legs: Candidates
    ids: list[str]  # pair id of each candidate, aligned with ``legs``
    stats: IndexStats  # the corpus's index statistics

    def features(self) -> np.ndarray:
        return matrix(self.legs, self.stats)


def query_legs(retriever: HybridRetriever, query: LabelledQuery, candidates: int) -> QueryLegs:
    legs = retriever.legs(query.query, candidates)
    return QueryLegs(query, legs, [retriever.pairs[int(i)].id for i in legs.indices],
                     retriever.stats)


# --- rankings -----------------------------------------------------------------------------

def system_scores(q: QueryLegs, system: str, model: RelevanceModel | None = None,
                  config: FusionConfig | None = None) -> np.ndarray:
    """Each candidate's score under ``system`` (higher is better)."""
    legs = q.legs
    if system == "bm25":
        return legs.bm25.astype(np.float64)
    if system == "dense":
        return legs.cos_question.astype(np.float64)
    if system == "pair":
        return legs.cos_pair.astype(np.float64)
    if system == "convex":
        from retrieval import fusion

        config = config or FusionConfig()
        if config.method == "rrf":
            return fusion.rrf(legs.bm25, legs.cos_question, config.rrf_k).astype(np.float64)
        return fusion.convex(legs.bm25, legs.cos_question, config.weight).astype(np.float64)
    if system == "ours":
        return (model or RelevanceModel()).probabilities(q.features())
    raise ValueError(f"unknown system {system!r}")


def ranking(scores: np.ndarray, system: str) -> list[int]:
    """Candidate positions, best first. A BM25 ranking stops where its scores reach 0."""
    order = np.argsort(-scores, kind="stable")
    if system == "bm25":
        order = order[scores[order] > 0]
    return [int(i) for i in order]


def confidence(q: QueryLegs, scores: np.ndarray, order: list[int], system: str) -> float:
    if not order:
        return 0.0
    top = order[0]
    if system == "convex":
        return float(q.legs.cos_question[top])
    return float(scores[top])


# --- metrics ------------------------------------------------------------------------------

def ndcg_at(ranked: Sequence[str], relevant: frozenset[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, pid in enumerate(ranked[:k]) if pid in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal if ideal else 0.0


def mrr_at(ranked: Sequence[str], relevant: frozenset[str], k: int = 10) -> float:
    for i, pid in enumerate(ranked[:k]):
        if pid in relevant:
            return 1.0 / (i + 1)
    return 0.0


@dataclass
class Outcome:
    """One system's result on one query."""

    ranked: list[str]
    confidence: float


def outcomes(data: Sequence[QueryLegs], system: str, model: RelevanceModel | None = None,
             config: FusionConfig | None = None) -> list[Outcome]:
    out = []
    for q in data:
        scores = system_scores(q, system, model, config)
        order = ranking(scores, system)
        out.append(Outcome([q.ids[i] for i in order[:20]], confidence(q, scores, order, system)))
    return out


def ranking_metrics(data: Sequence[QueryLegs], results: Sequence[Outcome]) -> dict[str, float]:
    pairs = [(q.query.relevant, r.ranked) for q, r in zip(data, results, strict=True)
             if q.query.relevant]
    n = max(len(pairs), 1)
    return {
        "hit@1": sum(bool(r[:1]) and r[0] in rel for rel, r in pairs) / n,
        "MRR@10": sum(mrr_at(r, rel) for rel, r in pairs) / n,
        "nDCG@10": sum(ndcg_at(r, rel) for rel, r in pairs) / n,
        "hit@3": sum(any(p in rel for p in r[:3]) for rel, r in pairs) / n,
    }


# How a reply is valued when the bands are chosen: a right direct answer or an honest "no
# answer" 1; the right pair among three offered 0.5 (the customer has to read and pick); a
# wrong direct answer -1; an offer that misses, or no answer to an answerable question, 0.
SUGGEST_CREDIT = 0.5
WRONG_COST = 1.0


@dataclass(frozen=True)
class Bands:
    answer_at: float
    suggest_at: float


def decisions(data: Sequence[QueryLegs], results: Sequence[Outcome], bands: Bands
              ) -> dict[str, float]:
    """How the replies turn out with these bands.

    * ``no-answer acc.`` — share of the queries the corpus cannot answer that get no direct
      answer;
    * ``wrong direct`` — direct answers that are wrong (a wrong pair for an answerable query,
      or any direct answer to an unanswerable one), as a share of all queries;
    * ``right reply`` — a right direct answer, the right pair among three offered, or an
      honest "no answer" to an unanswerable query, as a share of all queries;
    * ``right direct`` — right direct answers as a share of the answerable queries;
    * ``utility`` — the value of the replies (weights above) per query.
    """
    unanswerable = answered_blind = wrong = right = right_direct = right_offer = honest = 0
    for q, r in zip(data, results, strict=True):
        relevant = q.query.relevant
        direct = r.confidence >= bands.answer_at
        offers = bands.suggest_at <= r.confidence < bands.answer_at
        if not relevant:
            unanswerable += 1
            answered_blind += direct
            wrong += direct
            honest += not direct and not offers
        elif direct:
            ok = bool(r.ranked) and r.ranked[0] in relevant
            wrong += not ok
            right_direct += ok
        elif offers:
            right_offer += any(p in relevant for p in r.ranked[:3])
    n = max(len(data), 1)
    right = right_direct + right_offer + honest
    utility = right_direct + honest + SUGGEST_CREDIT * right_offer - WRONG_COST * wrong
    return {"no-answer acc.": 1 - answered_blind / max(unanswerable, 1),
            "wrong direct": wrong / n, "right reply": right / n,
            "right direct": right_direct / max(len(data) - unanswerable, 1),
            "utility": utility / n}


def choose_bands(data: Sequence[QueryLegs], results: Sequence[Outcome],
                 max_wrong: float = 0.04, min_gap: float = 0.0) -> Bands:
    """The bands with the most valuable replies (``utility``) while wrong direct answers stay
    at or under ``max_wrong`` of the queries (on these development queries)."""
    values = sorted({round(r.confidence, 4) for r in results})
    grid = np.quantile(values, np.linspace(0, 1, 61)).tolist() if values else [0.5]
    grid = sorted(set(grid + [max(values, default=1.0) + 1e-6]))
    best: tuple[float, float, Bands] | None = None
    for answer_at in grid:
        for suggest_at in (g for g in grid if g <= answer_at - min_gap):
            d = decisions(data, results, Bands(answer_at, suggest_at))
            if d["wrong direct"] > max_wrong:
                continue
            key = (d["utility"], -d["wrong direct"])
            if best is None or key > best[:2]:
                best = (*key, Bands(answer_at, suggest_at))
    return best[2] if best else Bands(float("inf"), float("inf"))


# --- fitting ------------------------------------------------------------------------------

def training_rows(data: Sequence[QueryLegs], top: int = 20
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows and labels of each query's candidates (the ``top`` by the pair cosine and
    BM25, where the decisions are made), with weights that give every query the same say."""
    xs, ys, ws = [], [], []
    for q in data:
        x = q.features()
        keep = set(np.argsort(-q.legs.cos_pair, kind="stable")[:top].tolist())
        keep |= set(np.argsort(-q.legs.cos_question, kind="stable")[:top].tolist())
        keep |= set(np.argsort(-q.legs.bm25, kind="stable")[:top].tolist())
        rows = sorted(keep)
        for i in rows:
            xs.append(x[i])
            ys.append(1 if q.ids[i] in q.query.relevant else 0)
            ws.append(1.0 / len(rows))
    return np.array(xs), np.array(ys), np.array(ws)


def fit_model(groups: Sequence[Sequence[QueryLegs]], c: float = 1.0) -> RelevanceModel:
    """One relevance model over several corpora's development queries, each corpus weighted
    equally (a large corpus must not decide for the others)."""
    from retrieval.scoring import fit

    xs, ys, ws = [], [], []
    for group in groups:
        x, y, w = training_rows(group)
        if len(x) == 0:
            continue
        xs.append(x)
        ys.append(y)
        ws.append(w / w.sum())
    return fit(np.vstack(xs), np.concatenate(ys), np.concatenate(ws) * len(xs), c=c)

