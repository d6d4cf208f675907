"""The relevance model: P(this pair answers the query) from the candidate's signals.

One logistic model ranks the candidates *and* gives the top one's confidence, so the answer
bands mean the same on every corpus:

    P(relevant | x) = 1 / (1 + exp(-(b + Σ_i w_i · (x_i − μ_i) / σ_i)))

over the signals of :mod:`retrieval.features`. It is fitted by ``make eval`` on the
development queries of several corpora written by different companies (never on a hold-out
corpus) and stored in ``retrieval/tuning.json``; the defaults below are a hand-set fallback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.features import FEATURES


@dataclass(frozen=True)
class RelevanceModel:
    weights: tuple[float, ...] = (0.3, 0.5, -0.6, -0.8, 0.3, 0.3, 0.4, 0.2, 0.3, 0.2, 0.2,
                                  0.3, 0.2, 0.2)
    intercept: float = -4.0
    mean: tuple[float, ...] = (0.0,) * len(FEATURES)
    scale: tuple[float, ...] = (1.0,) * len(FEATURES)
    features: tuple[str, ...] = FEATURES

    def __post_init__(self) -> None:
        sizes = {len(self.weights), len(self.mean), len(self.scale), len(self.features)}
        if sizes != {len(FEATURES)} or tuple(self.features) != FEATURES:
            raise ValueError(f"the relevance model must use the features {FEATURES}; "
                             "re-run `make eval` to fit it again")

    def logits(self, x: np.ndarray) -> np.ndarray:
        if x.size == 0:
            return np.zeros(0, dtype=np.float64)
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return self.intercept + z @ np.asarray(self.weights)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(x), -50.0, 50.0)))

    def to_json(self) -> dict:
        return {"features": list(self.features), "weights": list(self.weights),
                "intercept": self.intercept, "mean": list(self.mean), "scale": list(self.scale)}

    @classmethod
    def from_json(cls, data: dict) -> RelevanceModel:
        return cls(tuple(map(float, data["weights"])), float(data["intercept"]),
                   tuple(map(float, data["mean"])), tuple(map(float, data["scale"])),
                   tuple(data["features"]))


def fit(x: np.ndarray, y: np.ndarray, sample_weight: Sequence[float] | None = None,
        c: float = 1.0) -> RelevanceModel:
    """Fit the model on candidate rows ``x`` with labels ``y`` (1: the pair answers)."""
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale < 1e-9, 1.0, scale)
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit((x - mean) / scale, y, sample_weight=sample_weight)
    return RelevanceModel(tuple(float(w) for w in model.coef_[0]), float(model.intercept_[0]),
                          tuple(float(m) for m in mean), tuple(float(s) for s in scale))
