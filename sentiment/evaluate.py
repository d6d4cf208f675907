"""Evaluation: our model against VADER and TextBlob, on every domain's held-out test split.

* binary accuracy — on items with a clear polarity (human label positive or negative): is the
  sign of the system's score right?
* 3-class macro-F1 — negative / neutral / positive. Our model's label is its most likely class.
  VADER and TextBlob give a polarity number; each gets the neutral band (|score| ≤ t) that
  maximises its own dev-split macro-F1, so the lexicons are not handicapped by our choice.

``--extra FILE`` adds any labelled JSONL file (``{"text": …, "label": …}``) as another column,
e.g. a set nobody on the team has seen.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sentiment.data import DOMAINS, LABELS, Example, SentimentDataError
from sentiment.train import macro_f1

BANDS = tuple(round(x, 2) for x in np.arange(0.0, 0.51, 0.025))


@dataclass
class SystemScores:
    name: str
    binary: dict[str, float]
    macro_f1: dict[str, float]
    seconds: float


def vader_scorer() -> Callable[[Sequence[str]], np.ndarray]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyser = SentimentIntensityAnalyzer()
    return lambda texts: np.array([analyser.polarity_scores(t)["compound"] for t in texts])


def textblob_scorer() -> Callable[[Sequence[str]], np.ndarray]:
    from textblob import TextBlob

    return lambda texts: np.array([TextBlob(t).sentiment.polarity for t in texts])


def labels_from_scores(scores: np.ndarray, band: float) -> np.ndarray:
    return np.where(scores > band, 2, np.where(scores < -band, 0, 1))


def read_extra(path: Path) -> list[Example]:
    out = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            label = str(row["label"]).lower()
            text = str(row["text"])
        except (ValueError, KeyError, TypeError) as e:
            raise SentimentDataError(f"{path.name}:{line_no}: not a valid record ({e})") from None
        if label not in LABELS:
            raise SentimentDataError(f"{path.name}:{line_no}: label {label!r} is not one of "
                                     f"{', '.join(LABELS)}")
        out.append(Example(id=f"extra-{line_no}", domain="extra", split="test", text=text,
                           label=label, rating={"negative": -1.0, "neutral": 0.0,
                                                "positive": 1.0}[label]))
    return out


def _per_domain(examples: list[Example], scores: np.ndarray, labels: np.ndarray,
                domains: Sequence[str]) -> tuple[dict[str, float], dict[str, float]]:
    binary, f1 = {}, {}
    doms = np.array([e.domain for e in examples])
    gold = np.array([LABELS.index(e.label) for e in examples])
    for domain in domains:
        mask = doms == domain
        if not mask.any():
            continue
        clear = mask & (gold != 1)
        binary[domain] = float(((scores[clear] > 0) == (gold[clear] == 2)).mean())
        if (gold[mask] == 1).any():
            f1[domain] = macro_f1(gold[mask].tolist(), labels[mask].tolist())
        else:  # a set labelled positive / negative only: the macro-F1 of those two classes
            f1[domain] = _two_class_f1(gold[mask], labels[mask])
    return binary, f1


def _two_class_f1(gold: np.ndarray, pred: np.ndarray) -> float:
    scores = []
    for c in (0, 2):
        tp = int(((gold == c) & (pred == c)).sum())
        fp = int(((gold != c) & (pred == c)).sum())
        fn = int(((gold == c) & (pred != c)).sum())
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return float(np.mean(scores))


def evaluate(examples: list[Example], systems: dict[str, object],
             extra: list[Example] | None = None) -> list[SystemScores]:
    """``systems``: name → a :class:`~sentiment.model.SentimentModel` or a lexicon scorer."""
    test = [e for e in examples if e.split == "test"] + list(extra or [])
    dev = [e for e in examples if e.split == "dev"]
    domains = [*DOMAINS, *dict.fromkeys(e.domain for e in extra or [])]
    results = []
    for name, system in systems.items():
        started = time.perf_counter()
        if hasattr(system, "score_many"):
            res = system.score_many([e.text for e in test])
            scores = np.array([r.score for r in res])
            labels = np.array([LABELS.index(r.label) for r in res])
        else:
            dev_scores = system([e.text for e in dev])
            dev_gold = [LABELS.index(e.label) for e in dev]
            band = max(BANDS, key=lambda b: macro_f1(
                dev_gold, labels_from_scores(dev_scores, b).tolist()))
            scores = system([e.text for e in test])
            labels = labels_from_scores(scores, band)
            name = f"{name} (neutral |s|≤{band:g})"
        binary, f1 = _per_domain(test, scores, labels, domains)
        results.append(SystemScores(name, binary, f1, time.perf_counter() - started))
    return results


def table(results: list[SystemScores]) -> str:
    domains = list(results[0].binary)
    head = "| system | " + " | ".join(f"{d} acc" for d in domains) + " | " + \
        " | ".join(f"{d} F1" for d in domains) + " |"
    rule = "|---|" + "---:|" * (2 * len(domains))
    rows = [f"| {r.name} | " + " | ".join(f"{r.binary[d]:.3f}" for d in domains) + " | "
            + " | ".join(f"{r.macro_f1[d]:.3f}" for d in domains) + " |" for r in results]
    return "\n".join([head, rule, *rows])


def plot(results: list[SystemScores], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    domains = list(results[0].binary)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
    width = 0.8 / len(results)
    for ax, metric, title in ((axes[0], "binary", "binary accuracy (clear polarity)"),
                              (axes[1], "macro_f1", "3-class macro-F1")):
        for i, r in enumerate(results):
            values = [getattr(r, metric)[d] for d in domains]
            ax.bar(np.arange(len(domains)) + i * width, values, width, label=r.name)
        ax.set_xticks(np.arange(len(domains)) + width * (len(results) - 1) / 2, domains)
        ax.set_title(title)
        ax.set_ylim(0, 1)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
