"""A learned frustration detector on the message's sentence vector, beside the rule signals.

The rules of :mod:`sentiment.signals` catch frustration that uses known words; customers also
show it by sarcasm, curt commands, rhetorical questions or consequences ("I've now missed my
flight"). This head is a logistic model over the MiniLM sentence vector the sentiment model
already computes for retrieval (the shared forward pass), so it costs one dot product.

It is trained only to tell *frustrated* from *calm* — a calm problem report is negative but
not frustrated (definitions: ``training_data/sentiment/tone/README.md``) — on our labelled
support messages and on ``frustration_train.jsonl`` (messages to many kinds of companies),
never on the tone evaluation set. The decision threshold is chosen on held-out development
messages so that at most ``MAX_CALM_ALARMS`` of calm messages are flagged. ``make
frustration-train`` writes ``sentiment/artifacts/frustration.json`` (a few KB), keyed by a
hash of its inputs; a unit test fails if the inputs changed without retraining.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shopdesk.settings import PROJECT_ROOT

ARTIFACT = PROJECT_ROOT / "sentiment/artifacts/frustration.json"
SUPPORT = PROJECT_ROOT / "training_data/sentiment"
MESSAGES = SUPPORT / "frustration_train.jsonl"
MAX_CALM_ALARMS = 0.03


@dataclass(frozen=True)
class FrustrationHead:
    weights: np.ndarray
    bias: float
    threshold: float

    def probability(self, vector: np.ndarray) -> float:
        z = float(np.asarray(vector, dtype=np.float64) @ self.weights + self.bias)
        return 1.0 / (1.0 + np.exp(-max(-50.0, min(50.0, z))))

    def frustrated(self, vector: np.ndarray | None) -> bool:
        return vector is not None and self.probability(vector) >= self.threshold

    @classmethod
    def load(cls, path: Path = ARTIFACT) -> FrustrationHead | None:
        """The trained head, or None (missing or unreadable: the rules work alone)."""
        try:
            data = json.loads(path.read_text())
            return cls(np.asarray(data["weights"], dtype=np.float64), float(data["bias"]),
                       float(data["threshold"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True)
class Labelled:
    id: str
    text: str
    frustrated: bool
    split: str  # "train" or "dev"


def _split(identifier: str) -> str:
    return "dev" if hashlib.sha1(identifier.encode()).digest()[0] < 52 else "train"  # ~20 %


def load_examples() -> list[Labelled]:
    out: list[Labelled] = []
    for split in ("train", "dev"):  # our support messages: frustration markers label them
        for line in (SUPPORT / f"support_{split}.jsonl").read_text().splitlines():
            if line.strip():
                raw = json.loads(line)
                out.append(Labelled(raw["id"], raw["text"], bool(raw.get("frustration")), split))
    if MESSAGES.is_file():
        for line in MESSAGES.read_text().splitlines():
            if line.strip():
                raw = json.loads(line)
                out.append(Labelled(raw["id"], raw["text"], bool(raw["frustrated"]),
                                    _split(raw["id"])))
    return out


def inputs_digest() -> str:
    digest = hashlib.sha256()
    for path in (SUPPORT / "support_train.jsonl", SUPPORT / "support_dev.jsonl", MESSAGES):
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    return digest.hexdigest()


def train(encode: Callable[[Sequence[str]], np.ndarray], out: Path = ARTIFACT) -> dict:
    """Fit the head on the train split, choose the threshold on dev, write the artifact."""
    from sklearn.linear_model import LogisticRegression

    examples = load_examples()
    train_set = [e for e in examples if e.split == "train"]
    dev_set = [e for e in examples if e.split == "dev"]
    x_train = encode([e.text for e in train_set])
    y_train = np.array([e.frustrated for e in train_set])
    model = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced")
    model.fit(x_train, y_train)
    weights, bias = model.coef_[0].astype(np.float64), float(model.intercept_[0])
    x_dev = encode([e.text for e in dev_set])
    y_dev = np.array([e.frustrated for e in dev_set])
    p_dev = 1.0 / (1.0 + np.exp(-(x_dev @ weights + bias)))
    threshold, recall, alarms = 1.0, 0.0, 0.0
    for candidate in np.linspace(0.3, 0.99, 70):
        flagged = p_dev >= candidate
        calm_alarms = float(flagged[~y_dev].mean()) if (~y_dev).any() else 0.0
        found = float(flagged[y_dev].mean()) if y_dev.any() else 0.0
        if calm_alarms <= MAX_CALM_ALARMS and found > recall:
            threshold, recall, alarms = float(candidate), found, calm_alarms
    report = {"train": len(train_set), "dev": len(dev_set),
              "train_frustrated": int(y_train.sum()), "dev_frustrated": int(y_dev.sum()),
              "threshold": round(threshold, 4), "dev_recall": round(recall, 4),
              "dev_calm_alarms": round(alarms, 4), "inputs_sha256": inputs_digest()}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**report, "encoder": "all-MiniLM-L6-v2 mean-pooled, L2-normalised",
                               "weights": [round(float(w), 6) for w in weights],
                               "bias": bias}, indent=1) + "\n")
    return report
