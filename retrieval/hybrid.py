"""Hybrid retrieval: BM25 and two dense views of each pair, scored by one relevance model.

For a query, candidates come from three lists (top ``candidates`` of each): BM25 over the
question (twice) and the answer, the query's cosine to each pair's *question*, and its cosine
to the pair's *question + answer* text (a company's answers carry most of the words its
customers use). Every candidate then gets the signals of :mod:`retrieval.features`, and the
:class:`~retrieval.scoring.RelevanceModel` turns them into P(this pair answers the query):
the candidates are ranked by it and the best one's value is the confidence the answer bands
use. Convex and reciprocal-rank fusion of BM25 with the question cosine are kept for
comparison (``make eval`` reports them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrieval import fusion
from retrieval.bm25 import SparseBm25Leg, top_k
from retrieval.corpus import QAPair
from retrieval.dense import DenseIndex
from retrieval.embedders import Embedder
from retrieval.features import Candidates, IndexStats, matrix
from retrieval.preprocess import Preprocessor
from retrieval.retriever import Hit
from retrieval.scoring import RelevanceModel


@dataclass(frozen=True)
class FusionConfig:
    """Score fusion of BM25 with the question cosine (a comparison system, not the default)."""

    method: str = "convex"  # "convex" or "rrf"
    weight: float = 0.7  # the dense leg's share in convex fusion
    rrf_k: float = 60.0
    candidates: int = 50  # taken from each list before scoring


def pair_text(pair: QAPair) -> str:
    """The text a pair's second vector is computed from."""
    return f"{pair.question} {pair.answer}"


class HybridRetriever:
    def __init__(self, pairs: list[QAPair], preprocessor: Preprocessor, bm25: SparseBm25Leg,
                 question_terms: SparseBm25Leg, embedder: Embedder, dense: DenseIndex,
                 dense_pair: DenseIndex, model: RelevanceModel | None = None,
                 config: FusionConfig | None = None, stats: IndexStats | None = None) -> None:
        self.pairs = pairs
        self.preprocessor = preprocessor
        self.bm25 = bm25
        self.question_terms = question_terms
        self.embedder = embedder
        self.dense = dense  # question vectors (also the personaliser's item vectors)
        self.dense_pair = dense_pair  # question + answer vectors
        self.model = model or RelevanceModel()
        self.config = config or FusionConfig()
        self.stats = stats or IndexStats()

    def legs(self, query: str, candidates: int | None = None) -> Candidates:
        """Every candidate for ``query`` with all its signals."""
        n = candidates or self.config.candidates
        query = query if isinstance(query, str) else ""
        terms = self.preprocessor.terms(query)
        bm25_all = self.bm25.scores(terms)
        bm25_idx, _ = top_k(bm25_all, n)
        vector = self.embedder.encode_query(query)
        question_idx, _ = self.dense.search(vector, n)
        pair_idx, _ = self.dense_pair.search(vector, n)
        union = np.unique(np.concatenate([bm25_idx, question_idx, pair_idx]))
        unique_terms = list(dict.fromkeys(terms))
        return Candidates(
            indices=union,
            cos_question=self.dense.similarity(vector, union),
            cos_pair=self.dense_pair.similarity(vector, union),
            bm25=bm25_all[union],
            coverage_pair=self.bm25.coverage(unique_terms, union),
            coverage_question=self.question_terms.coverage(unique_terms, union),
            bm25_order=bm25_idx, question_order=question_idx, pair_order=pair_idx)

    def probabilities(self, legs: Candidates, model: RelevanceModel | None = None) -> np.ndarray:
        return (model or self.model).probabilities(matrix(legs, self.stats))

    def fuse(self, legs: Candidates, config: FusionConfig | None = None) -> np.ndarray:
        """Convex or RRF fusion of BM25 with the question cosine (for comparison)."""
        config = config or self.config
        if config.method == "rrf":
            return fusion.rrf(legs.bm25, legs.cos_question, config.rrf_k)
        return fusion.convex(legs.bm25, legs.cos_question, config.weight)

    def search(self, query: str, k: int = 5) -> list[Hit]:
        if k <= 0 or not isinstance(query, str) or not query.strip():
            return []
        legs = self.legs(query)
        if len(legs) == 0:
            return []
        probability = self.probabilities(legs)
        order = np.argsort(-probability, kind="stable")[:k]
        # the probability is both the confidence and the relevance mood re-ranking compares
        return [Hit(self.pairs[int(legs.indices[p])], float(probability[p])) for p in order]
