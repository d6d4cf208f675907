"""Rank fusion of the BM25 and dense legs: two small pure functions.

* ``convex``: each leg's scores are min-max normalised over the candidate set, then
  combined as ``w * dense + (1 - w) * bm25``. Bruch et al. (2022) found this beats
  reciprocal rank fusion when a few labelled queries are available to tune ``w``.
* ``rrf``: ``sum 1 / (k + rank)`` over the legs (Cormack et al. 2009); no scores needed.
"""

from __future__ import annotations

import numpy as np


def minmax(scores: np.ndarray) -> np.ndarray:
    if scores.size == 0:
        return scores.astype(np.float32)
    low, high = float(scores.min()), float(scores.max())
    if high - low < 1e-9:
        return np.where(scores > 0, 1.0, 0.0).astype(np.float32)
    return ((scores - low) / (high - low)).astype(np.float32)


def convex(bm25: np.ndarray, dense: np.ndarray, weight: float) -> np.ndarray:
    """Fused scores for aligned candidate arrays; ``weight`` is the dense leg's share."""
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"weight must be in [0, 1], got {weight}")
    return weight * minmax(dense) + (1.0 - weight) * minmax(bm25)


def ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each entry (ties broken by position); 0 scores rank last."""
    order = np.argsort(-scores, kind="stable")
    out = np.empty(len(scores), dtype=np.float64)
    out[order] = np.arange(1, len(scores) + 1)
    return out


def rrf(bm25: np.ndarray, dense: np.ndarray, k: float = 60.0) -> np.ndarray:
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    bm25_part = np.where(bm25 > 0, 1.0 / (k + ranks(bm25)), 0.0)
    return (bm25_part + 1.0 / (k + ranks(dense))).astype(np.float32)
