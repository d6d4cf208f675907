"""Hybrid retrieval: BM25 and dense candidates, fused, with a calibrated confidence."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from retrieval import fusion
from retrieval.bm25 import Bm25Leg, top_k
from retrieval.corpus import QAPair
from retrieval.dense import DenseIndex
from retrieval.embedders import Embedder
from retrieval.preprocess import Preprocessor
from retrieval.retriever import Hit


@dataclass(frozen=True)
class FusionConfig:
    method: str = "convex"  # "convex" or "rrf"
    weight: float = 0.7  # the dense leg's share in convex fusion
    rrf_k: float = 60.0
    candidates: int = 50  # taken from each leg before fusing


@dataclass(frozen=True)
class Calibration:
    """Logistic model of P(the hit answers the query) from the hit's signals.

    Features (see :func:`hit_features`): dense cosine, BM25 saturation ``s / (s + 5)``,
    fused score, and the margin of the dense cosine over the best other candidate.
    Fitted on the development queries by ``retrieval.evaluate``.
    """

    coef: tuple[float, ...] = (9.0, 1.5, 1.0, 4.0)
    intercept: float = -6.0

    def probability(self, features: list[float]) -> float:
        z = self.intercept + sum(c * f for c, f in zip(self.coef, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@dataclass
class LegResult:
    """Both legs' scores over the union of their candidates (for fusion and evaluation)."""

    indices: np.ndarray
    bm25: np.ndarray
    dense: np.ndarray
    bm25_order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    dense_order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def hit_features(legs: LegResult, fused: np.ndarray, position: int) -> list[float]:
    cosine = float(legs.dense[position])
    others = np.delete(legs.dense, position)
    margin = cosine - float(others.max()) if others.size else cosine
    bm25 = float(legs.bm25[position])
    return [cosine, bm25 / (bm25 + 5.0), float(fused[position]), max(0.0, margin)]


def fused_order(fused: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-fused, kind="stable")[:k]


class HybridRetriever:
    def __init__(self, pairs: list[QAPair], preprocessor: Preprocessor, bm25: Bm25Leg,
                 embedder: Embedder, dense: DenseIndex, config: FusionConfig | None = None,
                 calibration: Calibration | None = None) -> None:
        self.pairs = pairs
        self.preprocessor = preprocessor
        self.bm25 = bm25
        self.embedder = embedder
        self.dense = dense
        self.config = config or FusionConfig()
        self.calibration = calibration or Calibration()

    def legs(self, query: str, candidates: int | None = None) -> LegResult:
        n = candidates or self.config.candidates
        terms = self.preprocessor.terms(query) if isinstance(query, str) else []
        bm25_all = self.bm25.scores(terms)
        bm25_idx, _ = top_k(bm25_all, n)
        vector = self.embedder.encode_query(query if isinstance(query, str) else "")
        dense_idx, _ = self.dense.search(vector, n)
        union = np.unique(np.concatenate([bm25_idx, dense_idx]))
        return LegResult(union, bm25_all[union], self.dense.similarity(vector, union),
                         bm25_idx, dense_idx)

    def fuse(self, legs: LegResult, config: FusionConfig | None = None) -> np.ndarray:
        config = config or self.config
        if config.method == "rrf":
            return fusion.rrf(legs.bm25, legs.dense, config.rrf_k)
        return fusion.convex(legs.bm25, legs.dense, config.weight)

    def search(self, query: str, k: int = 5) -> list[Hit]:
        if k <= 0 or not isinstance(query, str) or not query.strip():
            return []
        legs = self.legs(query)
        if legs.indices.size == 0:
            return []
        fused = self.fuse(legs)
        return [Hit(self.pairs[int(legs.indices[p])],
                    self.calibration.probability(hit_features(legs, fused, int(p))),
                    relevance=float(fused[p]))
                for p in fused_order(fused, k)]
